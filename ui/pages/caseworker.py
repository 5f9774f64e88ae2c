"""Caseworker page: questions as a caseworker and the calculators (the process diagrams have their own page)."""

from __future__ import annotations

import json
from datetime import date

import streamlit as st
from client import ApiError
from common import client, need_key, render_answer_text, render_citations, render_escalation, show_error

REASONS = {
    "work": "就労", "pregnancy": "妊娠・出産", "illness": "疾病", "disability": "障害", "caregiving": "介護・看護",
    "disaster": "災害復旧", "job_seeking": "求職活動", "study": "就学", "abuse_dv": "虐待・DVのおそれ",
    "parental_leave": "育児休業中の継続利用", "absent": "いない（ひとり親など）", "home": "家庭で保育できる",
}  # fmt: skip
HOURS_REASONS = ("work", "caregiving", "study")
SEVERITIES = {"": "（なし）", "hospitalized": "入院", "bedridden": "自宅で常に臥床", "outpatient": "通院・自宅療養",
              "severe": "障害が重度", "moderate": "障害が中・軽度"}  # fmt: skip
FACILITIES = {
    "nursery": "認可保育所", "kodomoen_hoiku": "認定こども園（保育部分）", "kodomoen_kyoiku": "認定こども園（教育部分）",
    "kindergarten": "幼稚園（新制度）", "kindergarten_unconverted": "幼稚園（新制度に移行していない）",
    "small_scale": "小規模保育など", "unlicensed": "認可外保育施設", "temporary_care": "一時預かり",
    "sick_child_care": "病児保育", "family_support": "ファミリー・サポート・センター",
}  # fmt: skip
INCOME = {
    "within_limit": "所得制限限度額未満",
    "special": "特例給付（旧制度）",
    "over_upper_limit": "所得上限限度額以上（旧制度）",
}


def _parent_fields(position: int, default_hours: float, form: str) -> dict:
    """One parent's reason, monthly hours and severity as form widgets."""
    st.markdown(f"**保護者{position + 1}**")
    left, middle, right = st.columns(3)
    reason = left.selectbox(
        "事由", list(REASONS), format_func=REASONS.__getitem__, key=f"{form}_reason_{position}"
    )
    parent: dict = {"reason": reason}
    if reason in HOURS_REASONS:
        parent["hours_per_month"] = middle.number_input(
            "月の時間数",
            min_value=0.0,
            max_value=744.0,
            value=default_hours,
            step=1.0,
            key=f"{form}_hours_{position}",
        )
    if reason in ("illness", "disability"):
        severity = right.selectbox(
            "程度", list(SEVERITIES), format_func=SEVERITIES.__getitem__, key=f"{form}_sev_{position}"
        )
        if severity:
            parent["severity"] = severity
    return parent


def allowance_form() -> dict:
    """児童手当: the date and the children (birth date, or age when the date is not known)."""
    as_of = st.date_input("いつの月の手当か", value=date.today(), key="al_as_of")
    st.caption("お子さんを1行に1人。生年月日がわかれば生年月日を、わからなければ年齢を入れてください。")
    rows = st.data_editor(
        [{"生年月日": None, "年齢": 5, "生計費を負担": True}, {"生年月日": None, "年齢": 2, "生計費を負担": True}],
        num_rows="dynamic", key="al_children",
        column_config={
            "生年月日": st.column_config.DateColumn("生年月日", format="YYYY-MM-DD"),
            "年齢": st.column_config.NumberColumn("年齢", min_value=0, max_value=40, step=1),
            "生計費を負担": st.column_config.CheckboxColumn("生計費を負担（18歳以上）"),
        },
    )  # fmt: skip
    children = []
    for row in rows:
        child: dict = {"supported": bool(row.get("生計費を負担", True))}
        if row.get("生年月日"):
            child["birth_date"] = str(row["生年月日"])[:10]
        elif row.get("年齢") is not None:
            child["age"] = int(row["年齢"])
        else:
            continue
        children.append(child)
    income = st.selectbox(
        "所得（2024年9月分までの旧制度だけに関係）", list(INCOME), format_func=INCOME.__getitem__
    )
    return {"as_of": as_of.isoformat(), "children": children, "income_status": income}


