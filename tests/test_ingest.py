"""Ingestion: loaders, normalisation, chunking, idempotent re-ingest, bad input, crash safety."""

from __future__ import annotations

from pathlib import Path

import pytest

from kodomo_ai.errors import IngestError
from kodomo_ai.ingest.chunking import chunk_document, split_sentences
from kodomo_ai.ingest.loaders import load_file
from kodomo_ai.ingest.normalise import normalise_text
from kodomo_ai.ingest.pipeline import ingest_paths

MB = 2**20


def _minimal_pdf(text: str) -> bytes:
    """A one-page PDF with ASCII text (enough to prove the loader reads real PDFs)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def test_normalise_keeps_meaning() -> None:
    assert normalise_text("３歳～５歳　の　保育料は３７，０００円。") == "3歳〜5歳 の 保育料は37,000円。"
    assert "。" in normalise_text("終わり。") and "、" in normalise_text("あ、い")


def test_sentences_split_on_japanese_punctuation() -> None:
    assert split_sentences("申請します。いつですか？\n次の行") == ["申請します。", "いつですか？", "次の行"]


def test_markdown_front_matter_and_chunks_keep_heading(test_corpus: Path) -> None:
    doc = load_file(test_corpus / "hoikuryo.md", max_bytes=MB)
    assert doc.doc_id == "t-mushoka" and doc.audience == ["parent", "caseworker"]
    assert str(doc.effective_from) == "2019-10-01"
    chunks = chunk_document(doc)
    assert [c.heading for c in chunks] == ["対象になる年齢", "無償にならない費用"]
    assert chunks[0].metadata["section_sources"] == ["https://example.jp/mushoka"]
    assert "出典" not in chunks[0].text
    assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_long_sections_are_cut_near_400_chars_with_one_sentence_overlap() -> None:
    from kodomo_ai.schema import Document

    sentences = [f"これは{i}番目の文で、保育所の入所申請についての説明が続きます。" for i in range(40)]
    doc = Document(doc_id="d", title="T", text="## 節\n" + "".join(sentences), source="x")
    chunks = chunk_document(doc)
    assert len(chunks) > 3
    assert all(len(c.text) <= 500 for c in chunks)
    assert all(len(c.text) >= 300 for c in chunks[:-1])
    for first, second in zip(chunks, chunks[1:], strict=False):
        assert split_sentences(first.text)[-1] == split_sentences(second.text)[0]


def test_html_docx_pdf_and_text_loaders(tmp_path: Path) -> None:
    from docx import Document as Docx

    (tmp_path / "a.html").write_text(
        "<html><head><title>案内</title><script>x()</script></head><body><h2>申請</h2><p>窓口で受け付けます。</p></body></html>",
        encoding="utf-8",
    )
    html = load_file(tmp_path / "a.html", max_bytes=MB)
    assert html.title == "案内" and "## 申請" in html.text and "x()" not in html.text
    docx = Docx()
    docx.add_heading("手続き", level=2)
    docx.add_paragraph("届出は14日以内です。")
    docx.save(str(tmp_path / "b.docx"))
    loaded = load_file(tmp_path / "b.docx", max_bytes=MB)
    assert "## 手続き" in loaded.text and "14日以内" in loaded.text
    (tmp_path / "c.pdf").write_bytes(_minimal_pdf("Nursery application guide"))
    assert "Nursery application guide" in load_file(tmp_path / "c.pdf", max_bytes=MB).text
    (tmp_path / "d.txt").write_bytes("保育所の案内です。".encode("cp932"))
    assert load_file(tmp_path / "d.txt", max_bytes=MB).text == "保育所の案内です。"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("x.xlsx", b"PK", "unsupported type"),
        ("broken.pdf", b"%PDF-1.4 garbage not a pdf", "corrupt PDF"),
        ("empty.md", b"---\ntitle: a\n---\n\n", "empty document"),
        ("big.txt", "あ".encode() * (MB // 2), "too large"),
        ("bin.txt", bytes(range(128, 256)) * 4, "not UTF-8"),
        ("bad.md", b"---\ntitle: [unclosed\n---\nbody", "YAML"),
        ("badtype.md", b"---\ndoc_type: poster\n---\nbody text", "doc_type"),
    ],
)
def test_bad_files_get_a_one_line_reason(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError) as err:
        load_file(path, max_bytes=MB)
    assert name in str(err.value) and reason in str(err.value)
    assert "\n" not in str(err.value)


def test_reingest_is_idempotent_and_tracks_changes(kb, test_corpus: Path) -> None:  # type: ignore[no-untyped-def]
    first = ingest_paths(kb, [test_corpus])
    assert len(first.added) == 5 and not first.errors
    second = ingest_paths(kb, [test_corpus])
    assert (len(second.added), len(second.updated), len(second.unchanged)) == (0, 0, 5)
    teate = test_corpus / "teate.md"
    teate.write_text(
        teate.read_text(encoding="utf-8") + "\n## 追加\n現況届は原則不要です。\n", encoding="utf-8"
    )
    (test_corpus / "suimin.md").unlink()
    third = ingest_paths(kb, [test_corpus])
    assert third.updated == ["t-teate"] and third.removed == ["t-suimin"] and len(third.unchanged) == 3
    assert kb.store.ids() == kb.catalog.chunk_ids()
    assert "t-suimin" not in kb.catalog.hashes()


def test_one_bad_file_does_not_stop_the_others(kb, test_corpus: Path) -> None:  # type: ignore[no-untyped-def]
    (test_corpus / "broken.pdf").write_bytes(b"not a pdf")
    report = ingest_paths(kb, [test_corpus, test_corpus / "missing.md"])
    assert len(report.added) == 5
    assert sorted(Path(e.path).name for e in report.errors) == ["broken.pdf", "missing.md"]


def test_crash_mid_ingest_leaves_the_live_generation_untouched(
    kb, test_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from kodomo_ai.index.catalog import Catalog
    from kodomo_ai.retrieval import Retriever

    ingest_paths(kb, [test_corpus / "hoikuryo.md"])
    live = kb.generation()
    real = Catalog.replace_document
    calls = {"n": 0}

    def crash_on_second(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("power cut")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Catalog, "replace_document", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        ingest_paths(kb, [test_corpus])
    monkeypatch.setattr(Catalog, "replace_document", real)
    # Readers still see the last published generation, and the half-built one is gone.
    assert kb.generation() == live and list(kb.catalog.hashes()) == ["t-mushoka"]
    assert [p.name for p in (kb.generations.root).iterdir()] == [live]
    hits = Retriever(kb).search("保育料の無償化は何歳から", k=3)
    assert hits and hits[0].doc_id == "t-mushoka"
    report = ingest_paths(kb, [test_corpus])
    assert not report.errors and len(kb.catalog.hashes()) == 5
    assert kb.store.ids() == kb.catalog.chunk_ids()


def test_each_bad_file_gets_one_line_and_the_run_goes_on(kb, test_corpus: Path) -> None:  # type: ignore[no-untyped-def]
    ingest_paths(kb, [test_corpus])
    hoikuryo = test_corpus / "hoikuryo.md"
    (test_corpus / "bad-date.md").write_text(
        "---\ntitle: 日付の誤り\npublished: 2024-13-45\n---\n本文です。\n", encoding="utf-8"
    )
    (test_corpus / "corrupt.docx").write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    hoikuryo.write_text(
        hoikuryo.read_text(encoding="utf-8") + "\n## 追記\n給食費の扱いは園に確認します。\n", encoding="utf-8"
    )
    report = ingest_paths(kb, [test_corpus])
    assert report.updated == ["t-mushoka"] and report.failed == 2
    by_file = {Path(e.path).name: str(e) for e in report.errors}
    assert set(by_file) == {"bad-date.md", "corrupt.docx"}
    assert "日付" in by_file["bad-date.md"] and "DOCX" in by_file["corrupt.docx"]
    assert all("\n" not in line for line in by_file.values())
    assert "errors 2" in report.summary()
    assert any("給食費の扱い" in c.text for c, _t, _d in kb.catalog.all_chunks())


def test_cli_ingest_prints_each_failure_and_exits_1(data_dir: Path, test_corpus: Path) -> None:
    from click.testing import CliRunner

    from kodomo_ai.cli import main

    (test_corpus / "bad-date.md").write_text(
        "---\npublished: 2024-13-45\n---\n本文です。\n", encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["ingest", str(test_corpus)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "added 5" in result.output and "1 file(s) failed" in result.output
    assert sum("bad-date.md" in line for line in result.output.splitlines()) == 1
