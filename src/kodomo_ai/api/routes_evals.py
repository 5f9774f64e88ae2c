"""Evaluation runs over the API: start a run (background thread), poll it, list suites and runs, compare."""

from __future__ import annotations

import logging
import threading
from pathlib import Path as FsPath
from typing import Any

from fastapi import APIRouter, Path, Query

from kodomo_ai.api.deps import AppState, Evaluator, StateDep
from kodomo_ai.api.errors import ApiError
from kodomo_ai.api.records import audit_entry
from kodomo_ai.api.schemas import EvalRunOut, EvalRunRequest, SuiteOut
from kodomo_ai.api.storage import EvalRun, new_id, utcnow
from kodomo_ai.config import PROJECT_ROOT
from kodomo_ai.errors import KodomoError

log = logging.getLogger(__name__)
router = APIRouter(tags=["evals"])
# A run holds its slot while it reports progress; a worker killed mid-run frees it when the lease runs out.
# Stated rule: longer than the slowest step without progress (copying the index and ingesting the planted
# documents before the first case, a few minutes on 2 cores), short enough that a crash blocks runs briefly.
SLOT_LEASE_SECONDS = 30 * 60.0


def suites_dir(state: AppState) -> FsPath:
    """Folder of the suite files (setting `suites_dir`, default evals/suites)."""
    return FsPath(getattr(state.settings, "suites_dir", None) or PROJECT_ROOT / "evals" / "suites")


def _suite_paths(state: AppState) -> dict[str, FsPath]:
    folder = suites_dir(state)
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}


def run_out(row: EvalRun, *, full: bool = True) -> dict[str, Any]:
    """An eval run row as EvalRunOut."""
    return {
        "id": row.id, "status": row.status, "suites": list(row.suites or []), "engine": row.engine,
        "created_at": row.created_at.isoformat() if row.created_at else "",
        "finished_at": row.finished_at.isoformat() if row.finished_at else None,
        "summary": row.summary, "result": row.result if full else None, "error": row.error,
    }  # fmt: skip


def summary_of(result: dict[str, Any]) -> dict[str, Any]:
    """The short view of a run: pass rates by suite and criterion, and the failing case ids."""
    failing = [f"{c['suite']}/{c['id']}" for c in result.get("cases", []) if not c.get("passed")]
    total = len(result.get("cases", []))
    return {
        "cases": total, "passed": total - len(failing), "suites": result.get("suites", []),
        "criteria": result.get("criteria", []), "failing": failing,
    }  # fmt: skip


@router.get("/v1/evals/suites", response_model=list[SuiteOut])
def list_suites(principal: Evaluator, state: StateDep) -> Any:
    """The suites available to run."""
    from kodomo_ai.evals.suite import load_suite

    out = []
    for name, path in _suite_paths(state).items():
        try:
            suite = load_suite(path)
        except KodomoError:
            continue
        out.append({"name": name, "description": suite.description, "criterion": suite.criterion,
                    "cases": len(suite.cases), "threshold": suite.threshold,
                    "planted_documents": len(suite.ingest)})  # fmt: skip
    return out


