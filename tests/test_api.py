"""The API over the real bundled corpus: consult (JSON + SSE), roles, limits, storage, audit, OpenAI compat."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import MODELS
from fastapi.testclient import TestClient

QUESTION = "出生届はいつまでに出せばいいですか"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, corpus_kb: Any) -> Any:
    """An app over the indexed corpus with its own SQLite database, plus one key per role."""
    from kodomo_ai.api import create_app
    from kodomo_ai.config import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("api-data"), models_path=MODELS)
    app = create_app(settings, knowledge_base=corpus_kb)
    storage = app.state.kodomo.storage
    keys = {role: storage.create_key(role, f"test {role}")[1]
            for role in ("caseworker", "trainer", "evaluator", "admin")}  # fmt: skip
    client = TestClient(app)
    client.keys = keys  # type: ignore[attr-defined]
    return client


def auth(api: Any, role: str) -> dict[str, str]:
    """Headers carrying the test key of `role`."""
    return {"Authorization": f"Bearer {api.keys[role]}"}


def parse_sse(text: str) -> list[tuple[str, Any]]:
    """Events of a Server-Sent Events body."""
    events = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        events.append((lines.get("event", ""), json.loads(lines["data"])))
    return events


def test_health_and_ready(api: Any) -> None:
    assert api.get("/healthz").json() == {"status": "ok", "checks": {}}
    ready = api.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["database"] == "ok"


def test_consult_answers_with_citations_and_stores_masked(api: Any) -> None:
    response = api.post("/v1/consult", json={"question": QUESTION + " 090-1234-5678 です"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["mode"] == "answer"
    assert "14日" in body["answer"]
    assert body["citations"] and all(c["doc_id"] for c in body["citations"])
    cited = {c["chunk_id"] for c in body["citations"]}
    assert cited == {p["chunk_id"] for p in body["passages"]}
    storage = api.app.state.kodomo.storage
    turn = storage.turn(body["answer_id"])
    assert turn is not None and "090-1234-5678" not in turn.question
    entry = storage.audit_since(limit=1)[0]
    assert entry.action == "consult" and entry.role == "parent" and entry.key_id is None
    assert "090-1234-5678" not in entry.input and entry.sources and entry.engine == "extractive"


def test_consult_stream_sends_deltas_then_final(api: Any) -> None:
    with api.stream("POST", "/v1/consult", json={"question": QUESTION, "stream": True}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        text = "".join(response.iter_text())
    events = parse_sse(text)
    assert [e for e, _ in events[:-1]] == ["delta"] * (len(events) - 1)
    kind, final = events[-1]
    assert kind == "final" and final["citations"] and final["answer_id"]
    assert "".join(d["text"] for _, d in events[:-1]).replace(" ", "") == final["answer"].replace(" ", "")


def test_emergency_escalates_with_numbers(api: Any) -> None:
    body = api.post("/v1/consult", json={"question": "子どもがけいれんして意識がないです"}).json()
    assert body["mode"] == "escalate"
    assert "119" in {c["number"] for c in body["escalation"]["contacts"]}


def test_errors_are_json_with_japanese_messages(api: Any) -> None:
    too_long = api.post("/v1/consult", json={"question": "あ" * 2001})
    assert too_long.status_code == 422
    error = too_long.json()["error"]
    assert error["code"] == "invalid_input" and error["field"] == "question" and "長すぎ" in error["message"]
    blank = api.post("/v1/consult", json={"question": "   "})
    assert blank.status_code == 422 and blank.json()["error"]["field"] == "question"
    bad_json = api.post("/v1/consult", content=b"{not json", headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 422 and "error" in bad_json.json()
    huge = api.post("/v1/consult", content=b"x" * (200 * 1024), headers={"Content-Type": "application/json"})
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "too_large"
    missing = api.get("/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["message"]


def test_roles_keys_401_403(api: Any) -> None:
    no_key = api.post("/v1/calc/child-allowance", json={})
    assert no_key.status_code == 401 and "APIキー" in no_key.json()["error"]["message"]
    wrong = api.get("/v1/flows", headers={"X-API-Key": "kdm_not-a-real-key"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_key"
    trainer_calc = api.post("/v1/calc/child-allowance", json={}, headers=auth(api, "trainer"))
    assert trainer_calc.status_code == 403 and "権限" not in trainer_calc.json()["error"]["code"]
    assert "自治体職員" in trainer_calc.json()["error"]["message"]
    parent_staff_audience = api.post("/v1/consult", json={"question": QUESTION, "audience": "caseworker"})
    assert parent_staff_audience.status_code == 401
    assert api.get("/v1/audit", headers=auth(api, "caseworker")).status_code == 403
    assert api.get("/v1/whoami", headers={"X-API-Key": api.keys["evaluator"]}).json()["role"] == "evaluator"
    basic = api.get("/v1/whoami", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401


def test_keys_are_stored_hashed_and_revocable(api: Any) -> None:
    created = api.post("/v1/keys", json={"role": "caseworker", "name": "窓口"}, headers=auth(api, "admin"))
    assert created.status_code == 201
    secret, key_id = created.json()["key"], created.json()["id"]
    storage = api.app.state.kodomo.storage
    row = next(r for r in storage.list_keys() if r.id == key_id)
    assert secret not in row.key_hash and len(row.key_hash) == 64
    assert api.get("/v1/flows", headers={"X-API-Key": secret}).status_code == 200
    assert api.delete(f"/v1/keys/{key_id}", headers=auth(api, "admin")).json()["revoked"] is True
    assert api.get("/v1/flows", headers={"X-API-Key": secret}).status_code == 401


def test_parent_rate_limit(api: Any) -> None:
    from kodomo_ai.api.auth import RateLimiter

    state = api.app.state.kodomo
    saved = state.limiter
    state.limiter = RateLimiter(2)
    try:
        codes = [api.post("/v1/search", json={"query": "児童手当"}).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert (
            api.post("/v1/search", json={"query": "児童手当"}, headers=auth(api, "caseworker")).status_code
            == 200
        )
    finally:
        state.limiter = saved


def test_search_feedback(api: Any) -> None:
    hits = api.post("/v1/search", json={"query": "児童手当の支給月", "k": 3}).json()
    assert len(hits) == 3 and {"chunk_id", "doc_id", "title", "source", "heading", "text", "score"} <= set(
        hits[0]
    )
    answer = api.post("/v1/consult", json={"question": QUESTION}).json()
    fb = api.post(
        "/v1/feedback",
        json={"answer_id": answer["answer_id"], "rating": "down", "comment": "山田太郎さんの件です"},
    )
    assert fb.status_code == 201
    stored = api.app.state.kodomo.storage.feedback_for(answer["answer_id"])
    assert stored[0].rating == "down" and "山田太郎" not in stored[0].comment
    unknown = api.post("/v1/feedback", json={"answer_id": "nope", "rating": "up"})
    assert unknown.status_code == 404 and unknown.json()["error"]["field"] == "answer_id"


def test_calc_flows(api: Any) -> None:
    rules = api.get("/v1/calc", headers=auth(api, "caseworker")).json()
    assert {r["name"] for r in rules} >= {"certification", "child-allowance", "free-childcare"}
    for rule in rules:
        result = api.post(f"/v1/calc/{rule['name']}", json=rule["example"], headers=auth(api, "caseworker"))
        assert result.status_code == 200, (rule["name"], result.text)
        assert result.json()["steps"]
    bad = api.post("/v1/calc/child-allowance", json={"children": []}, headers=auth(api, "caseworker"))
    assert bad.status_code == 422 and bad.json()["error"]["field"]
    assert api.post("/v1/calc/nope", json={}, headers=auth(api, "caseworker")).status_code == 404
    flows = api.get("/v1/flows", headers=auth(api, "caseworker")).json()
    assert flows
    flow = api.get(f"/v1/flows/{flows[0]['name']}", headers=auth(api, "caseworker")).json()
    assert flow["mermaid"].startswith("flowchart") or "flowchart" in flow["mermaid"]


def test_documents_list_upload_retire(api: Any, tmp_path: Path) -> None:
    admin = auth(api, "admin")
    docs = api.get("/v1/documents", headers=admin).json()
    assert any(d["doc_id"] == "nat-shussei-todoke" for d in docs)
    assert all(d["stale"] for d in docs if d["effective_to"] and d["effective_to"] < "2025-01-01")
    text = (
        "---\ndoc_id: test-upload\ntitle: テスト用の文書\npublished: 2025-04-01\naudience: [parent]\n"
        "doc_type: faq\n---\n# テスト用の文書\n\n## 受付時間\nみどり市の窓口は平日9時から17時まで開いています。\n"
    )
    upload = api.post(
        "/v1/documents", files={"file": ("upload.md", text.encode(), "text/markdown")}, headers=admin
    )
    assert upload.status_code == 201, upload.text
    assert upload.json()["added"] == ["test-upload"]
    wrong_type = api.post(
        "/v1/documents", files={"file": ("x.exe", b"MZ", "application/octet-stream")}, headers=admin
    )
    assert wrong_type.status_code == 415 and wrong_type.json()["error"]["field"] == "file"
    broken = api.post(
        "/v1/documents", files={"file": ("bad.md", b"---\n: [\n---\n", "text/markdown")}, headers=admin
    )
    assert broken.status_code == 422
    assert not (Path(api.app.state.kodomo.settings.data_dir) / "uploads" / "bad.md").exists()
    assert api.delete("/v1/documents/test-upload", headers=admin).json() == {
        "doc_id": "test-upload",
        "retired": True,
    }
    assert api.delete("/v1/documents/test-upload", headers=admin).status_code == 404


def test_openai_chat_completions(api: Any) -> None:
    messages = [{"role": "system", "content": "丁寧に"}, {"role": "user", "content": QUESTION}]
    body = api.post("/v1/chat/completions", json={"model": "kodomo-ai", "messages": messages}).json()
    assert body["object"] == "chat.completion"
    content = body["choices"][0]["message"]["content"]
    assert "出典:" in content and body["citations"]
    with api.stream("POST", "/v1/chat/completions", json={"model": "kodomo-ai", "messages": messages,
                                                          "stream": True}) as response:  # fmt: skip
        lines = [line for line in response.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[6:]) for line in lines[:-1]]
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["citations"]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert "出典:" in text
    assert api.get("/v1/models").json()["data"][0]["id"] == "kodomo-ai"
    assert api.post("/v1/chat/completions", json={"model": "gpt-9", "messages": messages}).status_code == 404


def test_audit_export_cli(api: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from kodomo_ai.cli import main
    from kodomo_ai.config import get_settings

    settings = api.app.state.kodomo.settings
    monkeypatch.setenv("KODOMO_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    api.post("/v1/consult", json={"question": QUESTION + " 佐藤花子さんの子です"})
    out = tmp_path / "audit.csv"
    result = CliRunner().invoke(main, ["audit", "export", "--since", "2020-01-01", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows and {"role", "key_id", "input", "output", "sources", "engine", "latency_ms", "at"} <= set(
        rows[0]
    )
    assert not any("佐藤花子" in r["input"] for r in rows)
    created = CliRunner().invoke(main, ["keys", "create", "--role", "evaluator", "--name", "ci"])
    assert created.exit_code == 0 and created.output.strip().splitlines()[-1].startswith("kdm_")


def test_eval_run_in_background(api: Any) -> None:
    import time

    headers = auth(api, "evaluator")
    suites = api.get("/v1/evals/suites", headers=headers).json()
    assert suites
    # A suite that plants documents first indexes a copy of the corpus; the background run is the point here.
    smallest = min((s for s in suites if not s["planted_documents"]), key=lambda s: s["cases"])["name"]
    run = api.post("/v1/evals/runs", json={"suites": [smallest]}, headers=headers)
    assert run.status_code == 202, run.text
    run_id = run.json()["id"]
    deadline = time.time() + 300
    while time.time() < deadline:
        status = api.get(f"/v1/evals/runs/{run_id}", headers=headers).json()
        if status["status"] in ("done", "failed"):
            break
        time.sleep(1)
    assert status["status"] == "done", status.get("error")
    assert status["summary"]["cases"] > 0 and status["result"]["criteria"]
    diff = api.get("/v1/evals/compare", params={"before": run_id, "after": run_id}, headers=headers)
    assert diff.status_code == 200
    assert api.post("/v1/evals/runs", json={"suites": ["nope"]}, headers=headers).status_code == 404
