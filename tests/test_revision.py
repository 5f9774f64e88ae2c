"""Manual revision: the old-rule みどり市 児童手当 manual against the current national 児童手当 document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from kodomo_ai.cli import main
from kodomo_ai.drafting.docx_out import docx_text
from kodomo_ai.drafting.revision import RevisionProposal, facts_in, propose_revisions
from kodomo_ai.ingest.loaders import load_file
from kodomo_ai.prompts import load_prompt
from kodomo_ai.schema import Document

ROOT = Path(__file__).resolve().parents[1]
MANUAL = Path(__file__).with_name("data") / "revision" / "manual-jido-teate.md"
NEWER = ROOT / "corpus" / "national" / "nat-jido-teate.md"


def load(path: Path) -> Document:
    return load_file(path, max_bytes=10_000_000)


@pytest.fixture(scope="module")
def proposal() -> RevisionProposal:
    return propose_revisions(load(MANUAL), load(NEWER))


def by_heading(proposal: RevisionProposal) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for rev in proposal.revisions:
        out.setdefault(rev.heading, []).append(rev.proposed)
    return out


def test_each_outdated_passage_gets_the_new_values(proposal: RevisionProposal) -> None:
    revised = by_heading(proposal)
    assert sorted(revised) == [
        "所得制限と特例給付",
        "手当の額",
        "支払月と振込",
        "支給の対象",
        "第3子の数え方",
    ]
    assert revised["支給の対象"] == [
        "みどり市の児童手当は、高校生年代まで(18歳になった後の最初の3月31日まで)のこどもを育てている方に支給します。"
    ]
    assert revised["支払月と振込"] == [
        "児童手当は、毎年偶数月の年6回、それぞれ前月までの2か月分をまとめて受給者の口座に振り込みます。"
    ]
    assert "22歳になった後の最初の3月31日まで" in revised["第3子の数え方"][0]
    assert "30,000円" in revised["手当の額"][0] and "15,000円" not in revised["手当の額"][0]
    assert "所得制限もなくなり" in revised["所得制限と特例給付"][0]
    methods = {rev.heading: rev.method for rev in proposal.revisions}
    assert methods["支給の対象"] == methods["支払月と振込"] == methods["第3子の数え方"] == "substitute"
    assert methods["手当の額"] == methods["所得制限と特例給付"] == "replace"


def test_reasons_diffs_and_sources(proposal: RevisionProposal) -> None:
    newer = load(NEWER)
    headings = {line[3:] for line in newer.text.splitlines() if line.startswith("## ")}
    for rev in proposal.revisions:
        assert rev.reason.startswith(
            "児童手当の制度が2024年（令和6年）10月から改正され"
        ) and rev.reason.endswith("ため")
        assert rev.diff.startswith("--- 現行\n+++ 改正案")
        assert f"-{rev.original}" in rev.diff and f"+{rev.proposed}" in rev.diff
        assert rev.source.doc_id == "nat-jido-teate" and rev.source.heading in headings
        assert rev.source.source.startswith("https://") and rev.source.quote in newer.text
    reasons = {rev.heading: rev.reason for rev in proposal.revisions}
    assert "支給対象が高校生年代までに拡大され" in reasons["支給の対象"]
    assert "所得制限が撤廃され" in reasons["所得制限と特例給付"]
    assert (
        "2月・6月・10月から偶数月" in reasons["支払月と振込"] and "年3回から年6回" in reasons["支払月と振込"]
    )
    assert "15,000円から30,000円" in reasons["手当の額"]


def test_unaffected_passages_are_left_alone(proposal: RevisionProposal) -> None:
    originals = " ".join(rev.original for rev in proposal.revisions)
    for kept in ("第1子・第2子とも月額15,000円", "15日以内に認定請求書", "公務員の方は勤務先", "振込日は支払月の15日",
                 "住民基本台帳", "係長に相談", "市の課税情報"):  # fmt: skip
        assert kept not in originals


def test_nothing_changed_means_no_proposals() -> None:
    manual = load(MANUAL)
    same = manual.model_copy(update={"doc_id": "midori-manual-copy"})
    assert propose_revisions(manual, same).revisions == []
    unrelated = load(ROOT / "corpus" / "national" / "nat-boshi-techo.md")
    empty = propose_revisions(manual, unrelated)
    assert empty.revisions == [] and "食い違う記載は見つかりませんでした" in empty.markdown()


def test_facts_fold_wareki_and_skip_negated_values() -> None:
    assert [f.value for f in facts_in("令和6年10月から")] == [f.value for f in facts_in("2024年10月から")]
    assert [f.value for f in facts_in("2024年(令和6年)10月分")] == ["2024年10月"]
    assert [f.value for f in facts_in("3歳未満の15,000円ではなく月30,000円です")] == ["3歳", "30000円"]


def test_markdown_and_json_forms(proposal: RevisionProposal) -> None:
    text = proposal.markdown()
    for part in ("### 現行", "### 改正案", "```diff", "### 理由", "### 出典", "## 出典一覧"):
        assert part in text
    data = json.loads(proposal.to_json())
    assert data["newer"]["doc_id"] == "nat-jido-teate" and len(data["revisions"]) == 5
    assert all(r["source"]["doc_id"] == "nat-jido-teate" and r["diff"] for r in data["revisions"])


def test_cli_writes_markdown_docx_and_json(tmp_path: Path) -> None:
    out = tmp_path / "rev"
    result = CliRunner().invoke(main, ["revise", str(MANUAL), str(NEWER), "--out", str(out),
                                       "--engine", "extractive"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "改正案 5件" in result.output
    markdown = (out / "revision.md").read_text("utf-8")
    assert "高校生年代まで(18歳" in markdown and "```diff" in markdown
    docx = docx_text(out / "revision.docx")
    assert "偶数月の年6回" in docx and "出典一覧" in docx and "nat-jido-teate" in docx
    assert "```" not in docx
    assert len(json.loads((out / "revision.json").read_text("utf-8"))["revisions"]) == 5


def test_prompt_renders_with_its_variables() -> None:
    prompt = load_prompt(ROOT / "prompts", "manual_revision")
    messages = prompt.render(manual_title="手引き", heading="見出し", original="現行", changes=["a → b"],
                             reason="理由", sources=["新しい文"])  # fmt: skip
    assert "新しい文" in messages[1]["content"] and "現行" in messages[1]["content"]


@pytest.fixture
def chat_server(request: pytest.FixtureRequest) -> Iterator[object]:
    from test_drafting_privacy import serve

    yield from serve(request.param)


GOOD = "みどり市の児童手当は、高校生年代まで（18歳になった後の最初の3月31日まで）のこどもを育てている方に支給します。"


@pytest.mark.parametrize("chat_server", [[GOOD]], indirect=True)
def test_llm_revision_is_used_when_grounded(chat_server: object) -> None:
    from test_drafting_privacy import engine_for

    manual = load(MANUAL)
    one = manual.model_copy(update={"text": manual.text.split("## 手当の額")[0]})
    result = propose_revisions(one, load(NEWER), engine=engine_for(chat_server),  # type: ignore[arg-type]
                               prompts_dir=ROOT / "prompts")  # fmt: skip
    assert [r.method for r in result.revisions] == ["openai"] and result.engine == "openai"
    assert result.revisions[0].proposed == GOOD and not result.notes
    sent = json.loads(chat_server.bodies[0])["messages"][1]["content"]  # type: ignore[attr-defined]
    assert "中学生まで" in sent and "高校生年代まで" in sent


@pytest.mark.parametrize("chat_server", [["児童手当は月額99,999円です。"]], indirect=True)
def test_ungrounded_llm_revision_falls_back_to_extractive(chat_server: object) -> None:
    from test_drafting_privacy import engine_for

    result = propose_revisions(load(MANUAL), load(NEWER), engine=engine_for(chat_server),  # type: ignore[arg-type]
                               prompts_dir=ROOT / "prompts")  # fmt: skip
    assert result.engine == "extractive" and result.notes
    assert all(r.method in ("substitute", "replace") and r.note for r in result.revisions)
    assert "99,999" not in result.markdown()
