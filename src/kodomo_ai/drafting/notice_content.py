"""Per-type content of a notice: the fixed sentences, the 記 table and the facts, from the rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from kodomo_ai.drafting.dates import parse_date, wareki_date
from kodomo_ai.drafting.personal import PERSONAL_FIELDS
from kodomo_ai.errors import InputError
from kodomo_ai.rules import ages
from kodomo_ai.rules.allocation import allocate
from kodomo_ai.rules.certification import certify
from kodomo_ai.rules.child_allowance import calculate_child_allowance
from kodomo_ai.rules.explanation import RuleCitation, yen
from kodomo_ai.rules.free_childcare import assess_free_childcare
from kodomo_ai.rules.tables import load_municipality


@dataclass
class NoticeContent:
    """What a notice says before any retrieval: sentences, table rows, facts and where the rules come from."""

    title: str
    subject: str
    lead: list[str]
    table: list[tuple[str, str]] = field(default_factory=list)
    guidance_queries: list[str] = field(default_factory=list)
    guidance_doc_ids: tuple[str, ...] | None = None
    rule_text: str = ""
    rule_citations: list[RuleCitation] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)


def _child() -> str:
    return PERSONAL_FIELDS["child_name"]


def _date(fields: dict[str, Any], name: str) -> date:
    return parse_date(fields[name], name)


def _load_json_field(fields: dict[str, Any], name: str) -> Any:
    value = fields.get(name)
    if isinstance(value, str):
        raise InputError(name, "JSON のオブジェクトを指定してください（CLI ではファイル名も使えます）")
    return value


def build_kyufu_nintei(fields: dict[str, Any], municipality: str) -> NoticeContent:
    """教育・保育給付認定: the certificate type and care amount from `certify`."""
    start = _date(fields, "reference_date")
    result = certify({
        "child_birth_date": fields["child_birth_date"], "reference_date": start.isoformat(),
        "parents": fields["parents"], "municipality": municipality,
    })  # fmt: skip
    if result.certification is None:
        raise InputError(
            "parents",
            f"認定できない内容です（{result.summary}）。認定しない旨の通知は別の様式で作成してください",
        )
    if fields.get("valid_until"):
        until = _date(fields, "valid_until")
    elif result.certification == "3号":
        until = result.attains_age3_on
    else:
        until = result.school_entry - timedelta(days=1)
    need = (
        f"{result.care_need_label}（1日最大{result.max_hours_per_day}時間）"
        if result.care_need_label
        else "教育標準時間"
    )
    period = f"{wareki_date(start)}から{wareki_date(until)}まで"
    lead = [
        f"{_child()}さんの教育・保育給付認定の申請について、審査の結果、次のとおり認定しましたので通知します。",
        f"認定区分は{result.certification}認定です。",
    ]
    if result.care_need_label:
        lead.append(f"保育必要量は{need}です。")
    return NoticeContent(
        title="教育・保育給付認定通知書", subject="教育・保育給付認定について（通知）", lead=lead,
        table=[("認定を受けたこども", _child()), ("生年月日", PERSONAL_FIELDS["child_birth_date"]),
               ("認定区分", f"{result.certification}認定"), ("保育必要量", need), ("有効期間", period)],
        guidance_queries=[f"{result.certification}認定 保育必要量 変更の届出", "認定 有効期間 変更 届出"],
        rule_text="\n".join([result.summary, *result.steps, period]),
        rule_citations=result.citations,
        facts=[f"認定区分: {result.certification}認定", f"保育必要量: {need}", f"有効期間: {period}"],
    )  # fmt: skip


def _placement(fields: dict[str, Any]) -> Any:
    data = _load_json_field(fields, "allocation")
    applicant = str(fields.get("applicant_id") or "")
    if not applicant:
        raise InputError("applicant_id", "利用調整の結果から通知するには申込ID（applicant_id）が必要です")
    result = allocate(data)
    placement = next((p for p in result.placements if p.applicant_id == applicant), None)
    if placement is None:
        raise InputError("applicant_id", f"利用調整の結果に申込ID「{applicant}」がありません")
    return result, placement


def build_riyou_naitei(fields: dict[str, Any], municipality: str) -> NoticeContent:
    """保育所等利用内定: the facility from the allocation result (or given directly)."""
    admission = _date(fields, "admission_date")
    rule_text, citations, choice = "", [], ""
    if fields.get("allocation"):
        result, placement = _placement(fields)
        if placement.status != "placed":
            raise InputError("applicant_id", f"申込ID「{placement.applicant_id}」は保留です。利用保留通知（riyou-horyu）を作成してください")  # fmt: skip
        facility = placement.facility_name or placement.facility_id or ""
        choice = f"第{placement.choice_number}希望" if placement.choice_number else ""
        rule_text = "\n".join([placement.reason, *result.steps, f"第{placement.choice_number}希望", f"{placement.class_age}歳児クラス"])  # fmt: skip
        citations = result.citations
        klass = f"{placement.class_age}歳児クラス"
    elif fields.get("facility_name"):
        facility, klass = str(fields["facility_name"]), ""
    else:
        raise InputError("allocation", "内定した施設を示す利用調整の入力（allocation と applicant_id）か facility_name が必要です")  # fmt: skip
    table = [("入所するこども", _child()), ("内定した施設", facility)]
    if choice:
        table.append(("希望順位", choice))
    if klass:
        table.append(("クラス", klass))
    table.append(("入所予定日", wareki_date(admission)))
    return NoticeContent(
        title="保育所等利用内定通知書", subject="保育所等の利用の内定について（通知）",
        lead=[f"{_child()}さんの保育所等の利用申込みについて、利用調整の結果、次の施設に内定しましたので通知します。",
              "入所の決定は、施設での面談と健康診断の後に改めて通知します。"],
        table=table, guidance_queries=["内定後の面談と健康診断", "内定 通知 入所前 面談 健康診断 日時"],
        rule_text=rule_text, rule_citations=citations,
        facts=[f"{k}: {v}" for k, v in table],
    )  # fmt: skip


def build_riyou_horyu(fields: dict[str, Any], municipality: str) -> NoticeContent:
    """保育所等利用保留: the reason is the allocation result's own reason for this applicant."""
    admission = _date(fields, "admission_date")
    result, placement = _placement(fields)
    if placement.status == "placed":
        raise InputError("applicant_id", f"申込ID「{placement.applicant_id}」は内定しています。利用内定通知（riyou-naitei）を作成してください")  # fmt: skip
    reason = placement.reason
    return NoticeContent(
        title="保育所等利用保留通知書", subject="保育所等の利用調整の結果（保留）について（通知）",
        lead=[f"{_child()}さんの{wareki_date(admission)}からの保育所等の利用申込みについて、利用調整を行いました。",
              "その結果、入所先が決まりませんでしたので通知します。",
              f"理由は次のとおりです。{reason}"],
        table=[("申込みのこども", _child()), ("希望した入所日", wareki_date(admission)),
               ("結果", "保留（入所先が決まっていません）"), ("理由", reason),
               ("利用調整の指数", f"{placement.index}点")],
        guidance_queries=["保留になったらどうなりますか 二次申込み", "一次で保留になった人 二次の利用調整"],
        rule_text="\n".join([reason, *result.steps, f"{placement.index}点"]), rule_citations=result.citations,
        facts=["結果: 保留", f"理由: {reason}", f"指数: {placement.index}点", f"希望した入所日: {wareki_date(admission)}"],
    )  # fmt: skip


