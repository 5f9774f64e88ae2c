"""Generate the municipal corpus documents (認定基準, 利用調整基準表, 保育料表) from the municipality's YAML.

The tables live only in rules/data/<municipality>.yaml; `kodomo-ai calc build-docs` writes these
Markdown files under corpus/municipal/<municipality>/, and a test fails when they are out of date.
Worked examples in the documents are computed by the rules themselves, so text and code agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kodomo_ai.rules.allocation_index import compute_index
from kodomo_ai.rules.explanation import Trace, yen
from kodomo_ai.rules.inputs import REASON_LABELS, Sibling
from kodomo_ai.rules.nursery_fee import under3_fee
from kodomo_ai.rules.tables import MunicipalTables, NationalTables, load_municipality, load_national

NEED_TEXT = {"standard": "保育標準時間（1日最大11時間）", "short": "保育短時間（1日最大8時間）"}


class _Doc:
    """Builds one document: front matter, title and `##` sections, each ending with its 出典 line."""

    def __init__(self, municipal: MunicipalTables, national: NationalTables, key: str) -> None:
        self.municipal = municipal
        self.national = national
        self.meta = municipal.documents[key]
        self.sections: list[str] = []
        self.used_sources: list[str] = []

    def heading(self, citation_key: str) -> str:
        """Return the section heading the citation `citation_key` points at."""
        ref = self.municipal.citations[citation_key]
        assert ref.doc_id == self.meta.doc_id, f"{citation_key} belongs to {ref.doc_id}"
        return ref.heading

    def section(self, heading: str, body: str, sources: list[str]) -> None:
        """Add a `##` section ending with its 出典 line (the sample plus national sources)."""
        lines = [self._sample()] + [self._source(key) for key in sources]
        for key in sources:
            if key not in self.used_sources:
                self.used_sources.append(key)
        self.sections.append(f"## {heading}\n\n{body.strip()}\n\n出典: {'、'.join(lines)}\n")

    def _sample(self) -> str:
        return (
            f"{self.municipal.source}（{self.municipal.publisher}、{self.municipal.published.isoformat()}）"
        )

    def _source(self, key: str) -> str:
        source = self.national.sources[key]
        return f"{source.url}（{source.publisher}、{source.date}）"

    def render(self) -> str:
        """Return the whole Markdown file with its front matter."""
        urls = [self.municipal.source] + [self.national.sources[k].url for k in self.used_sources]
        front = [
            "---",
            f"doc_id: {self.meta.doc_id}",
            f"title: {self.meta.title}",
            f"publisher: {self.municipal.publisher}",
            "sources:",
            *[f"  - {url}" for url in urls],
            f"published: {self.municipal.published.isoformat()}",
            f"effective_from: {self.municipal.effective_from.isoformat()}",
            "audience: [parent, caseworker]",
            "doc_type: manual",
            f"municipality: {self.municipal.municipality}",
            "---",
            f"# {self.meta.title}",
            "",
        ]
        return "\n".join(front) + "\n" + "\n".join(self.sections)


def _kind(municipal: MunicipalTables) -> str:
    """市, 町 or 村: what the sample town is, for sentences such as 「市が判断します」."""
    return municipal.name[-1] if municipal.name[-1] in "市町村" else "市"


def _sample_sentence(municipal: MunicipalTables, what: str) -> str:
    return (
        f"この{what}は、本システムの説明用につくった架空のサンプル自治体「{municipal.name}」のもので、"
        "実在する市町村の基準ではありません。"
    )


def _hitsuyou(municipal: MunicipalTables, national: NationalTables) -> _Doc:
    doc = _Doc(municipal, national, "hitsuyou")
    cert = municipal.certification
    limits = national.certification.work_hours_lower_limit_range
    fiscal = municipal.fiscal_year
    doc.section(
        doc.heading("about_sample"),
        f"""{_sample_sentence(municipal, "基準")}実在の市町村の案内を参考に、保育の必要性の認定（2号・3号認定）で市町村が決める部分を、{fiscal}年度（令和{fiscal - 2018}年度）の例としてまとめています。本システムの計算（認定区分・保育必要量）は、この基準の値を使います。お住まいの市町村の実際の基準は、その市町村の案内で確認してください。""",
        [],
    )
    doc.section(
        doc.heading("lower_limit"),
        f"""{municipal.name}では、月{cert.work_hours_lower_limit}時間以上働いていれば、就労を理由に保育が必要と認めます。国の決まりでは、この下限を月{limits["min"]}時間から{limits["max"]}時間の範囲で市町村が決めます。{municipal.name}は範囲{_position(cert.work_hours_lower_limit, limits)}の{cert.work_hours_lower_limit}時間を採っています。

