"""Drafting page: a notice type, its fields as a form prefilled with an example, the draft preview and the DOCX."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from client import ApiError
from common import client, need_key, show_error

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "fields"
# Fields with a date; the rest are decided by their example value's type.
DATE_FIELDS = {"notice_date", "child_birth_date", "reference_date", "valid_until", "valid_from", "admission_date",
               "revision_month"}  # fmt: skip
LIST_FIELDS = {"doc_ids"}
REASONS = {
    "work": "就労", "pregnancy": "妊娠・出産", "illness": "疾病", "disability": "障害", "caregiving": "介護・看護",
    "disaster": "災害復旧", "job_seeking": "求職活動", "study": "就学", "abuse_dv": "虐待・DV",
    "parental_leave": "育児休業",
}  # fmt: skip
# 施設等利用給付 covers the facilities outside the regular system.
FACILITY_TYPES = {
    "kindergarten_unconverted": "新制度に移行していない幼稚園", "unlicensed": "認可外保育施設",
    "temporary_care": "一時預かり事業", "sick_child_care": "病児保育事業",
    "family_support": "ファミリー・サポート・センター事業",
}  # fmt: skip


def example_fields(kind: str) -> dict[str, Any]:
    """The example fields of a notice type from examples/fields (a file name inside one is read too)."""
    path = EXAMPLES / f"{kind}.json"
    if not path.is_file():
        return {}
    fields: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    for name, value in fields.items():
        if isinstance(value, str) and value.endswith(".json") and (EXAMPLES / value).is_file():
            fields[name] = json.loads((EXAMPLES / value).read_text(encoding="utf-8"))
    return fields


def as_date(value: Any) -> dt.date | None:
    """A date from an example's text (None when empty)."""
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def field_input(kind: str, spec: dict[str, Any], example: Any) -> Any:
    """One input for one field, chosen by its name and example; returns the value to send (None = leave out)."""
    name, label = spec["name"], spec["label"] + ("" if spec["required"] else "（任意）")
    key = f"draft_{kind}_{name}"
    if name in DATE_FIELDS:
        chosen = st.date_input(label, as_date(example), key=key, format="YYYY-MM-DD")
        return chosen.isoformat() if isinstance(chosen, dt.date) else None
    if name == "parents":
        rows = example or [{"reason": "work", "hours_per_month": 160}]
        st.markdown(label)
        edited = st.data_editor(
            pd.DataFrame(rows), key=key, num_rows="dynamic", hide_index=True, width="stretch",
            column_config={
                "reason": st.column_config.SelectboxColumn("事由", options=list(REASONS), required=True,
                                                           format_func=REASONS.get),
                "hours_per_month": st.column_config.NumberColumn("月の就労時間", min_value=0, max_value=744, step=1),
            },
        )  # fmt: skip
        return [_clean(row) for row in edited.to_dict("records")]
    if name == "children":
        rows = [{"birth_date": as_date(c.get("birth_date"))} for c in example or []] or [{"birth_date": None}]
        st.markdown(label)
        edited = st.data_editor(
            pd.DataFrame(rows), key=key, num_rows="dynamic", hide_index=True,
            column_config={"birth_date": st.column_config.DateColumn("生年月日", format="YYYY-MM-DD", required=True)},
        )  # fmt: skip
        return [{"birth_date": d.isoformat()} for d in edited["birth_date"] if isinstance(d, dt.date)]
    if name == "facility_type":
        options = list(FACILITY_TYPES)
        index = options.index(example) if example in options else 0
        return st.selectbox(label, options, index=index, format_func=FACILITY_TYPES.get, key=key)
    if name in ("needs_care", "resident_tax_exempt"):
        return st.checkbox(spec["label"].replace("（true/false）", ""), value=bool(example), key=key)
    if name in LIST_FIELDS:
        text = st.text_input(label + "（読点・カンマ区切り）", "、".join(example or []), key=key)
        return [part.strip() for part in text.replace("、", ",").split(",") if part.strip()] or None
    if name == "allocation":
        return allocation_input(kind, label, example)
    if name == "contact":
        return st.text_area(label, example or "", key=key, height=80) or None
    return st.text_input(label, "" if example is None else str(example), key=key) or None


