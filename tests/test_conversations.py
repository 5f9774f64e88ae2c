"""Saved conversations per browser (list, resume, delete, kept days) and the admins' feedback review."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import MODELS, ROOT
from fastapi.testclient import TestClient

QUESTION = "出生届はいつまでに出せばいいですか"
BROWSER_A = {"X-Browser-Id": "browser-a-0123456789abcdef"}
BROWSER_B = {"X-Browser-Id": "browser-b-0123456789abcdef"}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Any:
    """An app over the 5-document test corpus with its own SQLite database and an admin key."""
    from kodomo_ai.api import create_app
    from kodomo_ai.config import Settings
    from kodomo_ai.index.knowledge_base import KnowledgeBase
    from kodomo_ai.ingest.pipeline import ingest_paths

    kb = KnowledgeBase.open(tmp_path_factory.mktemp("conv-index"), embedder, collection="conv-kodomo")
    assert not ingest_paths(kb, [ROOT / "tests" / "data" / "corpus"]).errors
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("conv-data"), models_path=MODELS, conversation_days=7
    )
    app = create_app(settings, knowledge_base=kb)
    client = TestClient(app)
    storage = app.state.kodomo.storage
    client.keys = {r: storage.create_key(r)[1] for r in ("admin", "caseworker")}  # type: ignore[attr-defined]
    return client


def ask(api: Any, question: str = QUESTION, conversation_id: str | None = None) -> dict[str, Any]:
    """One keyless consult."""
    body: dict[str, Any] = {"question": question}
    if conversation_id:
        body["conversation_id"] = conversation_id
    response = api.post("/v1/consult", json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def save(api: Any, reply: dict[str, Any], headers: dict[str, str], **changes: Any) -> Any:
    """Save an answer as the page showed it."""
    shown = {key: reply[key] for key in ("answer", "citations", "passages", "escalation")} | changes
    path = f"/v1/conversations/{reply['conversation_id']}/turns/{reply['answer_id']}"
    return api.put(path, json=shown, headers=headers)


def test_a_browser_lists_resumes_and_deletes_only_its_own(api: Any) -> None:
    first = ask(api)
    assert save(api, first, BROWSER_A).status_code == 204
    second = ask(api, "児童手当はいくらですか", conversation_id=first["conversation_id"])
    assert save(api, second, BROWSER_A).status_code == 204

    listed = api.get("/v1/conversations", headers=BROWSER_A).json()
    mine = [c for c in listed if c["conversation_id"] == first["conversation_id"]]
    assert mine and mine[0]["turns"] == 2 and mine[0]["title"] == QUESTION
    assert not [c for c in api.get("/v1/conversations", headers=BROWSER_B).json()
                if c["conversation_id"] == first["conversation_id"]]  # fmt: skip

    resumed = api.get(f"/v1/conversations/{first['conversation_id']}", headers=BROWSER_A).json()
    assert [t["question"] for t in resumed["turns"]] == [QUESTION, "児童手当はいくらですか"]
    assert resumed["turns"][0]["answer"] == first["answer"] and resumed["kept_days"] == 7
    assert [c["chunk_id"] for c in resumed["turns"][0]["citations"]] == [
        c["chunk_id"] for c in first["citations"]
    ]
    assert resumed["turns"][0]["passages"]
    assert api.get(f"/v1/conversations/{first['conversation_id']}", headers=BROWSER_B).status_code == 404

    # Another browser can neither add to this conversation nor delete it.
    third = ask(api, "一時預かりは使えますか", conversation_id=first["conversation_id"])
    assert save(api, third, BROWSER_B).status_code == 404
    assert api.delete(f"/v1/conversations/{first['conversation_id']}", headers=BROWSER_B).status_code == 404

    deleted = api.delete(f"/v1/conversations/{first['conversation_id']}", headers=BROWSER_A)
    assert deleted.status_code == 200 and deleted.json()["deleted"] == 2
    assert api.get(f"/v1/conversations/{first['conversation_id']}", headers=BROWSER_A).status_code == 404
    storage = api.app.state.kodomo.storage
    assert storage.turn(first["answer_id"]) is None and storage.conversation(first["conversation_id"]) == []


def test_saving_needs_the_recorded_answer_and_a_browser_id(api: Any) -> None:
    answer = ask(api)
    assert save(api, answer, BROWSER_A, answer="別の文章に書き換えた回答").status_code == 404
    assert save(api, answer, {}).status_code == 422
    assert save(api, answer, {"X-Browser-Id": "short"}).status_code == 422
    other = dict(answer, conversation_id="not-this-conversation")
    assert save(api, other, BROWSER_A).status_code == 404
    assert api.get("/v1/conversations").status_code == 422


def test_conversations_older_than_the_kept_days_are_deleted(api: Any) -> None:
    from sqlalchemy import update

    from kodomo_ai.api.storage import SavedTurn

    answer = ask(api)
    assert save(api, answer, BROWSER_A).status_code == 204
    storage = api.app.state.kodomo.storage
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=8)
    with storage.session() as session:
        session.execute(
            update(SavedTurn).where(SavedTurn.answer_id == answer["answer_id"]).values(created_at=old)
        )
    listed = api.get("/v1/conversations", headers=BROWSER_A).json()
    assert answer["conversation_id"] not in {c["conversation_id"] for c in listed}
    assert storage.turn(answer["answer_id"]) is None


def test_admins_review_thumbs_down_with_question_answer_sources_and_comment(api: Any) -> None:
    answer = ask(api)
    sent = api.post("/v1/feedback", json={"answer_id": answer["answer_id"], "rating": "down",
                                          "comment": "期限の数え方がわかりにくい"})  # fmt: skip
    assert sent.status_code == 201, sent.text
    admin = {"X-API-Key": api.keys["admin"]}
    assert api.get("/v1/feedback").status_code == 401
    assert api.get("/v1/feedback", headers={"X-API-Key": api.keys["caseworker"]}).status_code == 403
    items = api.get("/v1/feedback", headers=admin).json()
    item = next(i for i in items if i["id"] == sent.json()["id"])
    assert item["question"] == QUESTION and item["answer"] == answer["answer"]
    assert item["comment"] == "期限の数え方がわかりにくい" and not item["handled"]
    assert {s["chunk_id"] for s in item["sources"]} == {c["chunk_id"] for c in answer["citations"]}

    marked = api.patch(f"/v1/feedback/{item['id']}", json={"note": "カードを直す"}, headers=admin)
    assert marked.status_code == 200 and marked.json()["handled"] and marked.json()["note"] == "カードを直す"
    assert item["id"] not in {i["id"] for i in api.get("/v1/feedback", headers=admin).json()}
    handled = api.get("/v1/feedback", params={"status": "handled"}, headers=admin).json()
    assert item["id"] in {i["id"] for i in handled}
    reopened = api.patch(f"/v1/feedback/{item['id']}", json={"handled": False}, headers=admin)
    assert reopened.status_code == 200 and not reopened.json()["handled"]
    assert api.patch("/v1/feedback/nothing", json={}, headers=admin).status_code == 404


def test_limits_show_the_configured_upload_size(api: Any) -> None:
    limits = api.get("/v1/limits").json()
    assert limits == {"max_file_mb": 20.0, "max_question_chars": 2000, "conversation_days": 7}