- 月{cert.standard_hours_min_per_month}時間以上の就労: {NEED_TEXT["standard"]}
- 月{cert.work_hours_lower_limit}時間以上{cert.standard_hours_min_per_month}時間未満の就労: {NEED_TEXT["short"]}
- 月{cert.work_hours_lower_limit}時間未満の就労: 就労を理由とする認定は受けられません

たとえば月80時間のパート勤務は、保育が必要と認められますが、保育短時間の認定です。""",
        ["office_masaki", "matsue", "furudono"],
    )
    rows = "\n".join(
        f"| {REASON_LABELS[reason]} | "
        + (
            f"時間で決まる（月{cert.standard_hours_min_per_month}時間以上は標準時間、"
            f"月{cert.work_hours_lower_limit if reason == 'work' else cert.hours_based_reasons_min_hours}時間以上は短時間）"
            if rule.need == "by_hours"
            else NEED_TEXT[rule.need]
        )
        + f" | {rule.period} |"
        for reason, rule in cert.need_by_reason.items()
    )
    doc.section(
        doc.heading("need_table"),
        f"""{municipal.name}の保育必要量（保育標準時間か保育短時間か）は、保護者の事由ごとに次の表で決めます。父母がいる場合は父母の両方に事由が必要で、世帯の保育必要量は、父母のうち短い方の区分になります。

| 事由 | 保育必要量 | 認定期間の目安 |
|---|---|---|
{rows}

就労以外の「親族の介護・看護」と「就学」も、月{cert.hours_based_reasons_min_hours}時間以上のときに事由として認めます。""",
        ["office_masaki", "matsue"],
    )
    weeks = cert.weeks_per_month
    # The example reaches the town's lower limit exactly at 4 hours a day (64 h: 4 days a week; 48 h: 3).
    days = cert.work_hours_lower_limit / (4 * weeks)
    days = days if days == int(days) else 4
    example = 4 * days * weeks
    doc.section(
        doc.heading("hours_count"),
        f"""就労時間を「週◯日・1日◯時間」で申告したときは、1か月を{weeks:g}週として月の時間に直します。たとえば1日4時間・週{days:g}日なら、4時間×{days:g}日×{weeks:g}週＝月{example:g}時間で、{municipal.name}の下限にちょうど届きます。1日6時間・週4日なら月{6 * 4 * weeks:g}時間で保育短時間、1日8時間・週5日なら月{8 * 5 * weeks:g}時間で保育標準時間です。休憩時間は含めず、通勤時間の扱いは申請時に確認してください。""",
        ["furudono"],
    )
    return doc


def _riyouchosei(municipal: MunicipalTables, national: NationalTables) -> _Doc:
    doc = _Doc(municipal, national, "riyouchosei")
    table = municipal.allocation.basic_points
    doc.section(
        "この基準表について",
        f"""{_sample_sentence(municipal, "基準表")}保育所などの入所を希望する人が定員より多いときに、{_kind(municipal)}が入所の順番を決める「利用調整」の点数（指数）と順位の決め方を、実在の市町村の表を参考にした例として示します。世帯の指数は、父母それぞれの基本指数の合計に、世帯の状況による調整指数を加えたものです。本システムの利用調整の計算は、この表の値を使います。""",
        ["musashimurayama", "kunitachi"],
    )

    def bands(reason: str) -> list[str]:
        """Return table rows for an hours-banded reason."""
        items = getattr(table, reason)
        out = []
        upper = None
        for band in items:
            span = f"月{band.min_hours:g}時間以上" + (f"{upper:g}時間未満" if upper is not None else "")
            out.append(f"| {REASON_LABELS[reason]} | {span} | {band.points}点 |")
            upper = band.min_hours
        return out

    rows = bands("work") + [
        f"| {REASON_LABELS['pregnancy']} | 出産予定日の前後 | {table.pregnancy}点 |",
        *[
            f"| {REASON_LABELS['illness']} | {label} | {table.illness[key]}点 |"
            for key, label in (
                ("hospitalized", "入院"),
                ("bedridden", "自宅で常に臥床"),
                ("outpatient", "通院・自宅療養"),
            )
        ],
        *[
            f"| {REASON_LABELS['disability']} | {label} | {table.disability[key]}点 |"
            for key, label in (("severe", "身体障害者手帳1・2級など重度"), ("moderate", "それ以外"))
        ],
        *bands("caregiving"),
        f"| {REASON_LABELS['disaster']} | 家屋の復旧など | {table.disaster}点 |",
        f"| {REASON_LABELS['job_seeking']} | 仕事を探している | {table.job_seeking}点 |",
        *bands("study"),
        f"| {REASON_LABELS['abuse_dv']} | {_kind(municipal)}が必要と認める | {table.abuse_dv}点 |",
        f"| {REASON_LABELS['parental_leave']} | 在園児の継続利用 | {table.parental_leave}点 |",
        f"| 保護者がいない | ひとり親世帯などで、いない方の保護者 | {table.absent}点 |",
        f"| 家庭で保育できる | 事由がない | {table.home}点 |",
    ]
    doc.section(
        doc.heading("basic_points"),
        """基本指数は、父と母それぞれの状況に点数をつけたもので、世帯の基本指数は二人の点数の合計です。就労は月の就労時間が長いほど高く、病気・障害・妊娠なども状況に応じた点数です。

