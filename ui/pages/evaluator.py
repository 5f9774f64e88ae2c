"""Evaluator page: run suites with an engine, pass rates per criterion, failing cases, comparison of runs."""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st
from client import ApiError
from common import client, need_key, show_error

st.title("評価")
if need_key():
    try:
        suites = client().suites()
    except ApiError as error:
        show_error(error)
        suites = []
    with st.form("start"):
        names = [s["name"] for s in suites]
        chosen = st.multiselect("スイート", names, default=names[:1],
                                format_func=lambda n: next(f"{s['name']}（{s['cases']}件）" for s in suites if s["name"] == n))  # fmt: skip
        engine = st.selectbox("回答エンジン", ["extractive", "openai", "llamacpp"])
        start = st.form_submit_button("実行する")
    if start and chosen:
        try:
            st.session_state["eval_run"] = client().start_run(chosen, engine)["id"]
        except ApiError as error:
            show_error(error)

    run_id = st.session_state.get("eval_run")
    if run_id:
        run = client().run(run_id)
        while run["status"] in ("queued", "running"):
            with st.spinner(f"実行中… ({run['status']})"):
                time.sleep(2)
                run = client().run(run_id)
        if run["status"] == "failed":
            st.error(f"評価が失敗しました: {run['error']}")
        else:
            summary = run["summary"]
            st.metric("合格", f"{summary['passed']} / {summary['cases']}")
            criteria = pd.DataFrame(summary["criteria"])
            if not criteria.empty:
                st.subheader("観点ごとの合格率")
                st.bar_chart(criteria.set_index("label")["pass_rate"])
            st.dataframe(pd.DataFrame(summary["suites"]), hide_index=True)
            failing = [c for c in run["result"]["cases"] if not c["passed"]]
            st.subheader(f"不合格のケース（{len(failing)}件）")
            for case in failing:
                with st.expander(f"{case['suite']}/{case['id']}: {case['question'][:60]}"):
                    for check in case["checks"]:
                        if not check["passed"] and not check.get("skipped"):
                            st.markdown(f"- **{check['name']}**: {check['detail']}")
                    for answer in case["answers"]:
                        st.caption(f"{answer['label']} [{answer['mode']}]")
                        st.write(answer["answer"])

    st.subheader("2つの実行を比べる")
    runs = [r for r in client().runs() if r["status"] == "done"]
    if len(runs) >= 2:
        labels = {r["id"]: f"{r['created_at'][:19]} {','.join(r['suites'])} ({r['engine']})" for r in runs}
        col1, col2 = st.columns(2)
        before = col1.selectbox("前", list(labels), index=1, format_func=lambda i: labels[i])
        after = col2.selectbox("後", list(labels), index=0, format_func=lambda i: labels[i])
        if st.button("比べる"):
            st.json(client().compare(before, after))
    else:
        st.caption("完了した実行が2つ以上あると比べられます。")
