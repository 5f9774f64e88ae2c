"""Notice types: what each one is called, which fields it needs, and how a reviewer checks it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kodomo_ai.drafting.style import StyleProfile
from kodomo_ai.errors import InputError


@dataclass(frozen=True)
class FieldSpec:
    """One input field of a notice type."""

    name: str
    label: str
    required: bool = True


@dataclass(frozen=True)
class NoticeType:
    """A kind of document the drafter can write."""

    key: str
    title: str
    fields: tuple[FieldSpec, ...]
    profile: StyleProfile
    addressed: bool = True  # a letter to one household (住所・氏名 block) rather than a public text
    disposition: bool = False  # an administrative disposition: needs 教示文
    aliases: tuple[str, ...] = ()
    description: str = ""

    def required(self) -> list[str]:
        """Names of the fields that must be given."""
        return [f.name for f in self.fields if f.required]

    def check(self, values: dict[str, Any]) -> None:
        """Raise InputError naming the first required field that is missing or empty."""
        for spec in self.fields:
            if spec.required and values.get(spec.name) in (None, "", [], {}):
                raise InputError(spec.name, f"「{self.title}」に必須の項目（{spec.label}）がありません")

    def missing(self, values: dict[str, Any]) -> list[str]:
        """Every required field that is missing or empty."""
        return [s.name for s in self.fields if s.required and values.get(s.name) in (None, "", [], {})]


_LETTER = StyleProfile(register="desu", weekday_dates=True, needs_contact=True, needs_kyouji=False)
_DISPOSITION = StyleProfile(register="desu", weekday_dates=True, needs_contact=True, needs_kyouji=True)
_PERSONAL = (
    FieldSpec("guardian_name", "保護者の氏名（ローカルで差し込み）", required=False),
    FieldSpec("address", "住所（ローカルで差し込み）", required=False),
)
_CHILD = (FieldSpec("child_name", "児童名（ローカルで差し込み）", required=False),)
_COMMON = (
    FieldSpec("notice_date", "通知日（YYYY-MM-DD）"),
    FieldSpec("municipality", "市区町村ID", required=False),
    FieldSpec("document_number", "文書番号（例: みどりこ第123号。省略時は空欄で印刷）", required=False),
)

NOTICE_TYPES: dict[str, NoticeType] = {
    t.key: t
    for t in (
        NoticeType(
            "kyufu-nintei", "教育・保育給付認定通知書",
            (*_COMMON, *_PERSONAL, *_CHILD,
             FieldSpec("child_birth_date", "児童の生年月日（判定だけに使い、本文は〔生年月日〕）"),
             FieldSpec("reference_date", "認定の開始日（YYYY-MM-DD）"),
             FieldSpec("parents", "保護者の状況（認定の判定に使う事由と時間）"),
             FieldSpec("valid_until", "有効期間の終わり（省略時は年齢から計算）", required=False),
             FieldSpec("contact", "問い合わせ先（省略時は資料から）", required=False)),
            _DISPOSITION, disposition=True, aliases=("教育・保育給付認定通知", "認定通知"),
            description="1号・2号・3号の認定区分と保育必要量を、規則の計算結果から通知します。",
        ),
        NoticeType(
            "riyou-naitei", "保育所等利用内定通知書",
            (*_COMMON, *_PERSONAL, *_CHILD,
             FieldSpec("admission_date", "入所予定日（YYYY-MM-DD）"),
             FieldSpec("allocation", "利用調整の入力（JSON）。facility_name を直接指定する場合は不要", required=False),
             FieldSpec("applicant_id", "利用調整の申込ID", required=False),
             FieldSpec("facility_name", "内定した施設名（allocation を使わない場合）", required=False),
             FieldSpec("contact", "問い合わせ先（省略時は資料から）", required=False)),
            _LETTER, aliases=("利用内定通知", "内定通知"),
            description="利用調整で内定した施設と、入所前の面談・健康診断の案内を通知します。",
        ),
        NoticeType(
            "riyou-horyu", "保育所等利用保留通知書",
            (*_COMMON, *_PERSONAL, *_CHILD,
             FieldSpec("admission_date", "希望した入所日（YYYY-MM-DD）"),
             FieldSpec("allocation", "利用調整の入力（JSON）。保留の理由はこの結果から書きます"),
             FieldSpec("applicant_id", "利用調整の申込ID"),
             FieldSpec("contact", "問い合わせ先（省略時は資料から）", required=False)),
            _DISPOSITION, disposition=True, aliases=("利用保留通知", "保留通知"),
            description="入所先が決まらなかったことを、利用調整の結果にもとづく理由と教示を付けて通知します。",
        ),
        NoticeType(
            "shisetsu-kyufu", "施設等利用給付認定通知書",
            (*_COMMON, *_PERSONAL, *_CHILD,
             FieldSpec("child_birth_date", "児童の生年月日（判定だけに使い、本文は〔生年月日〕）"),
             FieldSpec("valid_from", "認定の開始日（YYYY-MM-DD）"),
             FieldSpec("facility_type", "利用する施設の種類（kindergarten_unconverted, unlicensed など）"),
             FieldSpec("needs_care", "保育の必要性があるか（true/false）", required=False),
             FieldSpec("resident_tax_exempt", "住民税非課税世帯か（true/false）", required=False),
             FieldSpec("contact", "問い合わせ先（省略時は資料から）", required=False)),
            _DISPOSITION, disposition=True, aliases=("施設等利用給付認定通知",),
            description="無償化（施設等利用給付）の認定区分と月額の上限を、規則の計算結果から通知します。",
        ),
        NoticeType(
            "teate-kaitei", "児童手当の額の改定のお知らせ",
            (*_COMMON, *_PERSONAL,
             FieldSpec("revision_month", "改定する月の初日（YYYY-MM-DD）"),
             FieldSpec("children", "児童の生年月日の一覧（手当額の計算だけに使います）"),
             FieldSpec("contact", "問い合わせ先（担当課・電話番号・受付時間）")),
            _DISPOSITION, disposition=True, aliases=("児童手当額改定通知", "手当改定"),
            description="児童手当の月額が変わることを、改定前と改定後の額（規則の計算結果）とともに知らせます。",
        ),
        NoticeType(
            "kouhou", "広報文",
            (FieldSpec("subject", "件名（例: 令和9年4月入所の申込み）"),
             FieldSpec("query", "資料を探す言葉（省略時は件名）", required=False),
             FieldSpec("doc_ids", "使う文書IDの一覧（省略時は検索で選ぶ）", required=False),
             FieldSpec("municipality", "市区町村ID", required=False),
             FieldSpec("contact", "問い合わせ先（省略時は資料から）", required=False)),
            StyleProfile(register="desu", weekday_dates=True, needs_contact=True), addressed=False,
            aliases=("広報", "お知らせ"),
            description="申込みの日程や制度の変更を住民に知らせる文を、資料の文と表から作ります。",
        ),
        NoticeType(
            "faq", "よくある質問",
            (FieldSpec("question", "質問"), FieldSpec("municipality", "市区町村ID", required=False),
             FieldSpec("doc_ids", "使う文書IDの一覧（省略可）", required=False)),
            StyleProfile(register="desu", weekday_dates=False, needs_contact=False, wareki=False), addressed=False,
            aliases=("FAQ",), description="質問と、資料にもとづく回答と出典の組を作ります。",
        ),
    )
}  # fmt: skip


def notice_type(name: str) -> NoticeType:
    """The notice type called `name` (key or Japanese alias), or InputError listing the choices."""
    for kind in NOTICE_TYPES.values():
        if name in (kind.key, kind.title, *kind.aliases):
            return kind
    raise InputError("type", f"不明な文書の種類です: {name!r}（使えるもの: {', '.join(NOTICE_TYPES)}）")


def field_help(kind: NoticeType) -> dict[str, Any]:
    """A description of the fields of `kind`, for the CLI, API and UI."""
    return {"type": kind.key, "title": kind.title, "description": kind.description,
            "fields": [{"name": f.name, "label": f.label, "required": f.required} for f in kind.fields]}  # fmt: skip


ALL_TYPES: list[str] = [*NOTICE_TYPES, "manual-revision"]
