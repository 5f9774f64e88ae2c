"""Answer metrics (chrF, BLEU, ROUGE-L on Sudachi words, id-based context), retrieval metrics and the probe."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pytest

from kodomo_ai.evals import metrics
from kodomo_ai.evals.probe import FIXED_REPLY, RecordingServer
from kodomo_ai.evals.retrieval_eval import (
    evaluate_retrieval,
    load_questions,
    ndcg_at_k,
    recall_at_k,
    reciprocal_rank,
)
from kodomo_ai.evals.suite import SuiteError

REF = "3歳から5歳までの保育料は無償ですが、副食費は保護者が負担します。"


def test_identical_text_scores_one_and_unrelated_scores_low() -> None:
    same = metrics.text_metrics(REF, REF)
    assert same["chrf"] == pytest.approx(1.0)
    assert same["bleu"] == pytest.approx(1.0)
    assert same["rouge_l"] == pytest.approx(1.0)
    other = metrics.text_metrics(REF, "出生届は生まれた日から14日以内に出します。")
    assert other["chrf"] < 0.3 and other["bleu"] < 0.2 and other["rouge_l"] < 0.4


def test_bleu_and_rouge_see_japanese_words() -> None:
    # Without word splitting BLEU on Japanese is ~0: the whole sentence is one "word".
    close = "3歳から5歳の保育料は無償で、副食費は保護者の負担です。"
    assert metrics.bleu(REF, close) > 0.1
    assert 0.5 < metrics.rouge_l(REF, close) < 1.0
    assert "保育料" in metrics.tokens(REF)


def test_empty_text_scores_zero() -> None:
    assert metrics.text_metrics(REF, "") == {"chrf": 0.0, "bleu": 0.0, "rouge_l": 0.0}


def test_id_based_context_precision_and_recall() -> None:
    assert metrics.id_context_precision(["a", "b", "c", "d"], ["a", "x"]) == pytest.approx(0.25)
    assert metrics.id_context_recall(["a", "b"], ["a", "x"]) == pytest.approx(0.5)
    assert metrics.id_context_recall([], ["a"]) == 0.0
    assert metrics.id_context_precision([], ["a"]) is None


def test_percentile() -> None:
    assert metrics.percentile([1, 2, 3, 4], 50) == 2.5
    assert metrics.percentile([5.0], 95) == 5.0
    assert metrics.percentile([], 50) == 0.0


def test_ranking_metrics() -> None:
    ranked = ["x", "a", "y", "b"]
    assert recall_at_k(ranked, ["a", "b"], 2) == 0.5
    assert recall_at_k(ranked, ["a", "b"], 4) == 1.0
    assert reciprocal_rank(ranked, ["a", "b"]) == 0.5
    assert reciprocal_rank(ranked, ["z"]) == 0.0
    ideal = 1 + 1 / math.log2(3)
    assert ndcg_at_k(ranked, ["a", "b"], 4) == pytest.approx((1 / math.log2(3) + 1 / math.log2(5)) / ideal)
    assert ndcg_at_k(["a"], ["a"], 5) == 1.0


@dataclass
class _Hit:
    doc_id: str


def test_evaluate_retrieval_collapses_chunks_to_documents(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(
        "- {id: q1, question: 保育料, docs: [nat-mushoka]}\n"
        "- {id: q2, question: 児童手当, docs: [nat-jido-teate]}\n"
        "- {id: q3, question: 息をしていない, expect: escalate, docs: []}\n",
        encoding="utf-8",
    )
    questions = load_questions(path)
    results = {
        "保育料": [_Hit("nat-mushoka"), _Hit("nat-mushoka"), _Hit("nat-hoikuryo")],
        "児童手当": [_Hit("nat-mushoka"), _Hit("nat-mushoka"), _Hit("nat-jido-teate")],
    }
    report = evaluate_retrieval(questions, lambda q, k: results[q][:k], k=5)
    assert report["questions"] == 2 and report["skipped"] == 1
    assert report["recall@5"] == 1.0
    assert report["mrr"] == pytest.approx((1 + 0.5) / 2)  # chunks of one document count once


def test_load_questions_reports_bad_entries(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text("- {id: q1, docs: [a]}\n", encoding="utf-8")
    with pytest.raises(SuiteError) as info:
        load_questions(path)
    assert info.value.case_id == "q1" and info.value.field == "question"


def test_probe_records_prompts_and_answers_like_openai() -> None:
    from openai import OpenAI

    with RecordingServer() as server:
        client = OpenAI(base_url=server.base_url, api_key="x", timeout=10, max_retries=0)
        reply = client.chat.completions.create(
            model="m",
            messages=[{"role": "system", "content": "規則"}, {"role": "user", "content": "[氏名1]さんの件"}],
        )
        assert reply.choices[0].message.content == FIXED_REPLY
        streamed = client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "二回目"}], stream=True
        )
        text = "".join(chunk.choices[0].delta.content or "" for chunk in streamed if chunk.choices)
        assert text == FIXED_REPLY
        assert server.prompts() == ["規則\n[氏名1]さんの件", "二回目"]
        server.clear()
        assert server.prompts() == []