def allocation_input(kind: str, label: str, example: Any) -> Any:
    """The allocation data: a JSON file like examples/fields/allocation.json, or the example as it is."""
    upload = st.file_uploader(
        label + "：ファイル（JSON）", type=["json"], key=f"draft_{kind}_allocation_file"
    )
    if upload is not None:
        try:
            return json.loads(upload.getvalue().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            st.error(f"利用調整のファイルを JSON として読めません: {exc}")
            return None
    if example:
        facilities = len(example.get("facilities", []))
        applicants = len(example.get("applicants", []))
        st.caption(
            f"ファイルを選ばないときは例のデータ（施設 {facilities}・申込 {applicants}件）を使います。"
        )
        with st.expander("例の利用調整データ"):
            st.json(example, expanded=False)
    return example or None


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    """A table row without empty cells (numbers as int)."""
    out: dict[str, Any] = {}
    for name, value in row.items():
        if value is None or (isinstance(value, float) and pd.isna(value)):
            continue
        out[name] = int(value) if isinstance(value, float) and value.is_integer() else value
    return out


def show_result(kind: str, result: dict[str, Any]) -> None:
    """The draft: filled and placeholder versions, the style findings and the downloads."""
    for note in result.get("notes", []):
        st.info(note)
    preview, template = st.tabs(["差し込み後", "記号のまま"])
    preview.markdown(result["filled_markdown"])
    template.code(result["markdown"], language="markdown")
    if result["findings"]:
        st.subheader("公用文チェックの指摘")
        st.table(
            [{"規則": f["rule"], "指摘": f["message"], "該当": f["excerpt"]} for f in result["findings"]]
        )
    else:
        st.success("公用文チェックの指摘はありません。")
    docx = result["files"]["docx"]
    st.download_button("DOCX をダウンロード", base64.b64decode(docx["base64"]), file_name=docx["filename"])
    st.download_button(
        "Markdown をダウンロード", result["filled_markdown"].encode("utf-8"), file_name=f"{kind}.md"
    )


st.title("起案（通知文・広報文・FAQ）")
st.caption(
    "氏名・住所などの個人の欄は〔氏名〕のような記号のまま下書きし、この画面に戻ってから差し込みます。LLM には送りません。"
)
if need_key():
    try:
        types = client().get("/v1/drafts/types")
    except ApiError as error:
        show_error(error)
        types = []
    if types:
        labels = {t["type"]: t["title"] for t in types}
        kind = st.selectbox("文書の種類", list(labels), format_func=lambda k: f"{labels[k]}（{k}）")
        spec = next(t for t in types if t["type"] == kind)
        st.caption(spec["description"] + "　例の値が入っています。書き換えてから作成してください。")
        example = example_fields(kind)
        fields: dict[str, Any] = {}
        personal = [f for f in spec["fields"] if f["name"] in ("guardian_name", "child_name", "address")]
        for field in spec["fields"]:
            if field not in personal:
                value = field_input(kind, field, example.get(field["name"]))
                if value not in (None, "", []):
                    fields[field["name"]] = value
        if personal:
            with st.expander("個人の欄（LLM には送らず、下書きのあとに差し込みます）"):
                for field in personal:
                    value = field_input(kind, field, example.get(field["name"]))
                    if value:
                        fields[field["name"]] = value
        engine = st.selectbox("エンジン", ["extractive", "openai", "llamacpp"])
        if st.button("下書きを作る", type="primary", key="make_draft"):
            with st.spinner("下書きを作っています…"):
                try:
                    result = client().post("/v1/drafts", {"type": kind, "fields": fields, "engine": engine})
                except ApiError as error:
                    show_error(error)
                else:
                    show_result(kind, result)
