"""Run suites against the consultation engine: ask every case, apply its checks, collect metrics."""

from __future__ import annotations

import logging
import platform
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from kodomo_ai.config import Settings
from kodomo_ai.evals import checks
from kodomo_ai.evals.checks.citations import retrieved_doc_ids, retrieved_hits
from kodomo_ai.evals.checks.result import CheckResult
from kodomo_ai.evals.metrics import id_context_precision, id_context_recall, text_metrics
from kodomo_ai.evals.results import (
    AnswerRecord,
    CaseResult,
    CheckRecord,
    RunResult,
    aggregate_metrics,
    summarise,
)
from kodomo_ai.evals.suite import Case, Suite
from kodomo_ai.schema import Answer

log = logging.getLogger(__name__)

ConsultantFactory = Callable[[Settings, str], Any]
# Engines that hold one in-process model and must not be asked from several threads at once.
SERIAL_ENGINES = {"llamacpp"}
PROBE_LABEL = "外部LLM検査"
# Kinds whose point is the answer's content: only these must cite sources and ground every figure
# (a PII or injection case is judged on what leaks, not on how complete its answer is).
CONTENT_KINDS = {"factual", "robustness", "fairness", "consistency"}


def default_factory(settings: Settings, engine: str) -> Any:
    """Build the real consultant (loads index, embedder and engine once)."""
    from kodomo_ai.consult import Consultant

    return Consultant.from_settings(settings, engine=engine)


# The case a worker thread is asking right now, so log records can be attributed to it.
_current = threading.local()


def current_case() -> str | None:
    """Return the key of the case being asked on this thread (None outside a case)."""
    return getattr(_current, "key", None)


@contextmanager
def asking(key: str) -> Iterator[None]:
    """Mark this thread as asking case `key` while the block runs."""
    previous = current_case()
    _current.key = key
    try:
        yield
    finally:
        _current.key = previous


class LogCapture(logging.Handler):
    """Keeps every record logged under `kodomo_ai` during a run, to look for leaked personal data.

    Handlers run on the thread that logs, so each record is filed under the case that thread is asking;
    records logged outside any case are kept under None and checked against every case.
    """

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.by_case: dict[str | None, list[str]] = {}
        self._lines_lock = threading.Lock()

    @property
    def lines(self) -> list[str]:
        """Every captured line, whichever case logged it."""
        with self._lines_lock:
            return [line for lines in self.by_case.values() for line in lines]

    def lines_for(self, key: str) -> list[str]:
        """Lines logged while case `key` was asked, plus those logged outside any case."""
        with self._lines_lock:
            return [*self.by_case.get(key, []), *self.by_case.get(None, [])]

    def emit(self, record: logging.LogRecord) -> None:
        """Store the formatted message and any structured extras under the current case."""
        try:
            text = record.getMessage()
        except Exception:  # a bad format string must not break the run
            text = str(record.msg)
        extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD_RECORD_KEYS}
        if extras:
            text += " " + repr(extras)
        with self._lines_lock:
            self.by_case.setdefault(current_case(), []).append(text)


_STANDARD_RECORD_KEYS = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


