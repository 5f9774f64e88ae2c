"""Documents: list with staleness, upload and ingest (one transaction), quarantine, retire (admin)."""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, File, Path, UploadFile

from kodomo_ai.api.deps import Admin, Staff, StateDep
from kodomo_ai.api.errors import ApiError
from kodomo_ai.api.records import audit_entry
from kodomo_ai.api.schemas import DocumentOut, IngestOut, QuarantineOut, RetireOut

router = APIRouter(tags=["documents"])
STALE_AFTER_YEARS = 3
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def staleness(doc: dict[str, Any], today: dt.date) -> tuple[bool, str]:
    """(stale, reason): the rule's effective_to has passed, or the newest source is over 3 years old."""
    effective_to = doc.get("effective_to")
    if effective_to and str(effective_to) < today.isoformat():
        return True, f"適用期間が終わっています（{effective_to}まで）"
    published = doc.get("published")
    limit = today.replace(year=today.year - STALE_AFTER_YEARS) if not (today.month == 2 and today.day == 29) \
        else today.replace(year=today.year - STALE_AFTER_YEARS, day=28)  # fmt: skip
    if published and str(published) < limit.isoformat():
        return True, f"公表から{STALE_AFTER_YEARS}年以上たっています（{published}）"
    if not published:
        return False, "公表日が記録されていません"
    return False, ""


def document_rows(docs: list[dict[str, Any]], today: dt.date) -> list[dict[str, Any]]:
    """Catalog rows as DocumentOut dicts with staleness."""
    out = []
    for doc in docs:
        stale, reason = staleness(doc, today)
        out.append({
            "doc_id": doc["doc_id"], "title": doc.get("title", ""), "doc_type": doc.get("doc_type", ""),
            "publisher": doc.get("publisher", ""), "source": doc.get("source", ""),
            "published": doc.get("published"), "effective_from": doc.get("effective_from"),
            "effective_to": doc.get("effective_to"), "municipality": doc.get("municipality"),
            "audience": doc.get("audience", []), "chunks": doc.get("chunks", 0),
            "ingested_at": doc.get("ingested_at", ""), "stale": stale, "stale_reason": reason,
        })  # fmt: skip
    return out


@router.get("/v1/documents", response_model=list[DocumentOut])
def list_documents(principal: Staff, state: StateDep, stale_only: bool = False) -> Any:
    """Indexed documents, with which are stale (effective_to passed or published over 3 years ago)."""
    rows = document_rows(state.kb.catalog.documents(), dt.date.today())
    return [r for r in rows if r["stale"]] if stale_only else rows


@router.get("/v1/documents/quarantine", response_model=list[QuarantineOut])
def list_quarantine(principal: Admin, state: StateDep) -> Any:
    """Documents kept out of the index, with the sentence that kept each out and why."""
    return [
        {"doc_id": q["doc_id"], "file": FsPath(q["path"]).name, "findings": q["findings"], "at": q["at"]}
        for q in state.kb.catalog.quarantined()
    ]


@router.post("/v1/documents", response_model=IngestOut, status_code=201)
def upload_document(principal: Admin, state: StateDep, file: Annotated[UploadFile, File()]) -> Any:
    """Upload one document (Markdown, text, HTML, PDF, DOCX) and ingest it; a failed upload changes nothing."""
    from kodomo_ai.ingest.loaders import SUPPORTED_SUFFIXES
    from kodomo_ai.ingest.pipeline import IngestReport, ingest_paths

    name = FsPath(file.filename or "").name
    suffix = FsPath(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ApiError(415, "unsupported_type",
                       f"対応していない形式です（{suffix or '拡張子なし'}）。対応: {' '.join(SUPPORTED_SUFFIXES)}", "file")  # fmt: skip
    max_bytes = int(state.settings.max_file_mb * 2**20)
    uploads = FsPath(state.settings.data_dir) / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    target = uploads / (_SAFE_NAME.sub("_", FsPath(name).stem)[:80] + suffix)
    with tempfile.TemporaryDirectory(dir=uploads, prefix=".upload-") as tmp:
        staged = FsPath(tmp) / target.name
        size = 0
        with staged.open("wb") as out:
            while chunk := file.file.read(2**20):
                size += len(chunk)
                if size > max_bytes:
                    raise ApiError(
                        413,
                        "too_large",
                        f"ファイルが大きすぎます（上限 {state.settings.max_file_mb:g}MB）",
                        "file",
                    )
                out.write(chunk)
        if size == 0:
            raise ApiError(422, "invalid_input", "ファイルが空です", "file")
        previous = FsPath(tmp) / "previous"
        moved: list[bool] = []

        def install(report: IngestReport) -> None:
            # Under the writer lock, just before the swap: only a clean upload replaces the live file.
            if report.errors or report.quarantined:
                return
            if target.exists():
                os.replace(target, previous)
            os.replace(staged, target)
            moved.append(True)

        try:
            report = ingest_paths(
                state.kb, [staged], max_bytes=max_bytes, screen=state.document_screen(),
                record_as={staged: target}, before_publish=install,
            )  # fmt: skip
        except Exception as exc:
            if moved:  # the swap failed after the file went in place: put the previous one back
                if previous.exists():
                    os.replace(previous, target)
                else:
                    target.unlink(missing_ok=True)
            raise ApiError(
                503, "index_unavailable", f"索引を更新できませんでした（{type(exc).__name__}）"
            ) from exc
        if report.quarantined:
            findings = [f for q in report.quarantined for f in q.findings]
            reason = " / ".join(f"「{f.sentence[:60]}」 {f.reason}" for f in findings[:3])
            state.storage.record_audit(
                audit_entry(
                    principal, "documents:upload", status=422, input=name, output=f"quarantined: {reason}"
                )
            )
            raise ApiError(422, "quarantined", f"取り込みを保留しました（隔離）: {reason}", "file")
        if report.errors:
            reason = "; ".join(e.reason for e in report.errors)
            state.storage.record_audit(
                audit_entry(principal, "documents:upload", status=422, input=name, output=reason)
            )
            raise ApiError(422, "ingest_failed", f"取り込めませんでした（{name}）: {reason}", "file")
    state.storage.record_audit(
        audit_entry(
            principal,
            "documents:upload",
            input=name,
            output=report.summary(),
            sources=report.added + report.updated,
        )  # fmt: skip
    )
    return {
        "added": report.added, "updated": report.updated, "unchanged": report.unchanged,
        "errors": [str(e) for e in report.errors], "chunks": report.chunks, "seconds": round(report.seconds, 2),
        "generation": report.generation,
    }  # fmt: skip


@router.delete("/v1/documents/{doc_id}", response_model=RetireOut)
def retire(principal: Admin, state: StateDep, doc_id: str = Path(max_length=120)) -> Any:
    """Remove a document from the index."""
    from kodomo_ai.ingest.pipeline import retire_document

    if not retire_document(state.kb, doc_id):
        raise ApiError(404, "not_found", f"文書「{doc_id}」は登録されていません", "doc_id")
    state.storage.record_audit(audit_entry(principal, "documents:retire", input=doc_id, sources=[doc_id]))
    return {"doc_id": doc_id, "retired": True}
