"""Agent tools for consult(): decide from a question whether a rule applies, compute it, or ask for input.

`apply_rules` returns None unless the question clearly asks for a computation this package can make
(an amount, a certificate type, a care amount, an index) about the asker's own situation. When a
needed input is missing it returns status "needs_input" with ONE question, never a guess.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from kodomo_ai.errors import InputError
from kodomo_ai.rules import ages
from kodomo_ai.rules.allocation_index import compute_index
from kodomo_ai.rules.certification import certification_for_age, determine_care_need
from kodomo_ai.rules.child_allowance import calculate_child_allowance
from kodomo_ai.rules.explanation import RuleCitation, Trace, yen
from kodomo_ai.rules.free_childcare import FACILITY_LABELS, assess_free_childcare
from kodomo_ai.rules.question import ChildFact, ParentFact, QuestionFacts, read_question
from kodomo_ai.rules.tables import load_municipality

RuleName = Literal["certification", "free_childcare", "child_allowance", "allocation_index"]

ASK_AGES = "お子さんそれぞれの年齢（または生年月日）を教えてください。"
ASK_AGE = "お子さんの年齢（または生年月日）を教えてください。"
ASK_HOURS = "1か月に何時間（または週何日・1日何時間）働いているか教えてください。"
ASK_FACILITY = (
    "利用している（または利用したい）施設の種類を教えてください（認可保育所、幼稚園、認可外保育施設など）。"
)
ASK_TAX = "世帯の住民税が非課税かどうかを教えてください。"
ASK_CLASS = "お子さんの生年月日（または今年度が2歳児クラスか3歳児クラスか）を教えてください。"
ASK_OTHER_PARENT = "もう一方の保護者の状況（月の就労時間など）を教えてください。"
ASK_PARENTS = "父母それぞれの状況（月の就労時間など）を教えてください。"

_PROCEDURAL = re.compile(
    r"どこで|どこに|どこへ|窓口|どうやって|どうすれば|手続|必要書類|書類|持ち物|振込日|いつ振り込|何日に|電話|期限|締め切り|締切|いつまでに|申請方法|申し込み方法|とは\?|って何"
)
_PERSONAL = re.compile(
    r"うち(?:の|は|も|で)|我が家|わが家|息子|娘|子ども|子供|こども|子が|子は|の子|上の子|下の子|私|夫|妻|主人|旦那|パパ|ママ"
)
_ALLOWANCE_TOPIC = re.compile(r"児童手当|子ども手当|子供手当|こども手当")
_ALLOWANCE_ASK = re.compile(r"いくら|何円|金額|月額|合計|総額|計算|支給額|手当額|何万|もらえ|貰え")
_INDEX_TOPIC = re.compile(r"指数|点数|何点|ポイント")
_INDEX_ASK = re.compile(r"何点|いくつ|点数は|計算|になる|になります|\?")
_CERT_TOPIC = re.compile(
    r"標準時間|短時間|保育必要量|[123]号|何号|認定区分|保育認定|保育の必要性|預けられる|保育園に入れる|入園できる"
)
_CERT_ASK = re.compile(r"なれる|なる|なります|どっち|どちら|何号|認定され|対象|できる|入れる|預けられる|\?")
_FREE_TOPIC = re.compile(r"無償化|無償|無料|タダ|ただに|ただで|施設等利用給付|副食費|保育料|預かり保育|上限")
_FREE_ASK = re.compile(r"いくら|上限|まで|無料|タダ|ただに|ただで|無償|対象|かかる|払|負担|\?")


class RuleOutcome(BaseModel):
    """What a rule made of a question: a computed result, or one question asking for missing input."""

    rule: RuleName
    status: Literal["computed", "needs_input"]
    text: str
    steps: list[str] = Field(default_factory=list)
    result: dict[str, Any] = Field(default_factory=dict)
    citations: list[RuleCitation] = Field(default_factory=list)


def _needs(rule: RuleName, question: str, missing: str) -> RuleOutcome:
    return RuleOutcome(rule=rule, status="needs_input", text=question, result={"missing": missing})


def _has_data(facts: QuestionFacts) -> bool:
    return bool(facts.children or facts.parents or facts.child_count or facts.turning)


def _pick_rule(facts: QuestionFacts) -> RuleName | None:
    text = facts.text
    personal = _has_data(facts) or bool(_PERSONAL.search(text))
    if _PROCEDURAL.search(text) and not _has_data(facts):
        return None
    if _ALLOWANCE_TOPIC.search(text):
        asks = _ALLOWANCE_ASK.search(text)
        if asks and (
            facts.children or facts.child_count or (personal and asks.group(0) not in ("もらえ", "貰え"))
        ):
            return "child_allowance"
        return None
    if (
        _INDEX_TOPIC.search(text)
        and _INDEX_ASK.search(text)
        and (facts.parents or (personal and facts.single_parent))
    ):
        return "allocation_index"
    personal_need = personal and re.search(r"標準時間|短時間", text)
    if (
        _CERT_TOPIC.search(text)
        and _CERT_ASK.search(text)
        and (facts.parents or (facts.children and "号" in text) or personal_need)
    ):
        return "certification"
    if (
        _FREE_TOPIC.search(text)
        and _FREE_ASK.search(text)
        and (facts.children or facts.turning or (personal and facts.facility))
    ):
        return "free_childcare"
    return None


def apply_rules(question: str, *, today: date, municipality: str = "midori") -> RuleOutcome | None:
    """Decide from a Japanese question whether a rule applies; compute it, ask for input, or return None."""
    facts = read_question(question, today)
    rule = _pick_rule(facts)
    if rule is None:
        return None
    handler = {
        "child_allowance": _allowance,
        "allocation_index": _index,
        "certification": _certification,
        "free_childcare": _free_childcare,
    }[rule]
    try:
        return handler(facts, today, municipality)
    except InputError:
        # A value read from the question was out of range; asking is safer than answering.
        return None


def _outcome(rule: RuleName, text: str, assumptions: list[str], result: BaseModel) -> RuleOutcome:
    data = result.model_dump(mode="json")
    steps = assumptions + list(data.pop("steps", []))
    citations = [RuleCitation(**c) for c in data.pop("citations", [])]
    return RuleOutcome(rule=rule, status="computed", text=text, steps=steps, result=data, citations=citations)


_MAX_CORNERS = 64  # 6 children whose birth windows matter; beyond that only the two extremes are tried


def _birth_corners(children: list[ChildFact]) -> list[list[date]]:
    """Every combination of each child's earliest and latest possible birth date (the corners of the windows)."""
    options = []
    for child in children:
        reading = child.reading
        assert reading is not None
        options.append(sorted({reading.born_from, reading.born_to}))
    corners: list[list[date]] = [[]]
    for choice in options:
        corners = [corner + [day] for corner in corners for day in choice]
        if len(corners) > _MAX_CORNERS:
            return [[o[0] for o in options], [o[-1] for o in options]]
    return corners


