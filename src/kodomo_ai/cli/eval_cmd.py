"""`kodomo-ai eval`: run guideline suites, compare runs, and evaluate retrieval."""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kodomo_ai.cli import UserError
from kodomo_ai.cli.batch import check_engine
from kodomo_ai.errors import KodomoError

if TYPE_CHECKING:
    from kodomo_ai.config import Settings
    from kodomo_ai.evals.judge import Judge


def _pad(text: str, width: int) -> str:
    """Left-justify `text` to `width` terminal columns (full-width characters take two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 0)


@click.group("eval")
def eval_group() -> None:
    """評価: ガイドライン観点のテストスイート実行・比較・検索評価."""


def _default_out() -> Path:
    from kodomo_ai.evals.runner import git_short_sha

    return Path("evals") / "results" / f"{date.today().isoformat()}-{git_short_sha()}"


@eval_group.command("run")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--engine", envvar="KODOMO_ENGINE", default=None, help="回答エンジン (extractive | openai | llamacpp)"
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="出力フォルダ（既定: evals/results/<日付>-<git sha>/）",
)
@click.option("--workers", type=int, default=2, show_default=True, help="並列に実行するケース数")
@click.option(
    "--probe/--no-probe",
    default=True,
    show_default=True,
    help="個人情報ケースを録音用の外部LLM（127.0.0.1）にも送り、送信内容を検査する",
)
@click.option(
    "--judge/--no-judge",
    default=True,
    show_default=True,
    help="KODOMO_JUDGE_BASE_URL があれば LLM 判定の ragas 指標も計算する",
)
def run_cmd(
    paths: tuple[Path, ...], engine: str | None, out_dir: Path | None, workers: int, probe: bool, judge: bool
) -> None:
    """Run suites (files or folders) and write results.json and report.html; exit 1 if a threshold is missed."""
    from kodomo_ai.config import get_settings
    from kodomo_ai.evals.report import write_report
    from kodomo_ai.evals.runner import Runner
    from kodomo_ai.evals.suite import load_suites

    settings = get_settings()
    try:
        suites = load_suites(list(paths))
    except KodomoError as error:
        raise UserError(str(error)) from None
    n_cases = sum(len(s.cases) for s in suites)
    engine_name = engine or settings.engine
    check_engine(engine_name)
    click.echo(f"{len(suites)} スイート・{n_cases} ケースを実行します（エンジン: {engine_name}）", err=True)
    judge_obj = _make_judge(settings) if judge else None
    from kodomo_ai.evals.runner import default_factory

    try:  # an engine that is not configured fails here, not as every case failing
        main = default_factory(settings, engine_name)
    except KodomoError as error:
        raise UserError(f"エンジン {engine_name} を使えません: {error}") from None

    def factory(run_settings: Settings, name: str) -> Any:
        return (
            main if run_settings is settings and name == engine_name else default_factory(run_settings, name)
        )

    runner = Runner(
        settings, engine=engine_name, workers=workers, probe=probe, judge=judge_obj, factory=factory
    )
    try:
        result = runner.run(suites, source=" ".join(str(p) for p in paths))
    except KodomoError as error:
        raise click.ClickException(str(error)) from None
    finally:
        runner.close()
    out = out_dir or _default_out()
    results_path = result.save(out)
    report_path = write_report(result, out)
    for row in result.criteria:
        click.echo(f"{_pad(row.label, 60)} {row.passed:>4}/{row.total:<4} {row.pass_rate:6.1%}")
    for suite in result.suites:
        mark = "OK  " if suite.gate_passed else "FAIL"
        click.echo(f"[{mark}] {suite.name:<32} {suite.pass_rate:6.1%} (しきい値 {suite.threshold:.0%})")
    click.echo(f"結果: {results_path}\nレポート: {report_path}")
    if not result.gate_passed:
        raise SystemExit(1)


def _make_judge(settings: Settings) -> Judge | None:
    """Build the LLM judge when KODOMO_JUDGE_BASE_URL is set; None otherwise."""
    if not settings.judge_base_url:
        return None
    from kodomo_ai.evals.judge import Judge, JudgeConfig

    embedder = None
    try:
        from kodomo_ai.index.embeddings import load_embedder

        embedder = load_embedder(settings.embedding_model, settings.models_dir)
    except Exception as error:  # answer relevancy is skipped with a note when no embedder loads
        click.echo(f"埋め込みモデルを読み込めないため answer_relevancy を省略します: {error}", err=True)
    model = settings.judge_model or settings.openai_model
    config = JudgeConfig(
        base_url=settings.judge_base_url, model=model, api_key=settings.openai_api_key, embedder=embedder
    )
    return Judge(config)


@eval_group.command("compare")
@click.argument("before", type=click.Path(exists=True, path_type=Path))
@click.argument("after", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="JSON で出力")
def compare_cmd(before: Path, after: Path, as_json: bool) -> None:
    """Show what changed between two runs (results.json files or run folders)."""
    from kodomo_ai.evals.compare import compare_runs, format_comparison
    from kodomo_ai.evals.results import load_results

    try:
        diff = compare_runs(load_results(before), load_results(after))
    except (OSError, ValueError) as error:
        raise click.ClickException(f"結果ファイルを読めません: {error}") from None
    click.echo(json.dumps(diff, ensure_ascii=False, indent=1) if as_json else format_comparison(diff))


@eval_group.command("retrieval")
@click.argument("questions", type=click.Path(exists=True, path_type=Path))
@click.option(
    "-k", "k", type=click.IntRange(1, 100), default=5, show_default=True, help="上位何件までを見るか"
)
@click.option("--json", "as_json", is_flag=True, help="JSON で出力（質問ごとの行を含む）")
def retrieval_cmd(questions: Path, k: int, as_json: bool) -> None:
    """Report recall@k, MRR and nDCG@k of the expected documents (YAML: id, question, docs)."""
    from kodomo_ai.config import get_settings
    from kodomo_ai.evals.retrieval_eval import evaluate_retrieval, load_questions
    from kodomo_ai.runtime import open_retriever

    try:
        items = load_questions(questions)
    except KodomoError as error:
        raise click.ClickException(str(error)) from None
    retriever = open_retriever(get_settings())
    report = evaluate_retrieval(items, lambda q, n: retriever.search(q, k=n), k=k)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    click.echo(f"質問 {report['questions']} 件（文書指定なしで除外 {report['skipped']} 件）, k={k}")
    for key in (f"recall@{k}", f"hit@{k}", "mrr", f"ndcg@{k}"):
        click.echo(f"  {key:<10} {report[key]:.3f}")
    misses = [r for r in report["rows"] if r["hit"] == 0.0]
    if misses:
        click.echo(f"上位{k}件に正解文書がない質問: {len(misses)} 件")
        for row in misses[:20]:
            click.echo(f"  {row['id']}: {row['question']}  期待 {row['expected']} / 検索 {row['ranked']}")


@eval_group.command("list")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def list_cmd(paths: tuple[Path, ...]) -> None:
    """Validate suites and count their cases per criterion (no engine needed)."""
    from collections import Counter

    from kodomo_ai.evals.suite import CRITERIA, load_suites

    try:
        suites = load_suites(list(paths))
    except KodomoError as error:
        raise click.ClickException(str(error)) from None
    counts = Counter(case.criterion for suite in suites for case in suite.cases)
    for suite in suites:
        click.echo(
            f"{suite.name:<32} {len(suite.cases):>4} ケース  しきい値 {suite.threshold:.0%}  {suite.path}"
        )
    click.echo("")
    for key, label in CRITERIA.items():
        click.echo(f"{_pad(label, 60)} {counts.get(key, 0):>4}")
    click.echo(f"{_pad('合計', 60)} {sum(counts.values()):>4}")
