"""The standard business processes: shipped flows are valid, broken ones fail clearly, renderers are sane."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from kodomo_ai.cli import main
from kodomo_ai.flows import (
    FlowError,
    FlowNotFoundError,
    FlowValidationError,
    build_documents,
    escape_label,
    flow_names,
    load,
    load_all,
    render_document,
    stale_documents,
    to_mermaid,
    to_text,
    validate_flow,
)

FLOWS_DIR = Path(__file__).resolve().parents[1] / "corpus" / "flows"
SHIPPED = [
    "chiiki-jigyo",
    "hoiku-nyusho",
    "kansa",
    "kouiki-riyou",
    "kyufu-nintei",
    "riyou-chosei",
    "shisetsu-riyou-kyufu",
    "shisetsugata-kyufu",
]
SECTIONS = [
    "概要",
    "関係者",
    "手順",
    "判断の分かれ目",
    "使うマスタ（判断ロジック）",
    "データセット",
    "留意点",
]


def test_the_shipped_flows_are_the_named_eight() -> None:
    assert flow_names(FLOWS_DIR) == SHIPPED


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_flow_is_valid(name: str) -> None:
    flow = load(name, FLOWS_DIR)
    assert validate_flow(flow) == []
    assert flow.name == name
    assert flow.masters and flow.dataset and flow.sources
    assert any(s.type == "decision" for s in flow.steps)


# --- broken flows ---------------------------------------------------------------------------------


def minimal_flow() -> dict[str, Any]:
    """A small valid flow: apply → check (decision) → done | fix → apply."""
    return {
        "name": "sample",
        "title": "見本",
        "description": "検証用の小さな業務フローです。",
        "actors": [{"id": "parent", "name": "保護者"}, {"id": "city", "name": "市"}],
        "start": "apply",
        "steps": [
            {
                "id": "apply",
                "actor": "parent",
                "action": "申し込みます。",
                "outputs": ["申込書"],
                "next": ["check"],
            },
            {
                "id": "check",
                "actor": "city",
                "type": "decision",
                "action": "書類を確かめます。",
                "inputs": ["申込書"],
                "branches": [
                    {"condition": "そろっている", "next": "done"},
                    {"condition": "足りない", "next": "fix"},
                ],
            },
            {"id": "fix", "actor": "city", "action": "不足を伝えます。", "next": ["apply"]},
            {
                "id": "done",
                "actor": "city",
                "type": "end",
                "action": "受け付けます。",
                "outputs": ["受付番号"],
            },
        ],
        "masters": ["受付の基準"],
        "dataset": [
            {"item": "申込書", "type": "file", "required": True, "source": "保護者"},
            {"item": "受付番号", "type": "string", "required": True, "source": "市"},
        ],
        "sources": ["https://example.invalid/source"],
    }


def write_flow(folder: Path, data: dict[str, Any]) -> Path:
    path = folder / f"{data['name']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def step_of(data: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(s for s in data["steps"] if s["id"] == step_id)


def issues_of(tmp_path: Path, data: dict[str, Any]) -> FlowValidationError:
    with pytest.raises(FlowValidationError) as info:
        load(write_flow(tmp_path, data))
    return info.value


def test_minimal_flow_is_valid(tmp_path: Path) -> None:
    flow = load(write_flow(tmp_path, minimal_flow()))
    assert validate_flow(flow) == []


def test_dangling_next_is_named(tmp_path: Path) -> None:
    data = minimal_flow()
    step_of(data, "fix")["next"] = ["nowhere"]
    error = issues_of(tmp_path, data)
    issue = next(i for i in error.issues if i.code == "dangling_next")
    assert issue.flow == "sample" and issue.step == "fix"
    assert "nowhere" in str(issue) and "sample" in str(error) and "fix" in str(error)


def test_dangling_branch_target_is_named(tmp_path: Path) -> None:
    data = minimal_flow()
    step_of(data, "check")["branches"][0]["next"] = "ghost"
    error = issues_of(tmp_path, data)
    assert any(i.code == "dangling_next" and i.step == "check" and "ghost" in i.message for i in error.issues)


def test_unreachable_step_is_named(tmp_path: Path) -> None:
    data = minimal_flow()
    data["steps"].append(
        {"id": "island", "actor": "city", "action": "誰も来ない手順です。", "next": ["done"]}
    )
    error = issues_of(tmp_path, data)
    assert any(i.code == "unreachable" and i.step == "island" for i in error.issues)
    assert "island" in str(error) and "たどり着けません" in str(error)


def test_two_starts_are_rejected(tmp_path: Path) -> None:
    data = minimal_flow()
    data["start"] = ["apply", "fix"]
    error = issues_of(tmp_path, data)
    issue = next(i for i in error.issues if i.code == "multiple_starts")
    assert "開始点が2つ" in issue.message and "apply" in issue.message and "fix" in issue.message


def test_a_second_entry_point_counts_as_a_second_start(tmp_path: Path) -> None:
    data = minimal_flow()
    data["steps"].append(
        {"id": "side_door", "actor": "parent", "action": "別の入口です。", "next": ["check"]}
    )
    error = issues_of(tmp_path, data)
    assert any(i.code == "multiple_starts" and i.step == "side_door" for i in error.issues)


def test_missing_start_step_is_named(tmp_path: Path) -> None:
    data = minimal_flow()
    data["start"] = "begin"
    error = issues_of(tmp_path, data)
    assert any(i.code == "missing_start" and i.step == "begin" for i in error.issues)


def test_flow_without_end_is_rejected(tmp_path: Path) -> None:
    data = minimal_flow()
    done = step_of(data, "done")
    done["type"] = "task"
    done["next"] = ["apply"]
    error = issues_of(tmp_path, data)
    assert any(i.code == "no_end" for i in error.issues)
    assert "終了" in str(error)


def test_step_that_cannot_reach_an_end_is_named(tmp_path: Path) -> None:
    data = minimal_flow()
    step_of(data, "check")["branches"][1]["next"] = "loop"
    data["steps"].append({"id": "loop", "actor": "city", "action": "堂々めぐりです。", "next": ["loop"]})
    error = issues_of(tmp_path, data)
    assert any(i.code == "cannot_reach_end" and i.step == "loop" for i in error.issues)


def test_undeclared_data_item_is_named(tmp_path: Path) -> None:
    data = minimal_flow()
    step_of(data, "check")["inputs"] = ["申込書", "住民票"]
    error = issues_of(tmp_path, data)
    issue = next(i for i in error.issues if i.code == "undeclared_data")
    assert issue.step == "check" and "住民票" in issue.message


def test_unknown_actor_is_named(tmp_path: Path) -> None:
    data = minimal_flow()
    step_of(data, "fix")["actor"] = "school"
    error = issues_of(tmp_path, data)
    assert any(i.code == "unknown_actor" and i.step == "fix" and "school" in i.message for i in error.issues)


def test_decision_needs_two_branches_and_task_needs_next(tmp_path: Path) -> None:
    data = minimal_flow()
    step_of(data, "check")["branches"] = [{"condition": "そろっている", "next": "done"}]
    step_of(data, "fix")["next"] = []
    codes = {(i.code, i.step) for i in issues_of(tmp_path, data).issues}
    assert ("bad_decision", "check") in codes and ("bad_task", "fix") in codes


def test_mermaid_keyword_as_step_id_is_rejected(tmp_path: Path) -> None:
    data = minimal_flow()
    step_of(data, "done")["id"] = "end"
    step_of(data, "check")["branches"][0]["next"] = "end"
    assert any(i.code == "bad_id" and i.step == "end" for i in issues_of(tmp_path, data).issues)


def test_cited_source_must_be_listed(tmp_path: Path) -> None:
    data = minimal_flow()
    step_of(data, "apply")["sources"] = ["https://example.invalid/other"]
    assert any(i.code == "unknown_source" for i in issues_of(tmp_path, data).issues)


def test_schema_errors_name_the_file_and_field(tmp_path: Path) -> None:
    data = minimal_flow()
    step_of(data, "apply")["type"] = "start"
    with pytest.raises(FlowError, match=r"sample\.yaml.*steps\.0\.type"):
        load(write_flow(tmp_path, data))


def test_unknown_key_and_bad_yaml_are_rejected(tmp_path: Path) -> None:
    data = minimal_flow()
    data["stepz"] = []
    with pytest.raises(FlowError, match="stepz"):
        load(write_flow(tmp_path, data))
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\nsteps: [\n", encoding="utf-8")
    with pytest.raises(FlowError, match="broken.yaml"):
        load(broken)


def test_name_must_match_file_name(tmp_path: Path) -> None:
    path = write_flow(tmp_path, minimal_flow())
    renamed = path.rename(tmp_path / "other.yaml")
    with pytest.raises(FlowError, match="ファイル名"):
        load(renamed)


def test_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(FlowNotFoundError) as info:
        load("hoiku", FLOWS_DIR)
    assert "hoiku-nyusho" in str(info.value) and "kansa" in str(info.value)


# --- renderers -------------------------------------------------------------------------------------

_PAIRS = {")": "(", "]": "[", "}": "{"}


def assert_balanced(text: str) -> None:
    stack: list[str] = []
    for ch in text:
        if ch in "([{":
            stack.append(ch)
        elif ch in _PAIRS:
            assert stack and stack.pop() == _PAIRS[ch], f"unbalanced {ch!r}"
    assert not stack, f"unclosed {stack}"


def assert_sane_mermaid(source: str, step_ids: list[str]) -> None:
    lines = source.splitlines()
    assert lines[0] == "flowchart TD"
    assert sum(1 for line in lines if line.lstrip().startswith("flowchart")) == 1
    assert_balanced(source)
    assert source.count('"') % 2 == 0
    opened = sum(1 for line in lines if line.lstrip().startswith("subgraph "))
    closed = sum(1 for line in lines if line.strip() == "end")
    assert opened == closed
    declared = set(re.findall(r"^\s+([a-z][a-z0-9_]*)(?:\[|\{|\(\[)", source, flags=re.M))
    for step_id in step_ids:
        assert step_id in declared, f"{step_id} is not drawn"
    for source_id, target in re.findall(
        r"^\s+([a-z][a-z0-9_]*) -->(?:\|\"[^\"]*\"\|)? ([a-z][a-z0-9_]*)$", source, re.M
    ):
        assert source_id in declared and target in declared


@pytest.mark.parametrize("name", SHIPPED)
def test_mermaid_has_every_step_and_is_sane(name: str) -> None:
    flow = load(name, FLOWS_DIR)
    source = to_mermaid(flow)
    assert_sane_mermaid(source, [s.id for s in flow.steps])
    decisions = [s for s in flow.steps if s.type == "decision"]
    for step in decisions:
        assert f"{step.id}{{" in source
        assert source.count(f"    {step.id} -->|") == len(step.branches)
    for actor in {s.actor for s in flow.steps}:
        assert f"subgraph lane_{actor}[" in source


def test_mermaid_escapes_quotes_brackets_and_pipes(tmp_path: Path) -> None:
    data = minimal_flow()
    step_of(data, "apply")["label"] = '「申込み」"至急" (A|B) [#1] {x} <br>'
    step_of(data, "check")["branches"][0]["condition"] = 'OK"だ" | (はい)'
    flow = load(write_flow(tmp_path, data))
    source = to_mermaid(flow)
    assert_sane_mermaid(source, [s.id for s in flow.steps])
    assert "#quot;至急#quot;" in source and "#124;" in source and "#40;A" in source
    assert escape_label("a\nb") == "a<br/>b"


@pytest.mark.parametrize("name", SHIPPED)
def test_text_lists_every_step_with_actor_and_data(name: str) -> None:
    flow = load(name, FLOWS_DIR)
    text = to_text(flow)
    for number, step in enumerate(flow.steps, start=1):
        assert f"{number}. [{step.id}] " in text
        assert flow.actor_name(step.actor) in text
    for step in flow.steps:
        for branch in step.branches:
            assert branch.condition in text
    assert text.count("入力: ") == len(flow.steps)


# --- generated documents ---------------------------------------------------------------------------


def test_generated_documents_are_up_to_date() -> None:
    assert stale_documents(FLOWS_DIR) == [], "run `kodomo-ai flows build` and commit corpus/flows/flow-*.md"


@pytest.mark.parametrize("name", SHIPPED)
def test_document_front_matter_and_sections(name: str) -> None:
    flow = load(name, FLOWS_DIR)
    text = (FLOWS_DIR / f"flow-{name}.md").read_text(encoding="utf-8")
    _, head, body = text.split("---\n", 2)
    meta = yaml.safe_load(head)
    assert meta["doc_id"] == f"flow-{name}"
    assert meta["doc_type"] == "flow"
    assert meta["audience"] == ["caseworker"]
    assert meta["municipality"] == "midori"
    assert meta["publisher"] == "本システム編集部（標準的な業務の例示モデル）"
    assert meta["sources"] == [s.url for s in flow.sources]
    assert "例示モデル" in meta["title"]
    headings = re.findall(r"^## (.+)$", body, flags=re.M)
    assert headings == SECTIONS
    # Every section (and each ### group of steps) ends with its 出典 line.
    for block in re.split(r"^#{2,3} .+$", body, flags=re.M)[1:]:
        last = [line for line in block.strip().splitlines() if line.strip()][-1]
        assert last.startswith("出典: "), last
    assert "| 項目 | 型 | 必須 | 入手元 |" in body
    for item in flow.dataset:
        assert f"| {item.item} |" in body
    assert "みどり市" in body and "例示モデル" in body


def test_build_rewrites_only_stale_documents(tmp_path: Path) -> None:
    folder = tmp_path / "flows"
    shutil.copytree(FLOWS_DIR, folder)
    assert build_documents(folder) == []
    path = folder / "kansa.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("年度の監査計画", "次の年度の監査計画"), encoding="utf-8"
    )
    assert stale_documents(folder) == ["kansa"]
    assert build_documents(folder) == [folder / "flow-kansa.md"]
    assert stale_documents(folder) == []
    assert "次の年度の監査計画" in (folder / "flow-kansa.md").read_text(encoding="utf-8")


def test_render_is_deterministic() -> None:
    flows = load_all(FLOWS_DIR)
    assert [render_document(f) for f in flows] == [render_document(f) for f in load_all(FLOWS_DIR)]


# --- CLI -------------------------------------------------------------------------------------------


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def test_cli_list(runner: CliRunner) -> None:
    result = runner.invoke(main, ["flows", "list", "--flows-dir", str(FLOWS_DIR)])
    assert result.exit_code == 0, result.output
    assert [line.split("\t")[0] for line in result.output.splitlines()] == SHIPPED
    assert "保育所等入所申請" in result.output


def test_cli_show_formats(runner: CliRunner) -> None:
    args = ["flows", "show", "hoiku-nyusho", "--flows-dir", str(FLOWS_DIR)]
    text = runner.invoke(main, args)
    assert text.exit_code == 0 and "1. [guide]" in text.output
    mermaid = runner.invoke(main, [*args, "--format", "mermaid"])
    assert mermaid.exit_code == 0 and mermaid.output.startswith("flowchart TD")
    as_json = runner.invoke(main, [*args, "--format", "json"])
    assert as_json.exit_code == 0
    data = json.loads(as_json.output)
    assert data["name"] == "hoiku-nyusho" and data["start"] == ["guide"]


def test_cli_show_uses_the_settings_corpus_dir(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    from kodomo_ai.config import get_settings

    monkeypatch.setenv("KODOMO_CORPUS_DIR", str(FLOWS_DIR.parent))
    get_settings.cache_clear()
    try:
        result = runner.invoke(main, ["flows", "show", "kansa", "--format", "mermaid"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0 and "lane_auditor" in result.output


def test_cli_show_unknown_name_lists_valid_names(runner: CliRunner) -> None:
    result = runner.invoke(main, ["flows", "show", "hoikuen", "--flows-dir", str(FLOWS_DIR)])
    assert result.exit_code != 0
    assert "hoikuen" in result.output and "hoiku-nyusho" in result.output and "kouiki-riyou" in result.output


def test_cli_check_passes_on_shipped_flows(runner: CliRunner) -> None:
    result = runner.invoke(main, ["flows", "check", "--flows-dir", str(FLOWS_DIR)])
    assert result.exit_code == 0, result.output
    assert result.output.count("OK ") == len(SHIPPED)


def test_cli_check_fails_with_messages(runner: CliRunner, tmp_path: Path) -> None:
    data = minimal_flow()
    step_of(data, "fix")["next"] = ["nowhere"]
    write_flow(tmp_path, data)
    result = runner.invoke(main, ["flows", "check", "--flows-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "sample: 手順 fix" in result.output and "nowhere" in result.output


def test_cli_check_reports_stale_documents_and_build_fixes_them(runner: CliRunner, tmp_path: Path) -> None:
    write_flow(tmp_path, minimal_flow())
    stale = runner.invoke(main, ["flows", "check", "--flows-dir", str(tmp_path)])
    assert stale.exit_code == 1 and "flows build" in stale.output
    built = runner.invoke(main, ["flows", "build", "--flows-dir", str(tmp_path)])
    assert built.exit_code == 0 and "flow-sample.md" in built.output
    assert runner.invoke(main, ["flows", "check", "--flows-dir", str(tmp_path)]).exit_code == 0