| 事由 | 状況 | 基本指数 |
|---|---|---|
"""
        + "\n".join(rows),
        ["hachioji", "kunitachi"],
    )
    adjust_rows = "\n".join(
        f"| {a.label} | {a.points:+d}点 | {a.key} |" for a in municipal.allocation.adjustments
    )
    doc.section(
        doc.heading("adjustments"),
        f"""調整指数は、世帯やこどもの状況に応じて基本指数の合計に加える点数（減点を含む）です。{municipal.name}では、あてはまる項目をすべて加えます。父母のどちらかがいない世帯には「ひとり親世帯」の加点が自動で付きます。「入力キー」は本システムの計算（CSV の adjustments 列など）で使う名前です。

| 項目 | 点数 | 入力キー |
|---|---|---|
{adjust_rows}""",
        ["musashimurayama", "kunitachi"],
    )
    order = municipal.allocation.tie_breakers
    breakers = "\n".join(f"{i}. {b.label}" for i, b in enumerate(order, start=1))
    # A town that does not compare the basic index first says so: readers expect the index to count.
    first = (
        f"{municipal.name}では、基本指数（父母の合計）の高さでは順位を付けず、最初に{order[0].label}かどうかを比べます。"
        if order and order[0].key != "basic_total" and not any(b.key == "basic_total" for b in order)
        else ""
    )
    doc.section(
        doc.heading("tie_breakers"),
        f"""指数が同じ世帯は、次の項目を上から順に比べて順位を決めます。

{breakers}

{first}抽選番号を{_kind(municipal)}が割り当てない場合、本システムは年度と申込IDから計算した番号を使うため、申込みの順番で結果は変わりません。申込みの早さ、希望する施設の数、希望の順番によって有利・不利になることはありません。""",
        ["musashimurayama", "kunitachi"],
    )
    doc.section(
        doc.heading("assignment"),
        """入所先は、順位の高い申込みから一人ずつ、その人の希望順に空きのある施設へ割り当てて決めます（順番に選ぶ方式。どの施設も同じ指数の順で受け入れる「受入保留方式」と同じ結果になります）。こどものクラス年齢（4月1日時点の年齢）の定員に空きがなければ、次の希望を見ます。

- どこかの希望に空きがあれば「内定」です。「第1希望は定員に達していたため、第2希望で内定」のように理由を示します。
- どの希望にも空きがなければ「保留（待機）」です。希望した施設ごとに、定員に達したことと、そのクラスで内定した最も低い指数を示します。
- きょうだいが同時に申し込み、同じ施設を希望する場合は、順位が最も高い子の順位で、全員が入れる空きのある施設を探します。見つからないとき、全員が別々の施設でもよいとしていれば一人ずつ割り当て、そうでなければ全員が保留になります。