@router.post("/v1/evals/runs", response_model=EvalRunOut, status_code=202)
def start_run(body: EvalRunRequest, principal: Evaluator, state: StateDep) -> Any:
    """Start a run in the background; poll GET /v1/evals/runs/{id}."""
    from kodomo_ai.evals.suite import load_suites

    available = _suite_paths(state)
    unknown = [s for s in body.suites if s not in available]
    if unknown:
        raise ApiError(
            404,
            "unknown_suite",
            f"スイートがありません: {', '.join(unknown)}（{', '.join(available)}）",
            "suites",
        )
    suites = load_suites([available[s] for s in body.suites])
    try:  # an engine that is not configured is refused now, not reported as a run where every case failed
        state.consultant(body.engine)
    except KodomoError as exc:
        raise ApiError(
            422, "engine_unavailable", f"エンジン「{body.engine}」を使えません: {exc}", "engine"
        ) from None
    cap = int(getattr(state.settings, "max_eval_runs", 1) or 1)
    run_id = new_id()
    # The slots live in the service database, so the cap holds across every API worker.
    if not state.storage.claim_eval_slot(run_id, cap, SLOT_LEASE_SECONDS):
        # Each run competes with parents' consultations for the same CPU.
        raise ApiError(
            429, "too_many_eval_runs",
            f"同時に実行できる評価は{cap}件までです（実行中 {state.storage.held_eval_slots()} 件）。"
            "終わってからもう一度お試しください",
        )  # fmt: skip
    try:
        row = state.storage.create_eval_run(body.suites, body.engine, principal.key_id, run_id=run_id)
        thread = threading.Thread(
            target=_run,
            args=(state, row.id, suites, body.engine, body.workers),
            name=f"eval-{row.id[:8]}",
            daemon=True,
        )
        state.eval_threads[row.id] = thread
        thread.start()
    except BaseException:
        state.storage.release_eval_slot(run_id)
        raise
    state.storage.record_audit(
        audit_entry(principal, "evals:run", input=" ".join(body.suites), engine=body.engine)
    )
    return run_out(row)


def _run(state: AppState, run_id: str, suites: list[Any], engine: str, workers: int) -> None:
    from kodomo_ai.evals.runner import Runner, default_factory

    def factory(settings: Any, name: str) -> Any:
        # Reuse the app's loaded pipeline for the main index; planted suites get their own.
        return state.consultant(name) if settings is state.settings else default_factory(settings, name)

    state.storage.update_eval_run(run_id, status="running")
    runner = Runner(state.settings, engine=engine, workers=workers, probe=False, judge=None, factory=factory)
    try:
        # While running, the summary holds the progress the evaluation page shows as a bar.
        def progress(done: int, total: int) -> None:
            state.storage.update_eval_run(run_id, summary={"progress": {"done": done, "total": total}})
            state.storage.renew_eval_slot(run_id, SLOT_LEASE_SECONDS)

        result = runner.run(suites, source="api", progress=progress).model_dump(mode="json")
        state.storage.update_eval_run(run_id, status="done", result=result, summary=summary_of(result),
                                      finished_at=utcnow())  # fmt: skip
    except Exception as exc:  # the run fails visibly instead of staying "running"
        log.exception("eval run %s failed", run_id)
        state.storage.update_eval_run(run_id, status="failed", error=f"{type(exc).__name__}: {exc}",
                                      finished_at=utcnow())  # fmt: skip
    finally:
        runner.close()
        state.eval_threads.pop(run_id, None)
        state.storage.release_eval_slot(run_id)


@router.get("/v1/evals/runs", response_model=list[EvalRunOut])
def list_runs(principal: Evaluator, state: StateDep, limit: int = Query(default=20, ge=1, le=200)) -> Any:
    """Recent runs (without the full results)."""
    return [run_out(r, full=False) for r in state.storage.eval_runs(limit)]


@router.get("/v1/evals/runs/{run_id}", response_model=EvalRunOut)
def get_run(principal: Evaluator, state: StateDep, run_id: str = Path(max_length=64)) -> Any:
    """One run with its status, summary and (when done) full results."""
    row = state.storage.eval_run(run_id)
    if row is None:
        raise ApiError(404, "not_found", "指定された評価の実行が見つかりません", "run_id")
    return run_out(row)


@router.get("/v1/evals/compare", response_model=dict[str, Any])
def compare(
    principal: Evaluator,
    state: StateDep,
    before: str = Query(max_length=64),
    after: str = Query(max_length=64),
) -> Any:
    """What changed between two finished runs (pass rates by suite and criterion, cases fixed or broken)."""
    from kodomo_ai.evals.compare import compare_runs
    from kodomo_ai.evals.results import RunResult

    results = []
    for name, run_id in (("before", before), ("after", after)):
        row = state.storage.eval_run(run_id)
        if row is None or row.result is None:
            raise ApiError(404, "not_found", "比較する評価の実行が見つからないか、まだ終わっていません", name)
        results.append(RunResult.model_validate(row.result))
    return compare_runs(results[0], results[1])
