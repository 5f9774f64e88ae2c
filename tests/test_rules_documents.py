"""The municipal documents are generated from the YAML, follow the corpus format, and the citations resolve."""

import re
from pathlib import Path

import pytest
import yaml

from kodomo_ai.rules.documents import render_municipal_documents, stale_municipal_documents
from kodomo_ai.rules.tables import load_municipality, load_national

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


@pytest.mark.parametrize("town", ["midori", "aoba"])
def test_generated_documents_are_up_to_date(town: str) -> None:
    stale = stale_municipal_documents(CORPUS, town)
    assert stale == [], f"run `kodomo-ai calc build-docs --municipality {town}`: {stale}"


def test_each_town_reads_as_itself() -> None:
    """Sentences follow the town's values: its kind (市/町), where its lower limit sits, its own discounts."""
    aoba = "\n".join(render_municipal_documents("aoba").values())
    midori = "\n".join(render_municipal_documents("midori").values())
    assert "範囲の下限の48時間" in aoba and "4時間×3日×4週＝月48時間" in aoba and "町が判断します" in aoba
    assert (
        "範囲の上限の64時間" in midori and "4時間×4日×4週＝月64時間" in midori and "市が判断します" in midori
    )
    assert "独自の軽減で3人目" in midori and "独自の軽減で3人目" not in aoba


def _split(text: str) -> tuple[dict, str]:
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def test_documents_follow_the_corpus_format() -> None:
    municipal = load_municipality("midori")
    for relative, text in render_municipal_documents("midori").items():
        meta, body = _split(text)
        assert relative == f"municipal/midori/{meta['doc_id']}.md"
        assert meta["publisher"] == "みどり市（架空のサンプル自治体）"
        assert meta["municipality"] == "midori" and meta["doc_type"] == "manual"
        assert meta["sources"][0] == "sample"
        assert set(meta["audience"]) <= {"parent", "caseworker", "trainer"}
        assert str(meta["effective_from"]) == municipal.effective_from.isoformat()
        assert body.startswith(f"# {meta['title']}\n")
        sections = re.split(r"^## ", body, flags=re.M)[1:]
        assert sections
        first_sentence = sections[0].split("\n", 2)[2].split("。")[0]
        assert "架空のサンプル自治体" in first_sentence
        for section in sections:
            lines = [line for line in section.strip().splitlines() if line]
            assert lines[-1].startswith("出典: sample（"), section[:40]
            assert len(lines) >= 2 and not lines[0].startswith("出典")


def test_titles_match_the_brief() -> None:
    titles = {
        _split(t)[0]["doc_id"]: _split(t)[0]["title"] for t in render_municipal_documents("midori").values()
    }
    assert titles["midori-riyouchosei-kijun"] == "みどり市 利用調整基準表"
    assert titles["midori-hoikuryo"] == "みどり市 保育料表"


def test_municipal_citations_point_at_generated_headings() -> None:
    municipal = load_municipality("midori")
    docs = {_split(t)[0]["doc_id"]: t for t in render_municipal_documents("midori").values()}
    for key, ref in municipal.citations.items():
        assert f"\n## {ref.heading}\n" in docs[ref.doc_id], key


def test_national_citations_point_at_corpus_headings() -> None:
    for key, ref in load_national().citations.items():
        path = CORPUS / "national" / f"{ref.doc_id}.md"
        assert path.exists(), ref.doc_id
        headings = re.findall(r"^## (.+)$", path.read_text(encoding="utf-8"), flags=re.M)
        assert ref.heading in headings, f"{key}: {ref.heading}"


def test_tables_are_consistent() -> None:
    municipal = load_municipality("midori")
    national = load_national()
    limits = national.certification.work_hours_lower_limit_range
    assert limits["min"] <= municipal.certification.work_hours_lower_limit <= limits["max"]
    taxed = [row for row in municipal.fees.under3 if row.kind == "taxed"]
    bounds = [row.below for row in taxed[:-1]]
    assert bounds == sorted(bounds) and taxed[-1].below is None
    assert all(
        a.standard <= b.standard and a.short <= b.short for a, b in zip(taxed, taxed[1:], strict=False)
    )
    assert all(row.short <= row.standard for row in taxed)
    # every national bracket boundary is also a boundary of the municipal table
    national_bounds = {b.below for b in national.hoikuryo.national_brackets if b.below}
    assert national_bounds <= set(bounds)
    for source in national.sources.values():
        assert source.url.startswith("http")
