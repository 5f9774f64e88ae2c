"""Evaluator page: run suites with progress, pass rates per criterion, failing cases, comparison of two runs."""

from __future__ import annotations

import time
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from client import ApiError
from common import client, need_key, show_error

POLL_SECONDS = 1.5


def percent(value: float | None) -> str:
    """A rate as a percentage ("-" when missing)."""
    return "-" if value is None or pd.isna(value) else f"{value * 100:.1f}%"


def points(value: float | None) -> str:
    """A change of rate in percentage points, signed."""
    return "-" if value is None or pd.isna(value) else f"{value * 100:+.1f}pt"


def rate_chart(frame: pd.DataFrame, value: str, label: str, color: str | None = None) -> alt.Chart:
    """Horizontal bars with full-length labels (the long Japanese criterion names are not cut)."""
    height = max(120, 34 * len(frame) * (2 if color else 1))
    encoding: dict[str, Any] = {
        "x": alt.X(f"{value}:Q", title="合格率", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        "y": alt.Y(f"{label}:N", title=None, sort=None, axis=alt.Axis(labelLimit=480)),
        "tooltip": [label, alt.Tooltip(f"{value}:Q", format=".1%")],
    }
    if color:
        encoding["color"] = alt.Color(f"{color}:N", title=None, sort=["前", "後"])
        encoding["yOffset"] = alt.YOffset(f"{color}:N", sort=["前", "後"])
    return alt.Chart(frame).mark_bar().encode(**encoding).properties(height=height)


def wait_for_run(run_id: str) -> dict[str, Any]:
    """Poll a run, showing a progress bar of the cases done, until it finishes."""
    run: dict[str, Any] = client().run(run_id)
    bar = st.progress(0.0, text="順番を待っています…")
    while run["status"] in ("queued", "running"):
        progress = (run.get("summary") or {}).get("progress") or {}
        done, total = int(progress.get("done", 0)), int(progress.get("total", 0))
        if total:
            bar.progress(done / total, text=f"実行中… {done} / {total} 件")
        elif run["status"] == "running":
            bar.progress(0.0, text="実行の準備をしています…")
        time.sleep(POLL_SECONDS)
        run = client().run(run_id)
    bar.empty()
    return run


def show_run(run: dict[str, Any]) -> None:
    """A finished run: totals, the chart per criterion, suites and failing cases."""
    summary = run["summary"]
    st.metric("合格", f"{summary['passed']} / {summary['cases']}")
    criteria = pd.DataFrame(summary["criteria"])
    if not criteria.empty:
        st.subheader("観点ごとの合格率")
        st.altair_chart(rate_chart(criteria, "pass_rate", "label"), width="stretch")
    suites = pd.DataFrame(summary["suites"])
    if not suites.empty:
        st.dataframe(
            pd.DataFrame({"スイート": suites["name"], "内容": suites["description"], "件数": suites["total"],
                          "合格": suites["passed"], "合格率": suites["pass_rate"].map(percent),
                          "基準": suites["threshold"].map(percent),
                          "判定": suites["gate_passed"].map({True: "合格", False: "不合格"})}),
            hide_index=True, width="stretch",
        )  # fmt: skip
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


def delta_table(frame: pd.DataFrame, name: str, title: str) -> None:
    """Before, after and the difference in points, one row per criterion or suite."""
    table = pd.DataFrame({title: frame[name], "前": frame["before"].map(percent), "後": frame["after"].map(percent),
                          "差": frame["delta"].map(points)})  # fmt: skip
    st.dataframe(table, hide_index=True, width="stretch")


def show_comparison(result: dict[str, Any]) -> None:
    """Two runs side by side: overall, per criterion (table and chart), per suite, metrics, flipped cases."""
    overall = result["pass_rate"]
    st.metric("全体の合格率", percent(overall["after"]), points(overall["after"] - overall["before"]))
    criteria = pd.DataFrame(result["criteria"])
    if not criteria.empty:
        st.subheader("観点ごとの合格率")
        delta_table(criteria, "label", "観点")
        long = criteria.melt(
            id_vars=["label"], value_vars=["before", "after"], var_name="run", value_name="rate"
        )
        long["run"] = long["run"].map({"before": "前", "after": "後"})
        st.altair_chart(rate_chart(long.dropna(), "rate", "label", color="run"), width="stretch")
    suites = pd.DataFrame(result["suites"])
    if not suites.empty:
        st.subheader("スイートごとの合格率")
        delta_table(suites, "suite", "スイート")
    metrics = pd.DataFrame(result["metrics"])
    if not metrics.empty:
        st.subheader("指標")
        st.dataframe(metrics.rename(columns={"metric": "指標", "before": "前", "after": "後", "delta": "差"}),
                     hide_index=True, width="stretch")  # fmt: skip
    flipped = result["flipped"]
    st.subheader(f"結果が変わったケース（{len(flipped)}件）")
    for row in flipped:
        mark = "悪化" if row["change"] == "regressed" else "改善"
        with st.expander(f"{mark}: {row['suite']}/{row['id']}（{row['criterion']}）"):
            for line in row["evidence"]:
                st.markdown(f"- {line}")
    if result["added"] or result["removed"]:
        st.caption(f"追加されたケース {len(result['added'])}件・なくなったケース {len(result['removed'])}件")


st.title("評価")
if need_key():
    try:
        suites = client().suites()
    except ApiError as error:
        show_error(error)
        suites = []
    with st.form("start"):
        names = [s["name"] for s in suites]
        counts = {s["name"]: s["cases"] for s in suites}
        chosen = st.multiselect(
            "スイート", names, default=names[:1], format_func=lambda n: f"{n}（{counts[n]}件）"
        )
        engine = st.selectbox("回答エンジン", ["extractive", "openai", "llamacpp"])
        start = st.form_submit_button("実行する")
    if start and chosen:
        try:
            st.session_state["eval_run"] = client().start_run(chosen, engine)["id"]
        except ApiError as error:
            show_error(error)

    run_id = st.session_state.get("eval_run")
    if run_id:
        try:
            run = wait_for_run(run_id)
        except ApiError as error:
            show_error(error)
        else:
            if run["status"] == "failed":
                st.error(f"評価が失敗しました: {run['error']}")
            else:
                show_run(run)

    st.subheader("2つの実行を比べる")
    try:
        runs = [r for r in client().runs() if r["status"] == "done"]
    except ApiError as error:
        show_error(error)
        runs = []
    if len(runs) >= 2:
        labels = {r["id"]: f"{r['created_at'][:19]} {','.join(r['suites'])} ({r['engine']})" for r in runs}
        col1, col2 = st.columns(2)
        before = col1.selectbox("前", list(labels), index=1, format_func=lambda i: labels[i])
        after = col2.selectbox("後", list(labels), index=0, format_func=lambda i: labels[i])
        if st.button("比べる", key="compare"):
            try:
                show_comparison(client().compare(before, after))
            except ApiError as error:
                show_error(error)
    else:
        st.caption("完了した実行が2つ以上あると比べられます。")