def free_childcare_form() -> dict:
    """無償化: facility, the child's birth date (or age), the household's tax status and the month's use."""
    left, right = st.columns(2)
    data: dict = {
        "as_of": left.date_input("判定する日", value=date.today(), key="fc_as_of").isoformat(),
        "facility_type": right.selectbox("施設", list(FACILITIES), format_func=FACILITIES.__getitem__),
    }
    if st.checkbox("生年月日で入力する", value=True, key="fc_by_birth"):
        data["birth_date"] = st.date_input(
            "お子さんの生年月日", value=date(2022, 6, 1), key="fc_birth"
        ).isoformat()
    else:
        data["age"] = int(st.number_input("年齢", min_value=0, max_value=6, value=4, key="fc_age"))
    tax = st.radio("住民税", ["課税", "非課税", "生活保護"], horizontal=True, key="fc_tax")
    data["resident_tax_exempt"] = tax == "非課税"
    data["public_assistance"] = tax == "生活保護"
    if tax == "課税" and st.checkbox("市町村民税所得割額を入れる", key="fc_has_tax"):
        data["income_tax_amount"] = int(
            st.number_input("所得割額（父母の合計、円）", min_value=0, value=100000, step=1000)
        )
    if data["facility_type"] in ("kindergarten", "kodomoen_kyoiku", "kindergarten_unconverted"):
        days = int(
            st.number_input("預かり保育の利用日数（月）", min_value=0, max_value=31, value=0, key="fc_days")
        )
        if days:
            data["azukari_days"] = days
            data["needs_care"] = True
    fee = int(st.number_input("月の利用料（円、わかれば）", min_value=0, value=0, step=1000, key="fc_fee"))
    if fee:
        data["monthly_fee"] = fee
    if data["facility_type"] in ("unlicensed", "temporary_care", "sick_child_care", "family_support"):
        data["enrolled_in_licensed"] = st.checkbox("認可保育所などにも通っている", key="fc_licensed")
        data["enrolled_in_kindergarten"] = st.checkbox("幼稚園にも通っている", key="fc_kinder")
    return data


def certification_form() -> dict:
    """支給認定: the child's birth date, the date judged on and both parents."""
    left, right = st.columns(2)
    birth = left.date_input("お子さんの生年月日", value=date(2024, 6, 15), key="ce_birth")
    on = right.date_input("認定する日", value=date.today(), key="ce_on")
    parents = [_parent_fields(0, 160.0, "ce"), _parent_fields(1, 100.0, "ce")]
    return {"child_birth_date": birth.isoformat(), "reference_date": on.isoformat(), "parents": parents}


def index_form() -> dict:
    """利用調整の指数: both parents and the adjustment items."""
    parents = [_parent_fields(0, 160.0, "ix"), _parent_fields(1, 120.0, "ix")]
    adjustments = st.multiselect(
        "調整指数の項目", ["single_parent", "sibling_enrolled", "return_from_leave", "nursery_worker",
                         "small_scale_graduate", "unlicensed_paid", "siblings_apply_together", "child_disability",
                         "grandparent_can_care", "welfare_work", "fee_arrears"], key="ix_adj",
    )  # fmt: skip
    return {"parents": parents, "adjustments": adjustments}


CALC_FORMS = {
    "child-allowance": allowance_form,
    "free-childcare": free_childcare_form,
    "certification": certification_form,
    "allocation-index": index_form,
}


st.title("自治体職員")
if need_key():
    ask_tab, calc_tab = st.tabs(["質問", "計算"])

    with ask_tab:
        with st.form("ask"):
            question = st.text_area(
                "質問（職員向けの回答）", placeholder="例: 育休明けの入所で利用調整の加点はありますか"
            )
            submitted = st.form_submit_button("質問する")
        if submitted and question.strip():
            try:
                answer = client().consult(question, audience="caseworker")
            except ApiError as error:
                show_error(error)
            else:
                render_escalation(answer)
                render_answer_text(answer)
                for result in answer.get("rule_results") or []:
                    st.json(result, expanded=False)
                render_citations(answer)

    with calc_tab:
        try:
            rules = client().rules()
        except ApiError as error:
            show_error(error)
            rules = []
        if rules:
            labels = {r["name"]: r["label"] for r in rules}
            name = st.selectbox("計算", list(labels), format_func=lambda n: labels[n])
            rule = next(r for r in rules if r["name"] == name)
            st.caption(rule["description"])
            form = CALC_FORMS.get(name)
            raw = form is None or st.toggle("JSON で入力する", key=f"raw_{name}")
            data: dict | None = None
            if raw:
                text = st.text_area("入力（JSON）", json.dumps(rule["example"], ensure_ascii=False, indent=2),
                                    height=260, key=f"calc_{name}")  # fmt: skip
                with st.expander("入力項目の説明（JSON スキーマ）"):
                    st.json(rule["input_schema"], expanded=False)
            else:
                assert form is not None
                data = form()
                with st.expander("送信する JSON"):
                    st.json(data, expanded=False)
            if st.button("計算する", key="run_calc"):
                try:
                    result = client().calc(name, data if data is not None else json.loads(text))
                except json.JSONDecodeError as exc:
                    st.error(f"JSON として読めません: {exc}")
                except ApiError as error:
                    show_error(error)
                else:
                    st.subheader("結果")
                    st.json(result["result"])
                    st.subheader("判定の手順")
                    for n, step in enumerate(result["steps"], 1):
                        st.markdown(f"{n}. {step}")
                    if result["citations"]:
                        st.caption(
                            "根拠: "
                            + "、".join(
                                f"{c['doc_id']}「{c.get('heading', '')}」" for c in result["citations"]
                            )
                        )
