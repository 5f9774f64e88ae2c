"""Corpus checks: front matter, dates, sources, unique ids, sections with content and sources, flows valid."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from kodomo_ai.ingest.loaders import load_file
from kodomo_ai.schema import AUDIENCES, DOC_TYPES

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "corpus").rglob("*.md"))
REQUIRED = ("doc_id", "title", "publisher", "sources", "published", "audience", "doc_type")


def _front_matter(path: Path) -> dict:  # type: ignore[type-arg]
    text = path.read_text(encoding="utf-8")
    match = re.match(r"\A---\s*\n(.*?)\n---\s*\n", text, re.S)
    assert match, f"{path}: no front matter"
    return yaml.safe_load(match.group(1))


def test_the_corpus_covers_every_area() -> None:
    folders = {p.relative_to(ROOT / "corpus").parts[0] for p in DOCS}
    assert {"national", "safety", "contacts", "municipal", "flows"} <= folders
    assert len(DOCS) >= 40


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.stem)
def test_front_matter_is_complete_and_valid(path: Path) -> None:
    meta = _front_matter(path)
    missing = [k for k in REQUIRED if meta.get(k) in (None, "", [])]
    assert not missing, f"{path.name}: missing {missing}"
    # contacts.md keeps a fixed name: the safety router reads its contact list from there.
    assert meta["doc_id"] == path.stem or path.name == "contacts.md", "file name = doc id"
    assert meta["doc_type"] in DOC_TYPES and set(meta["audience"]) <= set(AUDIENCES)
    doc = load_file(path, max_bytes=2**22)  # parses the dates too
    if doc.effective_to is not None:
        assert doc.effective_from is None or doc.effective_from < doc.effective_to
    if "municipal" in path.parts:
        assert meta["municipality"] == path.parent.name and (
            "サンプル" in doc.text[:400] or "架空" in doc.text[:400]
        )


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.stem)
def test_every_section_has_content_and_a_source(path: Path) -> None:
    body = path.read_text(encoding="utf-8").split("---", 2)[2]
    sections = re.split(r"^## ", body, flags=re.M)[1:]
    assert sections, f"{path.name}: no ## sections"
    for section in sections:
        heading, _, text = section.partition("\n")
        prose = "\n".join(line for line in text.splitlines() if not line.startswith(("出典", "#", "|---")))
        assert len(prose.strip()) >= 20, f"{path.name} › {heading}: empty section"
        assert re.search(r"^出典[:：]", text, re.M), f"{path.name} › {heading}: no 出典 line"


def test_doc_ids_are_unique() -> None:
    ids = [_front_matter(p)["doc_id"] for p in DOCS]
    assert len(ids) == len(set(ids))


def test_superseded_rules_carry_their_end_date() -> None:
    ends = {_front_matter(p)["doc_id"]: _front_matter(p).get("effective_to") for p in DOCS}
    assert str(ends["nat-jido-teate-kyu"]) == "2024-09-30"
    assert str(ends["nat-ouen-kyufukin"]) == "2025-03-31"


def test_sources_are_web_addresses_or_named_publications() -> None:
    for path in DOCS:
        for source in _front_matter(path)["sources"]:
            value = source if isinstance(source, str) else str(source.get("url", ""))
            assert value.startswith(("http://", "https://")) or value in ("sample",) or len(value) > 4, (
                path,
                value,
            )


def test_flows_and_generated_documents_are_valid_and_current() -> None:
    from kodomo_ai.flows import load_all, stale_documents, validate_flow
    from kodomo_ai.rules.documents import stale_municipal_documents

    flows = load_all(ROOT / "corpus" / "flows")
    assert len(flows) == 8
    assert all(not validate_flow(f) for f in flows)
    assert not stale_documents(ROOT / "corpus" / "flows")
    assert not stale_municipal_documents(ROOT / "corpus", "midori")
    assert not stale_municipal_documents(ROOT / "corpus", "aoba")


def test_development_questions_point_at_real_documents() -> None:
    ids = {_front_matter(p)["doc_id"] for p in DOCS}
    items = yaml.safe_load((ROOT / "evals" / "dev" / "questions.yaml").read_text(encoding="utf-8"))
    assert len(items) >= 100
    assert len({i["id"] for i in items}) == len(items)
    for item in items:
        assert item["expect"] in ("answer", "escalate", "abstain", "refuse")
        assert set(item.get("docs") or []) <= ids, item["id"]
        if item["expect"] == "answer":
            assert item["docs"] and item["facts"], item["id"]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.stem)
def test_every_document_says_from_when_it_applies(path: Path) -> None:
    assert _front_matter(path).get("effective_from"), f"{path.name}: no effective_from"


def test_no_internal_ids_in_what_users_read() -> None:
    """Documents name each other by title: an id like nat-jido-teate must never reach an answer."""
    ids = {_front_matter(p)["doc_id"] for p in DOCS}
    found = []
    for path in DOCS:
        body = path.read_text(encoding="utf-8").split("---", 2)[2]
        for line in body.splitlines():
            if line.startswith("出典") or "http" in line:
                continue
            found += [
                (path.name, word) for word in re.findall(r"\b[a-z]+(?:-[a-z0-9]+)+\b", line) if word in ids
            ]
    assert not found, found