def build_shisetsu_kyufu(fields: dict[str, Any], municipality: str) -> NoticeContent:
    """施設等利用給付認定: the 新1号/新2号/新3号 certificate and monthly cap from the 無償化 rules."""
    start = _date(fields, "valid_from")
    data: dict[str, Any] = {"as_of": start.isoformat(), "facility_type": fields["facility_type"],
                            "birth_date": fields["child_birth_date"], "municipality": municipality}  # fmt: skip
    for name in ("needs_care", "resident_tax_exempt"):
        if name in fields:
            data[name] = fields[name]
    result = assess_free_childcare(data)
    if not result.certification_needed:
        raise InputError("facility_type", f"施設等利用給付認定の対象になりません（{result.summary}）")
    cap = f"月額{yen(result.monthly_cap)}まで" if result.monthly_cap else "上限なし（利用料が無償）"
    table = [("認定を受けたこども", _child()), ("生年月日", PERSONAL_FIELDS["child_birth_date"]),
             ("認定区分", result.certification_needed), ("利用する施設", result.facility_label),
             ("無償化の上限", cap), ("認定の開始日", wareki_date(start))]  # fmt: skip
    lead = [
        f"{_child()}さんの施設等利用給付認定の申請について、審査の結果、次のとおり認定しましたので通知します。",
        f"認定区分は{result.certification_needed}です。",
    ]
    if result.not_covered:
        lead.append(f"{'、'.join(result.not_covered[:2])}などは無償化の対象外です。")
    return NoticeContent(
        title="施設等利用給付認定通知書", subject="施設等利用給付認定について（通知）", lead=lead, table=table,
        guidance_queries=["施設等利用給付 請求 償還払い 領収書", "施設等利用給付認定 変更 届出"],
        rule_text="\n".join([result.summary, *result.steps, cap]), rule_citations=result.citations,
        facts=[f"{k}: {v}" for k, v in table[2:]],
    )  # fmt: skip