@contextmanager
def capture_logs(level: int = logging.INFO) -> Iterator[LogCapture]:
    """Attach a LogCapture to the `kodomo_ai` logger (at `level` or finer) for the duration."""
    logger = logging.getLogger("kodomo_ai")
    handler = LogCapture()
    previous = logger.level
    if logger.level == logging.NOTSET or logger.level > level:
        logger.setLevel(level)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def git_short_sha(cwd: Path | None = None) -> str:
    """Return the current git commit's short sha, or 'nogit'."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except OSError:
        return "nogit"
    return out.stdout.strip() or "nogit"


def _record(answer: Answer | None, label: str, question: str, error: str | None = None) -> AnswerRecord:
    if answer is None:
        return AnswerRecord(label=label, question=question, error=error)
    return AnswerRecord(
        label=label,
        question=question,
        mode=answer.mode,
        answer=answer.answer,
        citations=[c.model_dump() for c in answer.citations],
        escalation=answer.escalation.model_dump() if answer.escalation else None,
        engine=answer.engine,
        latency_ms=answer.latency_ms,
        retrieved_doc_ids=retrieved_doc_ids(answer),
        notes=list(answer.notes),
        error=error,
    )


class Runner:
    """Runs cases with one consultant (plus one over a planted index, and a remote probe for PII)."""

    def __init__(
        self,
        settings: Settings,
        *,
        engine: str = "extractive",
        workers: int = 2,
        probe: bool = True,
        judge: Any = None,
        factory: ConsultantFactory = default_factory,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.workers = 1 if engine in SERIAL_ENGINES else max(1, workers)
        self.use_probe = probe
        self.judge = judge
        self.factory = factory
        self.notes: list[str] = []
        self._consultants: dict[str, Any] = {}
        self._build_lock = threading.Lock()
        self._probe_lock = threading.Lock()
        self._probe: Any = None
        self._remote: dict[str, Any] = {}  # "main" / "planted" -> consultant with the openai engine
        self._remote_error: str | None = None
        self._planted_settings: Settings | None = None
        # The first answer of each case, kept for the judge (it needs the retrieved chunks' text).
        self._primary: dict[tuple[str, str], Answer] = {}

    # --- consultants -------------------------------------------------------------------------------

    def _consultant(self, suite: Suite) -> Any:
        key = "planted" if suite.ingest else "main"
        with self._build_lock:
            if key not in self._consultants:
                settings = self._planted_settings if suite.ingest else self.settings
                if settings is None:
                    raise RuntimeError("planted index was not prepared")
                self._consultants[key] = self.factory(settings, self.engine)
            return self._consultants[key]

    def _remote_consultant(self, suite: Suite) -> Any:
        """The `openai` engine pointed at the recording probe, over the same index as the suite (built once)."""
        key = "planted" if suite.ingest else "main"
        with self._build_lock:
            if self._remote_error is not None:
                return None
            if key not in self._remote:
                from kodomo_ai.evals.probe import RecordingServer

                if self._probe is None:
                    self._probe = RecordingServer().start()
                base = self._planted_settings if suite.ingest else self.settings
                if base is None:
                    raise RuntimeError("planted index was not prepared")
                remote_settings = base.model_copy(
                    update={
                        "openai_base_url": self._probe.base_url,
                        "openai_api_key": "probe",
                        "openai_model": "probe",
                    }
                )
                try:
                    self._remote[key] = self.factory(remote_settings, "openai")
                except Exception as error:  # the openai engine may be unavailable in this install
                    self._remote_error = f"{type(error).__name__}: {error}"
                    self.notes.append(
                        f"外部LLMへの送信検査を省略: openai エンジンを起動できない（{self._remote_error}）"
                    )
                    return None
            return self._remote[key]

    def close(self) -> None:
        """Stop the probe server and release consultants."""
        if self._probe is not None:
            self._probe.stop()
            self._probe = None
        for consultant in [*self._consultants.values(), *self._remote.values()]:
            closer = getattr(consultant, "close", None)
            if callable(closer):
                closer()
        self._consultants.clear()
        self._remote.clear()

    # --- one case ----------------------------------------------------------------------------------

    def _ask(
        self, consultant: Any, case: Case, question: str, label: str
    ) -> tuple[Answer | None, AnswerRecord]:
        started = time.perf_counter()
        try:
            answer: Answer = consultant.ask(
                question, audience=case.audience, history=case.history or None, plain=case.plain
            )
        except Exception as error:  # an engine failure is a failed case, not a crashed run
            log.warning("case %s (%s) raised %s", case.id, label, error)
            return None, _record(None, label, question, f"{type(error).__name__}: {error}")
        if not answer.latency_ms:
            answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer, _record(answer, label, question)

    def _answer_checks(self, case: Case, answer: Answer, question: str) -> list[tuple[str, CheckResult]]:
        """Checks that apply to every single answer of a case."""
        expect = case.expect
        out: list[tuple[str, CheckResult]] = []
        if expect.mode:
            out.append(("mode", checks.check_mode(answer, expect.mode)))
        if expect.facts:
            out.append(("facts", checks.check_facts(answer.answer, expect.facts)))
        if expect.must_not:
            out.append(("must_not", checks.check_must_not(answer.answer, expect.must_not)))
        if expect.contacts:
            out.append(("contacts", checks.check_contacts(answer, expect.contacts)))
        if expect.refer:
            out.append(("referral", checks.check_referral(answer)))
        if expect.cite and answer.mode == "answer":
            out.append(("cite", checks.check_cited_docs(answer, expect.cite)))
        out.append(("citations_valid", checks.check_citations_valid(answer)))
        if answer.mode == "answer" and case.kind in CONTENT_KINDS:
            out.append(("has_citations", checks.check_has_citations(answer)))
            out.append(("numbers_grounded", checks.check_numbers_grounded(answer, question)))
        if case.kind == "pii":
            out.append(("pii_answer", checks.check_answer_pii(answer, case.planted)))
        if case.kind == "injection" and case.planted:
            out.append(("injection", checks.check_injection(answer, case.planted)))
        return out

    def run_case(self, suite: Suite, case: Case) -> CaseResult:
        """Ask a case (its question, repeats and variants) and apply every check that applies."""
        consultant = self._consultant(suite)
        questions = [("質問", case.question)]
        repeats = case.repeat if case.repeat > 1 else (2 if case.kind == "consistency" else 1)
        questions += [(f"再質問{i}", case.question) for i in range(2, repeats + 1)]
        questions += [(f"言い換え{i}", v) for i, v in enumerate(case.variants, start=1)]
        records: list[AnswerRecord] = []
        answers: list[tuple[str, Answer]] = []
        result_checks: list[CheckRecord] = []
        for label, question in questions:
            answer, record = self._ask(consultant, case, question, label)
            records.append(record)
            if answer is None:
                result_checks.append(
                    CheckRecord(name="error", passed=False, detail=record.error or "", target=label)
                )
                continue
            answers.append((label, answer))
            for name, res in self._answer_checks(case, answer, question):
                result_checks.append(
                    CheckRecord(name=name, passed=res.passed, detail=res.detail, target=label)
                )
        group = [a for _, a in answers]
        labels = [lbl for lbl, _ in answers]
        if len(group) > 1:
            if case.kind == "fairness":
                res = checks.check_same_substance(group, case.expect.facts, labels)
                result_checks.append(
                    CheckRecord(name="same_substance", passed=res.passed, detail=res.detail, target="全属性")
                )
            else:
                res = checks.check_agreement(group, case.expect.facts, labels)
                result_checks.append(
                    CheckRecord(name="agreement", passed=res.passed, detail=res.detail, target="全回答")
                )
        if case.kind == "pii" and self.use_probe:
            records_remote, remote_checks = self._probe_case(suite, case)
            records.extend(records_remote)
            result_checks.extend(remote_checks)
        primary = answers[0][1] if answers and answers[0][0] == "質問" else None
        if primary is not None:
            self._primary[(suite.name, case.id)] = primary
        metrics = self._case_metrics(case, primary)
        passed = all(c.passed or c.skipped for c in result_checks) and bool(answers)
        return CaseResult(
            suite=suite.name,
            id=case.id,
            criterion=case.criterion,
            kind=case.kind or "factual",
            audience=case.audience,
            question=case.question,
            passed=passed,
            checks=result_checks,
            answers=records,
            metrics=metrics,
            expect=case.expect.model_dump(),
            note=case.note,
        )

    def _probe_case(self, suite: Suite, case: Case) -> tuple[list[AnswerRecord], list[CheckRecord]]:
        """Ask a PII case through the `openai` engine at the recording probe and check what was sent."""
        remote = self._remote_consultant(suite)
        if remote is None:
            detail = f"省略: {self._remote_error}"
            return [], [
                CheckRecord(name="pii_prompt", passed=True, skipped=True, detail=detail, target=PROBE_LABEL)
            ]
        with self._probe_lock:  # one case at a time, so every recorded prompt belongs to this case
            self._probe.clear()
            answer, record = self._ask(remote, case, case.question, PROBE_LABEL)
            prompts = self._probe.prompts()
        out = [
            CheckRecord(
                name="pii_prompt",
                target=PROBE_LABEL,
                **checks.check_prompts_pii(prompts, case.planted)._asdict(),
            )
        ]
        if answer is not None:
            res = checks.check_answer_pii(answer, case.planted)
            out.append(
                CheckRecord(name="pii_answer", passed=res.passed, detail=res.detail, target=PROBE_LABEL)
            )
        return [record], out

    def _case_metrics(self, case: Case, answer: Answer | None) -> dict[str, float | None]:
        if answer is None:
            return {}
        metrics: dict[str, float | None] = {"latency_ms": answer.latency_ms}
        if case.expect.facts:
            metrics["fact_recall"] = checks.fact_recall(answer.answer, case.expect.facts)
        if case.reference and answer.mode == "answer":
            metrics.update(text_metrics(case.reference, answer.answer))
        expected_docs = case.expect.cited_doc_ids()
        if expected_docs and answer.mode == "answer":
            retrieved = retrieved_doc_ids(answer)
            metrics["id_context_precision"] = id_context_precision(retrieved, expected_docs)
            metrics["id_context_recall"] = id_context_recall(retrieved, expected_docs)
        return metrics

    # --- the run -----------------------------------------------------------------------------------

    def _judge_cases(self, pairs: list[tuple[Case, CaseResult, Answer | None]]) -> None:
        for case, result, answer in pairs:
            # Personal data never goes to a remote judge either: PII cases and planted text are skipped.
            if answer is None or answer.mode != "answer" or case.kind in ("pii", "injection") or case.planted:
                continue
            contexts = [h.text for h in retrieved_hits(answer) or []]
            scores, notes = self.judge.score(case.question, answer.answer, contexts)
            result.metrics.update(scores)
            for note in notes:
                if note not in self.notes:
                    self.notes.append(note)

    def run(
        self, suites: list[Suite], *, source: str = "", progress: Callable[[int, int], None] | None = None
    ) -> RunResult:
        """Run every case of every suite and return the results; `progress(done, total)` after each case."""
        started = datetime.now().astimezone()
        if any(s.ingest for s in suites) and self._planted_settings is None:
            from kodomo_ai.evals.planted import planted_settings

            paths = sorted({p for s in suites for p in s.ingest_paths()})
            self._planted_settings = planted_settings(self.settings, paths)
            self.notes.append("埋め込み文書を含む一時インデックスを作成: " + ", ".join(p.name for p in paths))
        jobs = [(suite, case) for suite in suites for case in suite.cases]
        with capture_logs() as logs:
            with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="eval") as pool:
                results = []
                for result in pool.map(self._run_job, jobs):
                    results.append(result)
                    if progress is not None:
                        progress(len(results), len(jobs))
        self._check_logs(jobs, results, logs)
        if self.judge is not None:
            pairs = [
                (case, res, self._primary.get((s.name, case.id)))
                for (s, case), res in zip(jobs, results, strict=True)
            ]
            self._judge_cases(pairs)
        else:
            self.notes.append(
                "LLM判定の指標（faithfulness など）は判定モデル未設定のため省略（KODOMO_JUDGE_BASE_URL）"
            )
        suite_rows, criterion_rows = summarise(suites, results)
        finished = datetime.now().astimezone()
        meta = {
            "started": started.isoformat(timespec="seconds"),
            "finished": finished.isoformat(timespec="seconds"),
            "duration_s": round((finished - started).total_seconds(), 1),
            "engine": self.engine,
            "workers": self.workers,
            "git_sha": git_short_sha(),
            "host": platform.node(),
            "python": platform.python_version(),
            "judge": getattr(self.judge, "model", None),
            "probe": self.use_probe,
            "source": source,
            "cases": len(results),
        }
        return RunResult(
            meta=meta,
            suites=suite_rows,
            criteria=criterion_rows,
            metrics=aggregate_metrics(results),
            cases=results,
            notes=list(self.notes),
        )

    def _run_job(self, job: tuple[Suite, Case]) -> CaseResult:
        suite, case = job
        try:
            with asking(f"{suite.name}/{case.id}"):
                return self.run_case(suite, case)
        except Exception as error:  # keep going: one broken case must not hide the others
            log.exception("case %s crashed", case.id)
            return CaseResult(
                suite=suite.name,
                id=case.id,
                criterion=case.criterion,
                kind=case.kind or "factual",
                audience=case.audience,
                question=case.question,
                passed=False,
                error=f"{type(error).__name__}: {error}",
                checks=[CheckRecord(name="error", passed=False, detail=str(error))],
                expect=case.expect.model_dump(),
            )

    def _check_logs(
        self, jobs: list[tuple[Suite, Case]], results: list[CaseResult], logs: LogCapture
    ) -> None:
        """Fail a PII case when its planted data shows up in what was logged while it was asked."""
        for (suite, case), result in zip(jobs, results, strict=True):
            if case.kind != "pii":
                continue
            res = checks.check_logs_pii(logs.lines_for(f"{suite.name}/{case.id}"), case.planted)
            result.checks.append(
                CheckRecord(name="pii_logs", passed=res.passed, detail=res.detail, target="ログ")
            )
            result.passed = result.passed and res.passed
