"""`kodomo-ai draft` and `kodomo-ai train` on the small test corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kodomo_ai.cli import main


def test_draft_cli_writes_markdown_docx_and_names_missing_fields(
    indexed: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KODOMO_COLLECTION", "test-kodomo")  # the `kb` fixture's collection in tmp_path/index
    fields = tmp_path / "faq.json"
    fields.write_text(
        json.dumps({"question": "4月入所の申込みはいつまでですか"}, ensure_ascii=False), "utf-8"
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["draft", "faq", "--fields", str(fields), "--out", str(out),
                                       "--data-dir", str(tmp_path), "--engine", "extractive"])  # fmt: skip
    assert result.exit_code == 0, result.output
    # The resident's copy has no citation markers; the caseworker's appendix and template keep the sources.
    assert (out / "faq.docx").is_file() and (out / "faq.sources.docx").is_file()
    assert "[1]" not in (out / "faq.md").read_text("utf-8")
    assert "## 出典" in (out / "faq.sources.md").read_text("utf-8")
    assert "## 出典" in (out / "faq.template.md").read_text("utf-8")
    assert json.loads((out / "faq.findings.json").read_text("utf-8")) is not None

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"notice_date": "2027-02-05"}), "utf-8")
    result = CliRunner().invoke(main, ["draft", "riyou-horyu", "--fields", str(bad), "--out", str(out),
                                       "--data-dir", str(tmp_path)])  # fmt: skip
    assert result.exit_code == 2
    assert "admission_date" in result.output and "必須" in result.output


def test_train_cli_unknown_topic(indexed: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KODOMO_COLLECTION", "test-kodomo")
    result = CliRunner().invoke(
        main, ["train", "no-such", "--out", str(tmp_path / "t"), "--data-dir", str(tmp_path)]
    )
    assert result.exit_code == 2 and "topic" in result.output
