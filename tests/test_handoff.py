"""Hand-off on the web: a request for a person opens a case; caseworkers list, read, reply, note and close."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from line_server import small_app

from kodomo_ai.handoff.hours import TOKYO, load_office, when_text
from kodomo_ai.handoff.urgency import read_need

ASK_PERSON = "担当者と直接話せますか？人と話したい"


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory, people_kb: Any) -> Iterator[dict[str, Any]]:
    """The API over the test corpus with caseworker and trainer keys."""
    data_dir = tmp_path_factory.mktemp("handoff-data")
    app = small_app(data_dir, people_kb)
    storage = app.state.kodomo.storage
    keys = {
        role: {"Authorization": f"Bearer {storage.create_key(role)[1]}"} for role in ("caseworker", "trainer")
    }
    with TestClient(app) as client:
        yield {"client": client, "keys": keys, "data_dir": data_dir}


def _ask(client: TestClient, question: str, conversation_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"question": question}
    if conversation_id:
        body["conversation_id"] = conversation_id
    response = client.post("/v1/consult", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _case_number(answer: dict[str, Any]) -> str:
    return next(n.split(":", 1)[1] for n in answer["notes"] if n.startswith("handoff_case:"))


def test_a_request_for_a_person_opens_a_case_and_the_reply_reaches_the_web_conversation(
    web: dict[str, Any],
) -> None:
    client: TestClient = web["client"]
    worker = web["keys"]["caseworker"]
    first = _ask(client, "保育所の申込みはいつからですか")
    conversation = first["conversation_id"]
    answer = _ask(client, ASK_PERSON, conversation)
    number = _case_number(answer)
    # The parent gets the case number, who reads it and when, and other ways to reach the office.
    assert f"受付番号は {number}" in answer["answer"] and "受付時間" in answer["answer"]
    assert "000-0000-0000" in answer["answer"] and "119" in answer["answer"]
    # The caseworker sees the masked conversation so far.
    case = client.get(f"/v1/inbox/{number}", headers=worker).json()
    assert case["channel"] == "web" and case["urgency"] == 1 and case["status"] == "open"
    texts = [e["text"] for e in case["entries"]]
    assert "保育所の申込みはいつからですか" in texts and any("人と話したい" in t for t in texts)
    # Reply and note: the parent reads the reply (not the note) with their conversation id only.
    reply = "こども家庭課です。申込みのご相談は、平日に窓口でお受けします。"
    client.post(f"/v1/inbox/{number}/reply", json={"text": reply}, headers=worker)
    client.post(f"/v1/inbox/{number}/notes", json={"text": "申込み前の相談。来週フォロー"}, headers=worker)
    mine = client.get(f"/v1/handoff/mine/{number}", params={"conversation_id": conversation})
    assert mine.status_code == 200
    shown = [e["text"] for e in mine.json()["entries"]]
    assert reply in shown and not any("フォロー" in t for t in shown)
    assert mine.json()["status"] == "answered"
    other = client.get(f"/v1/handoff/mine/{number}", params={"conversation_id": "0" * 32})
    assert other.status_code == 404
    # Asking again on the same conversation does not open a second case.
    again = _ask(client, ASK_PERSON, conversation)
    assert _case_number(again) == number
    closed = client.post(f"/v1/inbox/{number}/close", json={"reason": "窓口で対応"}, headers=worker).json()
    assert closed["status"] == "closed"
    with sqlite3.connect(web["data_dir"] / "service.sqlite3") as db:
        actions = {
            r[0] for r in db.execute("SELECT action FROM audit_log WHERE output LIKE ?", (f"%{number}%",))
        }
    assert {"handoff_open", "handoff_view", "handoff_reply", "handoff_note", "handoff_close"} <= actions


def test_despair_then_a_request_is_urgent_and_listed_first(web: dict[str, Any]) -> None:
    client: TestClient = web["client"]
    worker = web["keys"]["caseworker"]
    calm = _ask(client, "出生届のことで担当の方と話したいです")
    calm_number = _case_number(calm)
    hard = _ask(client, "毎日つらくて、もう消えてしまいたい")
    assert hard["mode"] == "escalate" and "handoff_offer" in hard["notes"]
    assert "0120-279-338" in hard["answer"].split("\n")[0] or "0120-279-338" in hard["answer"]
    assert "担当者と話したい" in hard["answer"]  # the offer
    urgent = _ask(client, ASK_PERSON, hard["conversation_id"])
    urgent_number = _case_number(urgent)
    assert "0120-279-338" in urgent["answer"]  # while they wait, the lines again
    # The lines the parent was given stay readable in the case and in the saved conversation.
    case = client.get(f"/v1/inbox/{urgent_number}", headers=worker).json()
    given = "\n".join(e["text"] for e in case["entries"] if e["author"] == "assistant")
    assert "0120-279-338" in given, given
    saved = client.put(f"/v1/conversations/{hard['conversation_id']}/turns/{hard['answer_id']}",
                       json=hard, headers={"X-Browser-Id": "handoff-test-0123456789abcdef"})  # fmt: skip
    assert saved.status_code == 204, saved.text
    inbox = client.get("/v1/inbox", headers=worker).json()
    numbers = [c["number"] for c in inbox]
    assert numbers.index(urgent_number) < numbers.index(calm_number)
    assert next(c for c in inbox if c["number"] == urgent_number)["urgency"] == 2


def test_emergencies_never_reach_the_inbox(web: dict[str, Any]) -> None:
    client: TestClient = web["client"]
    worker = web["keys"]["caseworker"]
    before = len(client.get("/v1/inbox?status=all", headers=worker).json())
    answer = _ask(client, "子どもが息をしていない、ぐったりしている。担当の人と話したい")
    assert answer["mode"] == "escalate" and "119" in answer["answer"]
    assert not any(n.startswith(("handoff_case", "handoff_offer")) for n in answer["notes"])
    assert len(client.get("/v1/inbox?status=all", headers=worker).json()) == before


def test_the_inbox_needs_a_caseworker_key(web: dict[str, Any]) -> None:
    client: TestClient = web["client"]
    assert client.get("/v1/inbox").status_code == 401
    assert client.get("/v1/inbox", headers=web["keys"]["trainer"]).status_code == 403
    missing = client.post(
        "/v1/inbox/000000-0000/reply", json={"text": "x"}, headers=web["keys"]["caseworker"]
    )
    assert missing.status_code == 404
    assert client.post("/v1/handoff", json={"conversation_id": "f" * 32}).status_code == 404


def test_the_handoff_button_on_the_web_opens_a_case(web: dict[str, Any]) -> None:
    client: TestClient = web["client"]
    answer = _ask(client, "児童手当はいつ振り込まれますか")
    response = client.post("/v1/handoff", json={"conversation_id": answer["conversation_id"]})
    assert response.status_code == 201
    assert response.json()["new"] and response.json()["number"] in response.json()["text"]


def test_office_hours_holidays_and_the_next_opening() -> None:
    office = load_office("midori")
    friday_evening = dt.datetime(2026, 12, 4, 18, 0, tzinfo=TOKYO)
    assert not office.is_open(friday_evening)
    assert office.next_opening(friday_evening) == dt.datetime(2026, 12, 7, 8, 30, tzinfo=TOKYO)
    assert office.is_open(dt.datetime(2026, 12, 7, 9, 0, tzinfo=TOKYO))
    # 文化の日 (a public holiday) and 年末年始 are closed; the office opens again on 1月5日.
    assert not office.is_open(dt.datetime(2026, 11, 3, 10, 0, tzinfo=TOKYO))
    new_year = office.next_opening(dt.datetime(2026, 12, 28, 17, 30, tzinfo=TOKYO))
    assert new_year.date() == dt.date(2027, 1, 4)
    assert when_text(new_year) == "1月4日（月）8時30分"
    aoba = load_office("aoba")
    assert aoba.is_open(dt.datetime(2026, 12, 9, 18, 30, tzinfo=TOKYO))  # Wednesday: open until 19:00
    assert not aoba.is_open(dt.datetime(2026, 12, 10, 18, 30, tzinfo=TOKYO))
    assert "水曜日は19時まで" in aoba.hours_text()


def test_needs_read_from_the_answer_notes() -> None:
    assert read_need(["route:emergency", "breath_stop"]).kind == "emergency"
    assert read_need(["route:despair", "vanish"]).kind == "offer"
    assert read_need(["scope:handoff"]).urgency == 1
    assert read_need(["safety_note:abuse", "scope:handoff"]).urgency == 2
    assert read_need(["card:x sim=0.9"]).kind == "none"