def _allowance(facts: QuestionFacts, today: date, municipality: str) -> RuleOutcome:
    children = facts.children
    if not children:
        return _needs("child_allowance", ASK_AGES, "children")
    if facts.child_count and facts.child_count > len(children):
        rest = facts.child_count - len(children)
        return _needs(
            "child_allowance", f"ほかのお子さん（あと{rest}人）の年齢も教えてください。", "children"
        )
    assumptions = list(
        dict.fromkeys(c.reading.assumption for c in children if c.reading and c.reading.assumption)
    )
    for child in children:
        if child.supported and child.age >= 18 and (child.reading is None or child.reading.age_max >= 19):
            assumptions.append(
                f"{child.label}は、親が学費や生活費を負担している子として数えました（確認書の提出が必要です）。"
            )
    # Each child may have been born anywhere in a window (a school year spans 12 months): compute every
    # corner and answer only if the amount does not depend on where in the window the birthday falls.
    results = []
    corners = _birth_corners(children)
    for corner in corners:
        entries = [
            {"birth_date": born.isoformat(), "supported": c.supported, "label": c.label}
            for c, born in zip(children, corner, strict=True)
        ]
        results.append(calculate_child_allowance({"children": entries, "as_of": today.isoformat()}))
    outcomes = {(r.monthly_total, r.payment.amount) for r in results}
    if len(outcomes) > 1:
        for position, child in enumerate(children):
            varied = {
                (r.monthly_total, r.payment.amount)
                for r, corner in zip(results, corners, strict=True)
                if all(corner[k] == corners[0][k] for k in range(len(children)) if k != position)
            }
            if len(varied) > 1:
                return _needs(
                    "child_allowance",
                    f"{child.label}は誕生日によって手当の額が変わるため、生年月日を教えてください。",
                    f"children[{position}].birth_date",
                )
        return _needs("child_allowance", ASK_AGES, "children")
    result = results[0]
    paid = sorted((c for c in result.children if c.monthly_amount), key=lambda c: c.birth_order or 99)
    third = [c for c in paid if c.birth_order and c.birth_order >= 3]
    detail = (
        f"（{third[0].label}が第{third[0].birth_order}子で月{yen(third[0].monthly_amount)}）" if third else ""
    )
    amounts = "＋".join(f"{c.monthly_amount:,}円" for c in paid)
    total = f"月{amounts}＝{yen(result.monthly_total)}" if len(paid) > 1 else f"月{yen(result.monthly_total)}"
    pay_month = date.fromisoformat(result.payment.payment_month + "-01")
    covers = "・".join(f"{int(m[5:])}月分" for m in result.payment.covers)
    text = (
        f"{result.regime_label}では、{len(children)}人のお子さんの児童手当は{total}です{detail}。"
        f"{pay_month.year}年{pay_month.month}月に{covers}として{yen(result.payment.amount)}が支払われます。"
    )
    return _outcome("child_allowance", text, assumptions, result)


