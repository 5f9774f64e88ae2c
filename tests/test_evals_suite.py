"""Suite loading: the format, its defaults, and errors that name the file, case and field."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from kodomo_ai.evals.checks.pii import is_valid_mynumber
from kodomo_ai.evals.suite import CRITERIA, SuiteError, load_suite, load_suites, parse_suite

DATA = Path(__file__).parent / "data" / "evals"
ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "evals" / "suites"


def test_mini_suite_loads_with_defaults() -> None:
    suite = load_suite(DATA / "mini_suite.yaml")
    assert suite.name == "mini" and suite.threshold == 0.5
    by_id = {c.id: c for c in suite.cases}
    assert by_id["mini-mushoka"].criterion == "explainability"  # inherited from the suite
    assert by_id["mini-mushoka"].kind == "factual"  # derived from the expected mode
    assert by_id["mini-emergency"].kind == "escalation"
    assert by_id["mini-emergency"].expect.mode == ["escalate"]
    assert by_id["mini-mushoka"].expect.cite == [["nat-mushoka", "nat-hoikuryo", "nat-fukushokuhi"]]
    assert by_id["mini-robust"].variants


def test_facts_accept_strings_and_groups() -> None:
    suite = parse_suite(
        {
            "name": "s",
            "criterion": "verifiability",
            "cases": [
                {
                    "id": "a",
                    "input": "q",
                    "expect": {"mode": "answer", "facts": ["37,000円", ["副食費", "おかず代"]]},
                }
            ],
        }
    )
    assert suite.cases[0].expect.facts == [["37,000円"], ["副食費", "おかず代"]]


def test_conversation_input_gives_question_and_history() -> None:
    suite = parse_suite(
        {
            "name": "s",
            "criterion": "robustness",
            "cases": [
                {
                    "id": "conv",
                    "input": [
                        {"role": "user", "content": "無償化の対象は？"},
                        {"role": "assistant", "content": "3歳から5歳です。"},
                        {"role": "user", "content": "それって認可外でも？"},
                    ],
                }
            ],
        }
    )
    case = suite.cases[0]
    assert case.question == "それって認可外でも？"
    assert case.history == [
        {"role": "user", "content": "無償化の対象は？"},
        {"role": "assistant", "content": "3歳から5歳です。"},
    ]


def test_error_names_file_case_and_field() -> None:
    with pytest.raises(SuiteError) as info:
        load_suite(DATA / "bad_field.yaml")
    error = info.value
    assert error.case_id == "broken-2"
    assert error.field is not None and error.field.startswith("expect.mode")
    assert "bad_field.yaml" in str(error) and "broken-2" in str(error)


def test_invalid_yaml_names_the_line() -> None:
    with pytest.raises(SuiteError, match=r"bad_yaml\.yaml.*line"):
        load_suite(DATA / "bad_yaml.yaml")


@pytest.mark.parametrize(
    ("raw", "case_id", "field", "message"),
    [
        ({"name": "s", "cases": [{"id": "a", "input": "q"}]}, "a", "criterion", "no criterion"),
        (
            {"name": "s", "criterion": "nonsense", "cases": [{"id": "a", "input": "q"}]},
            "a",
            "criterion",
            "unknown",
        ),
        (
            {
                "name": "s",
                "criterion": "harmful",
                "cases": [{"id": "a", "input": "q"}, {"id": "a", "input": "r"}],
            },
            "a",
            "id",
            "duplicate",
        ),
        (
            {"name": "s", "criterion": "privacy", "cases": [{"id": "p", "kind": "pii", "input": "q"}]},
            "p",
            None,
            "planted",
        ),
        (
            {
                "name": "s",
                "criterion": "robustness",
                "cases": [{"id": "r", "kind": "robustness", "input": "q"}],
            },
            "r",
            None,
            "variants",
        ),
        (
            {"name": "s", "criterion": "harmful", "cases": [{"id": "x", "input": "q", "expct": {}}]},
            "x",
            "expct",
            "Extra inputs",
        ),
        (
            {
                "name": "s",
                "criterion": "harmful",
                "cases": [{"id": "x", "input": [{"role": "assistant", "content": "a"}]}],
            },
            "x",
            "input",
            "user turn",
        ),
        (
            {
                "name": "s",
                "criterion": "harmful",
                "cases": [{"id": "x", "input": "q", "expect": {"facts": [[]]}}],
            },
            "x",
            "expect.facts",
            "non-empty",
        ),
    ],
)
def test_invalid_cases_are_reported_precisely(
    raw: dict, case_id: str, field: str | None, message: str
) -> None:
    with pytest.raises(SuiteError) as info:
        parse_suite(raw, "x.yaml")
    assert info.value.case_id == case_id
    if field is not None:
        assert info.value.field == field
    assert message in str(info.value)


def test_missing_and_empty_paths(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match="no such file"):
        load_suites([tmp_path / "nope.yaml"])
    with pytest.raises(SuiteError, match="no suite files"):
        load_suites([tmp_path])
    (tmp_path / "a.yaml").write_text(
        yaml.safe_dump({"name": "x", "criterion": "harmful", "cases": [{"id": "a", "input": "q"}]})
    )
    (tmp_path / "b.yaml").write_text(
        yaml.safe_dump({"name": "x", "criterion": "harmful", "cases": [{"id": "b", "input": "q"}]})
    )
    with pytest.raises(SuiteError, match="also used"):
        load_suites([tmp_path])


def test_planted_document_must_exist(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match="planted document not found"):
        parse_suite(
            {
                "name": "s",
                "criterion": "security",
                "ingest": ["missing.md"],
                "cases": [{"id": "a", "input": "q"}],
            },
            str(tmp_path / "s.yaml"),
        )


# --- the shipped suites --------------------------------------------------------------------------


def _shipped() -> list:
    if not SHIPPED.exists() or not any(SHIPPED.glob("*.yaml")):
        pytest.skip("no shipped suites yet")
    return load_suites([SHIPPED])


def test_shipped_suites_cover_every_criterion_with_enough_cases() -> None:
    suites = _shipped()
    counts = Counter(case.criterion for suite in suites for case in suite.cases)
    assert set(counts) == set(CRITERIA), f"criteria without cases: {set(CRITERIA) - set(counts)}"
    assert sum(counts.values()) >= 200
    assert all(n >= 10 for n in counts.values()), counts


def test_shipped_case_ids_are_unique_across_suites() -> None:
    ids = [case.id for suite in _shipped() for case in suite.cases]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]


def test_planted_mynumbers_have_valid_check_digits() -> None:
    import re

    for suite in _shipped():
        for case in suite.cases:
            for item in case.planted:
                digits = re.sub(r"\D", "", item)
                if len(digits) == 12:
                    assert is_valid_mynumber(item), f"{case.id}: {item}"


def test_shipped_suites_are_separate_from_the_development_set() -> None:
    dev = ROOT / "evals" / "dev"
    questions: set[str] = set()
    for file in list(dev.rglob("*.yaml")) if dev.exists() else []:
        raw = yaml.safe_load(file.read_text(encoding="utf-8")) or []
        questions |= {str(item.get("question", "")) for item in raw if isinstance(item, dict)}
    overlap = [case.id for suite in _shipped() for case in suite.cases if case.question in questions]
    assert not overlap, f"suite questions copied from evals/dev: {overlap}"


def _corpus_texts() -> dict[str, str]:
    """Doc id -> body of every Markdown document in corpus/ and the suites' planted fixtures."""
    texts: dict[str, str] = {}
    for path in [*(ROOT / "corpus").rglob("*.md"), *(SHIPPED / "fixtures").glob("*.md")]:
        raw = path.read_text(encoding="utf-8")
        if not raw.startswith("---"):
            continue
        _, front, body = raw.split("---", 2)
        meta = yaml.safe_load(front) or {}
        if meta.get("doc_id"):
            texts[str(meta["doc_id"])] = body
    return texts


def test_shipped_facts_and_citations_match_the_corpus() -> None:
    """Every cited doc id exists; every fact of a case that names docs is written in one of them."""
    from kodomo_ai.evals.normalize import contains

    texts = _corpus_texts()
    if len(texts) < 20:
        pytest.skip("corpus not written yet")
    problems = []
    everything = "\n".join(texts.values())
    for suite in _shipped():
        for case in suite.cases:
            docs = case.expect.cited_doc_ids()
            unknown = [d for d in docs if d not in texts]
            if unknown:
                problems.append(f"{case.id}: unknown doc ids {unknown}")
                continue
            # Without named docs a fact must still be written somewhere in the corpus.
            body = "\n".join(texts[d] for d in docs) if docs else everything
            for group in case.expect.facts:
                if not any(contains(body, alt) for alt in group):
                    problems.append(f"{case.id}: fact {group} not in {docs}")
            for phrase in case.expect.must_not:
                if (
                    docs
                    and not phrase.startswith("re:")
                    and contains("\n".join(texts[d] for d in case.expect.cite[0]), phrase)
                ):
                    problems.append(f"{case.id}: must_not {phrase!r} occurs in the cited current document")
    assert not problems, "\n".join(problems)