この方式では、順位の高い人が、同じ施設を希望した順位の低い人に席を取られることはありません。""",
        ["riyouchosei_tsuchi"],
    )
    example = compute_index(
        {
            "parents": [
                {"reason": "work", "hours_per_month": 160, "label": "父"},
                {"reason": "work", "hours_per_month": 100, "label": "母"},
            ],
            "adjustments": ["return_from_leave"],
        },
        municipal.municipality,
    )
    single = compute_index(
        {
            "parents": [
                {"reason": "work", "hours_per_month": 120, "label": "母"},
                {"reason": "absent", "label": "父"},
            ]
        },
        municipal.municipality,
    )
    doc.section(
        "指数の計算例",
        f"""指数は「父の基本指数＋母の基本指数＋調整指数」で計算します。

- 例1: 父が月160時間（{example.basic[0].points}点）、母が月100時間（{example.basic[1].points}点）働き、母が育児休業から復職する世帯は、{example.basic[0].points}＋{example.basic[1].points}＋{example.adjustment_total}＝{example.total}点です。
- 例2: 母が月120時間（{single.basic[0].points}点）働くひとり親世帯は、いない父を{single.basic[1].points}点として、{single.basic[0].points}＋{single.basic[1].points}＋ひとり親世帯{single.adjustment_total}＝{single.total}点です。""",
        [],
    )
    return doc


def _hoikuryo(municipal: MunicipalTables, national: NationalTables) -> _Doc:
    doc = _Doc(municipal, national, "hoikuryo")
    fees = municipal.fees
    doc.section(
        "この保育料表について",
        f"""{_sample_sentence(municipal, "保育料表")}実在の市町村の保育料表を参考に、{municipal.fiscal_year}年度の例としてつくりました。額は、国が所得の階層ごとに示す上限額を超えないように決めています。本システムの保育料の計算は、この表の値を使います。実際の保育料は、お住まいの市町村の保育料表で確認してください。""",
        ["tsu"],
    )
    rows = "\n".join(
        f"| {row.level} | {row.label} | {yen(row.standard)} | {yen(row.short)} |" for row in fees.under3
    )
    doc.section(
        doc.heading("fee_table"),
        f"""0〜2歳児クラス（3号認定）の保育料は、{fees.basis}で決まる階層ごとに次の月額です。生活保護世帯と市町村民税非課税世帯は0円です。

| 階層 | 市町村民税所得割額（父母の合計） | 保育標準時間 | 保育短時間 |
|---|---|---|---|
{rows}

年収ではなく所得割額で決まります。所得割額がわからないときは、{_kind(municipal)}・県民税の税額決定通知書で確かめてください。""",
        ["tsu", "yamato"],
    )
    lines = national.fukushokuhi.income_line
    doc.section(
        doc.heading("fee_3to5"),
        f"""3〜5歳児クラスの保育料は、幼児教育・保育の無償化により所得にかかわらず{yen(fees.over3_monthly)}です。ただし給食の副食費（おかず・おやつ代）などの実費は、施設に支払います。副食費は、所得割額が{yen(lines["type2"])}未満（1号認定は{yen(lines["type1"])}未満）の世帯と、第3子以降のこどもは免除されます。第3子以降かどうかは、保育所などでは小学校入学前のきょうだい、幼稚園などでは小学校3年生までのきょうだいの中で数えます。""",
        ["gov_online", "yame", "kakamigahara"],
    )
    discount = national.hoikuryo
    doc.section(
        doc.heading("sibling"),
        f"""きょうだいがいる世帯の0〜2歳児クラスの保育料は、国の決まりに沿って軽くなります。

- 保育所・幼稚園・認定こども園などを同時に利用している小学校入学前のきょうだいを年上から数え、第2子は半額、第3子以降は0円です。
- 所得割額が{yen(discount.low_income_line["type2_3"])}未満の世帯は、上のきょうだいの年齢にかかわらず数えます。
- ひとり親世帯等で所得割額が{yen(discount.single_parent_line)}未満の世帯は、第1子も0円（非課税世帯と同じ額）、第2子以降も0円です。""",
        ["isahaya", "yamato"],
    )
    topups = "\n".join(f"- {t.label}" for t in fees.local_topups) or "- 現在はありません"
    third_note = (
        f"\n\n第3子の軽減は、国の軽減では第3子と数えない場合（上のきょうだいが小学生以上で、所得割額が"
        f"{yen(discount.low_income_line['type2_3'])}以上の世帯など）でも、生まれた順で3人目以降なら0円になるものです。"
        if fees.has_topup("third_child_free")
        else f"\n\n{municipal.name}には、第3子以降の0〜2歳児の保育料を独自に無料にする軽減はありません。0〜2歳児の保育料の"
        f"きょうだいの軽減は、「{doc.heading('sibling')}」に書いた国の決まりのとおりです。"
    )
    doc.section(
        doc.heading("local_topups"),
        f"""{municipal.name}は、国の軽減に加えて次の独自の軽減を行っています。申請は要らず、入所の申込みの内容をもとに{_kind(municipal)}が判断します。