def _parent_inputs(facts: QuestionFacts) -> tuple[list[dict], list[str]] | None:
    """Return both parents' situations as rule inputs, or None when one is missing."""

    def as_input(fact: ParentFact, label: str) -> dict:
        """Return one parent fact as a ParentSituation dict."""
        data: dict[str, Any] = {"reason": fact.reason, "label": label}
        if fact.hours_per_month is not None:
            data["hours_per_month"] = fact.hours_per_month
        if fact.severity:
            data["severity"] = fact.severity
        return data

    notes = [f"{p.basis}として計算しました。" for p in facts.parents if p.assumed]
    parents = facts.parents
    if facts.single_parent and parents:
        return [as_input(parents[0], "保護者"), {"reason": "absent", "label": "もう一方の保護者"}], notes
    if len(parents) >= 2:
        return [as_input(parents[0], "保護者1"), as_input(parents[1], "保護者2")], notes
    if len(parents) == 1 and facts.both_parents_same:
        notes.append(f"父母とも{parents[0].basis}として計算しました。")
        return [as_input(parents[0], "父"), as_input(parents[0], "母")], notes
    return None


def _index(facts: QuestionFacts, today: date, municipality: str) -> RuleOutcome:
    if not facts.parents:
        return _needs("allocation_index", ASK_PARENTS, "parents")
    found = _parent_inputs(facts)
    if found is None:
        return _needs("allocation_index", ASK_OTHER_PARENT, "parents")
    parents, notes = found
    for parent in parents:
        if parent["reason"] == "illness" and "severity" not in parent:
            return _needs(
                "allocation_index", "病気の保護者は入院中か、通院・自宅療養かを教えてください。", "severity"
            )
    adjustments = [a for a in facts.adjustments if a != "single_parent"]
    result = compute_index({"parents": parents, "adjustments": adjustments}, municipality)
    municipal = load_municipality(municipality)
    basic = "＋".join(f"{p.points}点" for p in result.basic)
    adjust = f"、調整指数{result.adjustment_total:+d}点" if result.adjustments else ""
    text = (
        f"{municipal.name}の基準では、基本指数{basic}{adjust}で、指数は{result.total}点です。"
        "実際の順位は同じ指数の世帯との比較や希望施設の空きで決まります。"
    )
    return _outcome("allocation_index", text, notes, result)


def _certification(facts: QuestionFacts, today: date, municipality: str) -> RuleOutcome:
    municipal = load_municipality(municipality)
    if not facts.parents:
        return _needs("certification", ASK_HOURS, "hours")
    found = _parent_inputs(facts)
    notes: list[str] = []
    if found is None and "号" in facts.text:
        # The type (3号 or none, 2号 or 1号) turns on whether the other parent also has a reason for care.
        return _needs("certification", ASK_OTHER_PARENT, "parents")
    if found is None:
        parents: list[dict[str, Any]] = [{"reason": facts.parents[0].reason, "label": "保護者"}]
        if facts.parents[0].hours_per_month is not None:
            parents[0]["hours_per_month"] = facts.parents[0].hours_per_month
        if facts.parents[0].severity:
            parents[0]["severity"] = facts.parents[0].severity
        notes.append("もう一方の保護者も就労など保育が必要な事由に当たる場合として判定しました。")
        notes += [f"{p.basis}として計算しました。" for p in facts.parents if p.assumed]
    else:
        parents, notes = found
    result = determine_care_need(parents, municipality)
    lower = result.lower_limit_hours
    standard_min = municipal.certification.standard_hours_min_per_month
    work_hours = [
        p.monthly_hours for p in result.parents if p.reason == "work" and p.monthly_hours is not None
    ]
    hours_text = "・".join(f"月{h:g}時間" for h in work_hours)
    if not result.needs_care:
        short_of = [p for p in result.parents if not p.qualifies and p.reason == "work"]
        if short_of:
            text = (
                f"{hours_text}の就労は、{municipal.name}の下限（月{lower}時間）に届かないため、就労を理由とする"
                f"保育の認定は受けられません。下限は市町村が月48〜64時間の範囲で決めています。"
            )
        else:
            text = "保護者のうち保育が必要な事由に当たらない人がいるため、保育の必要性は認められません。"
    else:
        label = f"{result.care_need_label}（1日最大{result.max_hours_per_day}時間）"
        subject = f"{hours_text}の就労は" if work_hours and len(parents) == 1 else "この世帯は"
        text = f"{subject}、{municipal.name}では{label}の認定です。"
        if result.care_need == "short" and work_hours:
            text += f"保育標準時間（1日最大11時間）になるのは月{standard_min}時間以上の就労からです。"
        text += f"なお、就労で保育が必要と認められる下限は{municipal.name}では月{lower}時間です（市町村が月48〜64時間の範囲で決めます）。"
    payload = result
    if "号" in facts.text:
        if not facts.children:
            return _needs("certification", ASK_AGE, "age")
        age = facts.children[0].age
        kind = certification_for_age(age, result.needs_care)
        text = (
            f"{age}歳のお子さんは{kind}認定です。"
            if kind
            else f"{age}歳で保育の必要性がないため、教育・保育給付認定は受けられません。"
        ) + text
        extra = Trace(municipal)
        extra.step(
            f"満{age}歳なので、{'満3歳以上' if age >= 3 else '満3歳未満'}の区分で判定します。", "cert_types"
        )
        payload = result.model_copy(
            update={
                "steps": result.steps + extra.steps,
                "citations": result.citations + [c for c in extra.citations if c not in result.citations],
            }
        )
        data = _outcome("certification", text, notes, payload)
        data.result["certification"] = kind
        return data
    return _outcome("certification", text, notes, payload)


