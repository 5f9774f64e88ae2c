"""The LINE channel end to end: a fake LINE platform signs webhooks and records what the real SDK client sends."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from line_server import FakeLine, running, small_app

from kodomo_ai.line.messages import MAX_ALT_TEXT, MAX_MESSAGES, MAX_TEXT, answer_messages

SECRET = "test-channel-secret-0123456789abcdef"
TOKEN = "test-access-token"
USER = "U4af4980629abcdef0123456789abcdef"
DESPAIR = "もう疲れました。毎日つらくて、消えてしまいたいです。"
PHONE = "090-3141-5926"


@pytest.fixture(scope="module")
def line(tmp_path_factory: pytest.TempPathFactory, people_kb: Any) -> Iterator[dict[str, Any]]:
    """The API with a LINE channel pointed at a fake LINE platform, and a caseworker key."""
    data_dir = tmp_path_factory.mktemp("line-data")
    with running(SECRET, TOKEN) as fake:
        app = small_app(data_dir, people_kb, line_channel_secret=SECRET, line_channel_access_token=TOKEN,
                        line_api_base_url=fake.url)  # fmt: skip
        key = app.state.kodomo.storage.create_key("caseworker")[1]
        with TestClient(app) as client:
            yield {"client": client, "fake": fake, "key": key, "data_dir": data_dir}


def _texts(body: dict[str, Any]) -> list[str]:
    return [m["text"] for m in body["messages"] if m["type"] == "text"]


def test_despair_on_line_reaches_a_caseworker_and_the_reply_is_pushed(line: dict[str, Any]) -> None:
    client: TestClient = line["client"]
    fake: FakeLine = line["fake"]
    headers = {"Authorization": f"Bearer {line['key']}"}
    before = len(fake.sent("reply"))
    # 1. A despair message: the counselling lines come at once, with the hand-off offer as a quick reply.
    assert fake.deliver(client, [fake.text_event(USER, DESPAIR)]).status_code == 200
    reply = fake.wait_for("reply", before + 1)[-1]
    first = _texts(reply)[0]
    assert "0120-279-338" in first  # よりそいホットライン, in the first message
    assert len(reply["messages"]) <= MAX_MESSAGES, reply
    assert "quickReply" in reply["messages"][-1], reply
    quick = reply["messages"][-1]["quickReply"]["items"][0]["action"]
    assert quick["type"] == "postback" and quick["data"] == "action=handoff"
    assert client.get("/v1/inbox", headers=headers).json() == []  # an offer is not a case yet
    # 2. The parent taps 「担当者に相談する」: a case with a number, the office's hours and ways to reach it.
    fake.deliver(client, [fake.postback_event(USER, quick["data"])])
    receipt = "\n".join(_texts(fake.wait_for("reply", before + 2)[-1]))
    assert "受付番号" in receipt and "8時30分" in receipt and "000-0000-0000" in receipt
    # 3. The inbox: an urgent LINE case carrying the masked conversation.
    cases = client.get("/v1/inbox", headers=headers).json()
    assert len(cases) == 1 and cases[0]["urgency"] == 2 and cases[0]["channel"] == "line"
    number = cases[0]["number"]
    assert number in receipt
    case = client.get(f"/v1/inbox/{number}", headers=headers).json()
    assert any("消えてしまいたい" in e["text"] for e in case["entries"] if e["author"] == "parent")
    # 4. The caseworker replies: the real SDK client pushes it to the parent's LINE.
    text = "みどり市こども家庭課の相談員です。明日の午前中にお電話してもよろしいですか。"
    replied = client.post(f"/v1/inbox/{number}/reply", json={"text": text}, headers=headers).json()
    push = fake.wait_for("push", 1)[-1]
    assert push["to"] == USER and text in "\n".join(_texts(push))
    assert replied["status"] == "answered" and replied["entries"][-1]["delivery"] == "line"
    assert all(r["authorised"] for r in fake.received)
    assert all(r["retry_key"] for r in fake.received if r["path"].endswith("/push"))
    # 5. Follow-ups on an open case reach the caseworker without opening another case.
    fake.deliver(client, [fake.text_event(USER, f"はい、午前中なら大丈夫です。番号は{PHONE}です")])
    fake.wait_for("reply", before + 3)
    again = client.get(f"/v1/inbox/{number}", headers=headers).json()
    said = [e["text"] for e in again["entries"] if "午前中なら大丈夫" in e["text"]]
    assert said and PHONE not in said[0] and "〔電話" in said[0]
    assert len(client.get("/v1/inbox", headers=headers).json()) == 1
    # 6. Closing tells the parent and erases the sealed push address.
    client.post(f"/v1/inbox/{number}/close", json={"reason": "電話で対応"}, headers=headers)
    assert "終了" in "\n".join(_texts(fake.wait_for("push", 2)[-1]))
    # Every step was audited; nothing personal is stored in clear anywhere in the database.
    actions = {r["action"] for r in _audit(line["data_dir"])}
    assert {"line_message", "handoff_open", "handoff_view", "handoff_reply", "handoff_close"} <= actions
    dump = _dump(line["data_dir"])
    assert USER not in dump and PHONE not in dump and "3141" not in dump
    assert "push_address" in dump  # the column exists, and holds nothing once closed
    with sqlite3.connect(line["data_dir"] / "service.sqlite3") as db:
        assert db.execute("SELECT push_address FROM handoff_cases").fetchall() == [(None,)]
        hashes = {r[0] for r in db.execute("SELECT line_user FROM handoff_cases")}
    assert all(h and len(h) == 64 for h in hashes)


def test_bad_or_missing_signature_is_refused_and_nothing_processed(line: dict[str, Any]) -> None:
    client: TestClient = line["client"]
    fake: FakeLine = line["fake"]
    before = len(fake.received)
    event = [fake.text_event("Ubad0000000000000000000000000000", "出生届はいつまでに出せばいいですか")]
    wrong = fake.deliver(client, event, secret="another-channels-secret")
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "bad_signature"
    assert fake.deliver(client, event, signature="").status_code == 401
    tampered = fake.body(event)
    signature = fake.sign(tampered)
    changed = tampered.replace("出生届".encode(), "死亡届".encode())
    response = client.post("/v1/line/webhook", content=changed, headers={"X-Line-Signature": signature})
    assert response.status_code == 401
    assert len(fake.received) == before  # nothing was answered
    with sqlite3.connect(line["data_dir"] / "service.sqlite3") as db:
        assert db.execute("SELECT COUNT(*) FROM conversations WHERE question LIKE '%死亡届%'").fetchone() == (
            0,
        )
        refused = db.execute(
            "SELECT COUNT(*) FROM audit_log WHERE action='line_webhook' AND status=401"
        ).fetchone()
    assert refused == (3,)


def test_emergency_on_line_goes_to_119_not_to_the_inbox(line: dict[str, Any]) -> None:
    client: TestClient = line["client"]
    fake: FakeLine = line["fake"]
    headers = {"Authorization": f"Bearer {line['key']}"}
    before = len(fake.sent("reply"))
    cases = len(client.get("/v1/inbox?status=all", headers=headers).json())
    user = "U0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e"
    fake.deliver(client, [fake.text_event(user, "赤ちゃんが息をしていない！誰か人と話したい")])
    reply = fake.wait_for("reply", before + 1)[-1]
    assert "119" in _texts(reply)[0]
    assert "quickReply" not in reply["messages"][-1]
    assert len(client.get("/v1/inbox?status=all", headers=headers).json()) == cases


def test_an_answer_with_sources_is_a_text_and_a_flex_bubble(line: dict[str, Any]) -> None:
    fake: FakeLine = line["fake"]
    before = len(fake.sent("reply"))
    fake.deliver(
        line["client"],
        [fake.text_event("U1111111111111111111111111111111a", "出生届はいつまでに出せばいいですか")],
    )
    reply = fake.wait_for("reply", before + 1)[-1]
    kinds = [m["type"] for m in reply["messages"]]
    assert not [r for r in _audit(line["data_dir"]) if r["status"] == 500], _audit(line["data_dir"])[-3:]
    assert (
        kinds[0] == "text"
        and "14日" in reply["messages"][0]["text"]
        and "[1]" in reply["messages"][0]["text"]
    )
    flex = next(m for m in reply["messages"] if m["type"] == "flex")
    assert flex["altText"].startswith("出典") and "[1]" in str(flex["contents"])


def test_replies_respect_line_limits() -> None:
    citations = [
        {"title": f"資料{i}", "source": f"https://example.jp/{i}", "quote": "引用" * 200} for i in range(9)
    ]
    answer = {"answer": ("とても長い回答です。" * 700 + "\n") * 3, "citations": citations}
    messages = [m.to_dict() for m in answer_messages(answer, "受付番号 000000-0000", offer_handoff=True)]
    assert len(messages) <= MAX_MESSAGES
    assert all(len(m["text"]) <= MAX_TEXT for m in messages if m["type"] == "text")
    flex = next(m for m in messages if m["type"] == "flex")
    assert len(flex["altText"]) <= MAX_ALT_TEXT
    assert messages[-1]["text"].startswith("受付番号") and "quickReply" in messages[-1]
    assert sum(1 for m in messages if m["type"] == "text") >= 2  # the answer's lead survived the cut


def _audit(data_dir: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(data_dir / "service.sqlite3") as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM audit_log")]


def _dump(data_dir: Path) -> str:
    """Every row of every table as text."""
    with sqlite3.connect(data_dir / "service.sqlite3") as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        columns = [r for t in tables for r in db.execute(f"PRAGMA table_info({t})")]
        rows = [str(row) for t in tables for row in db.execute(f"SELECT * FROM {t}")]
    return "\n".join([*map(str, columns), *rows])