{topups}{third_note}""",
        [],
    )
    doc.section(
        doc.heading("tax_year"),
        f"""保育料の階層は、4月分から8月分までは前年度の所得割額、{discount.tax_year_switch_month}月分から翌年3月分までは当年度の所得割額で決めます。そのため、{discount.tax_year_switch_month}月分から保育料が変わることがあります。税の申告をしていないと階層を決められないため、収入がなかった人も申告してください。""",
        ["tsu"],
    )
    trace = Trace(municipal)
    first = under3_fee(
        municipal,
        trace,
        on=municipal.effective_from,
        own_age_days=500,
        care_need="standard",
        public_assistance=False,
        tax_exempt=False,
        income_tax_amount=120000,
        siblings=[Sibling(age=4, attends_facility=True)],
        single_parent=False,
    )
    third = under3_fee(
        municipal,
        trace,
        on=municipal.effective_from,
        own_age_days=500,
        care_need="short",
        public_assistance=False,
        tax_exempt=False,
        income_tax_amount=200000,
        siblings=[Sibling(age=10), Sibling(age=8)],
        single_parent=False,
    )
    doc.section(
        "保育料の計算例",
        f"""保育料は、階層の月額にきょうだいの軽減を当てはめて計算します。

- 例1: 所得割額120,000円の世帯で、1歳の子が保育標準時間、4歳の兄も保育所に通っている場合、{first.level}階層の{yen(first.base_fee)}が第2子の半額になり、月{yen(first.monthly_fee)}です。
- 例2: 所得割額200,000円の世帯で、10歳と8歳の兄姉がいる1歳の子が保育短時間の場合、{_third_example(municipal, third)}""",
        [],
    )
    return doc


def _position(hours: int, limits: dict[str, int]) -> str:
    """Where the town's lower limit sits in the national range: 「の上限」, 「の下限」 or 「内」."""
    return "の上限" if hours == limits["max"] else "の下限" if hours == limits["min"] else "内"


def _third_example(municipal: MunicipalTables, third: Any) -> str:
    """The end of example 2: free by the town's own third-child rule, or the national first-child fee."""
    if municipal.fees.has_topup("third_child_free"):
        return (
            f"国の軽減では兄姉が小学生のため第1子の扱い（{third.level}階層の{yen(third.base_fee)}）ですが、"
            f"{municipal.name}独自の軽減で3人目のため月{yen(third.monthly_fee)}です。"
        )
    return (
        f"国の軽減では兄姉が小学生のため第1子の扱いになり、{third.level}階層の月{yen(third.monthly_fee)}です"
        f"（{municipal.name}には第3子以降の保育料の独自軽減はありません）。"
    )


def render_municipal_documents(municipality: str = "midori") -> dict[str, str]:
    """Return the municipality's generated documents as {relative path: Markdown text}."""
    municipal = load_municipality(municipality)
    national = load_national()
    docs = [_hitsuyou(municipal, national), _riyouchosei(municipal, national), _hoikuryo(municipal, national)]
    return {f"municipal/{municipal.municipality}/{d.meta.doc_id}.md": d.render() for d in docs}


def write_municipal_documents(corpus_dir: Path, municipality: str = "midori") -> list[Path]:
    """Write the generated documents under `corpus_dir`; return the paths that changed."""
    changed = []
    for relative, text in render_municipal_documents(municipality).items():
        path = corpus_dir / relative
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def stale_municipal_documents(corpus_dir: Path, municipality: str = "midori") -> list[Path]:
    """Return the generated documents that are missing or differ from the YAML."""
    stale = []
    for relative, text in render_municipal_documents(municipality).items():
        path = corpus_dir / relative
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(path)
    return stale