def _free_childcare(facts: QuestionFacts, today: date, municipality: str) -> RuleOutcome:
    facility = facts.facility
    if facility is None and re.search(r"保育料|保育園|保育所", facts.text):
        facility = "nursery"
    if facility is None:
        return _needs("free_childcare", ASK_FACILITY, "facility_type")
    if not facts.children:
        return _needs("free_childcare", ASK_AGE, "age")
    child = facts.children[0]
    request: dict[str, Any] = {
        "as_of": today.isoformat(),
        "facility_type": facility,
        "municipality": municipality,
    }
    notes: list[str] = []
    if facts.turning:
        age, months = facts.turning
        birthday = ages.add_months(today, months).replace(day=15)
        birth = date(birthday.year - age, birthday.month, 15)
        request["birth_date"] = birth.isoformat()
        notes.append(
            f"誕生日を{birthday.month}月15日として計算しました（4月1日生まれは扱いが1年早くなります）。"
        )
        if facts.tax_exempt is not None:
            request["resident_tax_exempt"] = facts.tax_exempt
        result = assess_free_childcare(request)
        start = ages.free_preschool_start(birth)
        free_from = f"{start.year}年{start.month}月{start.day}日"
        if facility in ("kindergarten", "kodomoen_kyoiku"):
            text = (
                "幼稚園は満3歳から保育料が無償化の対象です（満3歳児入園の扱いは園にも確認してください）。"
                "ただし給食費や行事費などの実費は無償化の対象外です。"
            )
        else:
            text = (
                f"{FACILITY_LABELS[facility]}の保育料が無料になるのは、3歳の誕生日からではなく満3歳になった後の最初の4月1日"
                f"（{free_from}）からです。それまでは住民税非課税世帯を除き保育料がかかり、無料になった後も副食費などの実費は残ります。"
            )
        return _outcome("free_childcare", text, notes, result)
    if child.class_band:
        request["age_band"] = child.class_band
    elif child.age == 3 or child.age == 6:
        return _needs("free_childcare", ASK_CLASS, "birth_date")
    else:
        request["age"] = child.age
    if facts.tax_exempt is not None:
        request["resident_tax_exempt"] = facts.tax_exempt
    if facts.azukari_days is not None and facility in (
        "kindergarten",
        "kodomoen_kyoiku",
        "kindergarten_unconverted",
    ):
        request["azukari_days"] = facts.azukari_days
        request["needs_care"] = True
    if "預かり保育" in facts.text and facility in (
        "kindergarten",
        "kodomoen_kyoiku",
        "kindergarten_unconverted",
    ):
        request["needs_care"] = True
    if facts.amount_yen is not None and facility not in (
        "nursery",
        "kodomoen_hoiku",
        "small_scale",
        "kindergarten",
    ):
        request["monthly_fee"] = facts.amount_yen
    young = child.age <= 2 and child.class_band != "3to5"
    if (
        young
        and facts.tax_exempt is None
        and facility not in ("kindergarten", "kodomoen_kyoiku", "kindergarten_unconverted")
    ):
        return _needs("free_childcare", ASK_TAX, "resident_tax_exempt")
    result = assess_free_childcare(request)
    text = result.summary.replace("こども", "お子さん")
    if result.benefit is not None and result.payable is not None:
        text += f"利用料のうち{yen(result.benefit)}が給付され、自己負担は{yen(result.payable)}です。"
    elif result.benefit is not None and request.get("azukari_days") is not None:
        text += f"{request['azukari_days']}日の利用なら{yen(result.benefit)}までが対象です。"
    return _outcome("free_childcare", text, notes, result)


__all__ = ["RuleOutcome", "apply_rules"]