def build_teate_kaitei(fields: dict[str, Any], municipality: str) -> NoticeContent:
    """児童手当の額の改定: amounts before and after from the allowance rules."""
    month = ages.month_start(_date(fields, "revision_month"))
    previous = ages.add_months(month, -1)
    children = fields["children"]
    if not isinstance(children, list):
        raise InputError("children", '児童の一覧（[{"birth_date": "YYYY-MM-DD"}, …]）を指定してください')
    after = calculate_child_allowance({"children": children, "as_of": month.isoformat()})
    before = calculate_child_allowance({"children": children, "as_of": previous.isoformat()})
    if after.monthly_total == before.monthly_total:
        raise InputError(
            "revision_month", f"{month.year}年{month.month}月分の手当額は前月と同じです（改定はありません）"
        )
    pay = date.fromisoformat(after.payment.payment_month + "-01")
    month_label = f"{wareki_date(month, weekday=False).rsplit('月', 1)[0]}月分"
    changed = [f"{b.label}: 月{yen(b.monthly_amount)}→月{yen(a.monthly_amount)}"
               for b, a in zip(before.children, after.children, strict=False) if b.monthly_amount != a.monthly_amount]  # fmt: skip
    table = [("改定前の手当月額", yen(before.monthly_total)), ("改定後の手当月額", yen(after.monthly_total)),
             ("改定する月", f"{month_label}から"),
             ("次の支払", f"{wareki_date(pay, weekday=False).rsplit('月', 1)[0]}月（{yen(after.payment.amount)}）")]  # fmt: skip
    return NoticeContent(
        title="児童手当の額の改定のお知らせ", subject="児童手当の額の改定について（通知）",
        lead=[f"児童手当の額を、{month_label}から改定しますので通知します。",
              f"改定後の手当の月額は{yen(after.monthly_total)}です。",
              f"改定の内容は、{'、'.join(changed)}です。" if changed else "改定の内容は次の表のとおりです。"],
        table=table, guidance_queries=["児童手当 支払月 偶数月 前月までの2か月分"],
        guidance_doc_ids=("nat-jido-teate", "nat-jido-teate-tetsuzuki"),
        rule_text="\n".join([after.summary, *after.steps, before.summary, *before.steps, *changed, month_label]),
        rule_citations=[*after.citations, *[c for c in before.citations if c not in after.citations]],
        facts=[f"{k}: {v}" for k, v in table] + changed,
    )  # fmt: skip


def build_public(fields: dict[str, Any], municipality: str, kind: str) -> NoticeContent:
    """広報文 and FAQ: no rules, only retrieved sentences; the subject or question leads."""
    if kind == "faq":
        question = str(fields["question"])
        return NoticeContent(title="よくある質問", subject=question, lead=[], guidance_queries=[question],
                             guidance_doc_ids=tuple(fields["doc_ids"]) if fields.get("doc_ids") else None)  # fmt: skip
    subject = str(fields["subject"])
    return NoticeContent(
        title=subject, subject=subject, lead=[f"{subject}についてお知らせします。"],
        guidance_queries=[str(fields.get("query") or subject)],
        guidance_doc_ids=tuple(fields["doc_ids"]) if fields.get("doc_ids") else None,
    )  # fmt: skip


BUILDERS = {
    "kyufu-nintei": build_kyufu_nintei,
    "riyou-naitei": build_riyou_naitei,
    "riyou-horyu": build_riyou_horyu,
    "shisetsu-kyufu": build_shisetsu_kyufu,
    "teate-kaitei": build_teate_kaitei,
}


def build_content(kind: str, fields: dict[str, Any], municipality: str) -> NoticeContent:
    """The content of a notice of type `kind` from validated fields."""
    if kind in BUILDERS:
        return BUILDERS[kind](fields, municipality)
    return build_public(fields, municipality, kind)


def mayor_and_name(municipality: str) -> tuple[str, str]:
    """The sender (みどり市長) and the municipality's name (みどり市)."""
    name = load_municipality(municipality).name
    return f"{name}長", name
