"""The official `openai` SDK against /v1/chat/completions served by uvicorn on 127.0.0.1 (a free port).

The knowledge base is two real corpus documents with their knowledge cards, so the cards' English and easy
Japanese answers are reachable; everything else (safety classifiers, PII masking, SQLite) is the real thing.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import openai
import pytest
import uvicorn
from conftest import MODELS, ROOT

DOCS = ("nat-shussei-todoke", "nat-boshi-techo")
DEADLINE = "出生届はいつまでに出せばいいですか"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, embedder: Any) -> Iterator[dict[str, Any]]:
    """The app over a small real corpus, served by uvicorn in a thread; yields its base URL and state."""
    from kodomo_ai.api import create_app
    from kodomo_ai.config import Settings
    from kodomo_ai.index.knowledge_base import KnowledgeBase
    from kodomo_ai.ingest.pipeline import ingest_paths

    corpus = tmp_path_factory.mktemp("sdk-corpus")
    (corpus / "cards").mkdir()
    for doc in DOCS:
        shutil.copy(ROOT / "corpus" / "national" / f"{doc}.md", corpus / f"{doc}.md")
        shutil.copy(ROOT / "corpus" / "cards" / f"{doc}.yaml", corpus / "cards" / f"{doc}.yaml")
    kb = KnowledgeBase.open(tmp_path_factory.mktemp("sdk-index"), embedder, collection="sdk-kodomo")
    report = ingest_paths(kb, [corpus])
    assert not report.errors and report.cards, report
    settings = Settings(data_dir=tmp_path_factory.mktemp("sdk-data"), models_path=MODELS)
    app = create_app(settings, knowledge_base=kb)
    staff_key = app.state.kodomo.storage.create_key("caseworker", "sdk test")[1]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield {
            "url": f"http://127.0.0.1:{sock.getsockname()[1]}/v1",
            "state": app.state.kodomo,
            "staff": staff_key,
        }
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def client(served: dict[str, Any], key: str = "kodomo-public") -> openai.OpenAI:
    """An SDK client for the served app (the public key unless told otherwise)."""
    return openai.OpenAI(base_url=served["url"], api_key=key, max_retries=0, timeout=120)


def tokens(served: dict[str, Any], text: str) -> int:
    """The e5 tokenizer's count, as `usage` states it."""
    tokenizer = served["state"].kb.embedder.model.tokenizer
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


def assert_citations(message: Any) -> None:
    """Every annotation is a url_citation over a `[n]` mark of the text, with the source's address and title."""
    assert message.annotations, message
    for note in message.annotations:
        assert note.type == "url_citation"
        cite = note.url_citation
        assert cite.url.startswith("http") and cite.title
        assert message.content[cite.start_index : cite.end_index] in ("[1]", "[2]", "[3]")


def test_chat_has_annotations_and_token_usage(served: dict[str, Any]) -> None:
    reply = client(served).chat.completions.create(
        model="kodomo-ai", messages=[{"role": "user", "content": DEADLINE}]
    )
    message = reply.choices[0].message
    assert reply.object == "chat.completion" and reply.choices[0].finish_reason == "stop"
    assert "14日" in message.content and "[1]" in message.content
    assert_citations(message)
    assert message.annotations[0].url_citation.title.startswith("出生届")
    assert reply.usage is not None
    assert reply.usage.prompt_tokens == tokens(served, DEADLINE)
    assert reply.usage.completion_tokens == tokens(served, message.content)
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens
    assert reply.usage.completion_tokens < len(message.content)  # tokens, not characters


def test_stream_with_usage_matches_the_plain_reply(served: dict[str, Any]) -> None:
    sdk = client(served)
    plain = sdk.chat.completions.create(model="kodomo-ai", messages=[{"role": "user", "content": DEADLINE}])
    chunks = list(
        sdk.chat.completions.create(
            model="kodomo-ai", messages=[{"role": "user", "content": DEADLINE}], stream=True,
            stream_options={"include_usage": True},
        )
    )  # fmt: skip
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    last_choice = [c for c in chunks if c.choices][-1].choices[0]
    assert last_choice.finish_reason == "stop"
    notes = (last_choice.delta.model_extra or {})["annotations"]
    assert [n["url_citation"] for n in notes] == [
        n.url_citation.model_dump() for n in plain.choices[0].message.annotations
    ]
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == plain.usage.completion_tokens  # type: ignore[union-attr]
    assert all(c.usage is None for c in chunks[:-1])


def test_follow_up_uses_the_conversation(served: dict[str, Any]) -> None:
    sdk = client(served)
    first = sdk.chat.completions.create(model="kodomo-ai", messages=[{"role": "user", "content": DEADLINE}])
    previous = first.choices[0].message.content or ""
    follow_up = "持ち物は？"
    history = [{"role": "user", "content": DEADLINE}, {"role": "assistant", "content": previous}]
    reply = sdk.chat.completions.create(
        model="kodomo-ai", messages=[*history, {"role": "user", "content": follow_up}]
    )
    answer = reply.model_extra["kodomo"]  # type: ignore[index]
    assert reply.choices[0].message.content != previous
    assert "出生届" in reply.choices[0].message.content and "母子健康手帳" in reply.choices[0].message.content
    alone = sdk.chat.completions.create(model="kodomo-ai", messages=[{"role": "user", "content": follow_up}])
    assert alone.model_extra["kodomo"]["notes"] != answer["notes"]  # type: ignore[index]
    assert reply.usage is not None and reply.usage.prompt_tokens == sum(
        tokens(served, m["content"]) for m in [*history, {"content": follow_up}]
    )


@pytest.mark.parametrize(
    ("messages", "extra"),
    [
        (
            [
                {"role": "system", "content": "Please answer in English."},
                {"role": "user", "content": DEADLINE},
            ],
            {},
        ),
        ([{"role": "user", "content": DEADLINE}], {"language": "en"}),
        ([{"role": "user", "content": "What is the deadline for registering a birth?"}], {}),
    ],
)
def test_english_asked_is_answered_in_english(
    served: dict[str, Any], messages: list[Any], extra: dict[str, Any]
) -> None:
    reply = client(served).chat.completions.create(model="kodomo-ai", messages=messages, extra_body=extra)
    message = reply.choices[0].message
    assert message.content.startswith("Within 14 days") and "Sources:" in message.content
    assert_citations(message)


def test_easy_japanese_from_a_system_message(served: dict[str, Any]) -> None:
    messages = [
        {"role": "system", "content": "やさしい日本語で答えてください"},
        {"role": "user", "content": DEADLINE},
    ]
    reply = client(served).chat.completions.create(model="kodomo-ai", messages=messages)
    assert reply.choices[0].message.content.startswith("うまれた 日を")


def test_max_tokens_cuts_the_reply_but_never_the_safety_lines(served: dict[str, Any]) -> None:
    sdk = client(served)
    cut = sdk.chat.completions.create(
        model="kodomo-ai", messages=[{"role": "user", "content": DEADLINE}], max_tokens=6
    )
    assert cut.choices[0].finish_reason == "length"
    assert cut.usage is not None and 0 < cut.usage.completion_tokens <= 6
    streamed = list(sdk.chat.completions.create(
        model="kodomo-ai", messages=[{"role": "user", "content": DEADLINE}], max_tokens=6, stream=True,
    ))  # fmt: skip
    assert "".join(c.choices[0].delta.content or "" for c in streamed) == cut.choices[0].message.content
    assert streamed[-1].choices[0].finish_reason == "length"
    emergency = "赤ちゃんが息をしていない、顔色が紫になっている"
    for stream in (False, True):
        response = sdk.chat.completions.create(
            model="kodomo-ai", messages=[{"role": "user", "content": emergency}], max_tokens=3, stream=stream,
        )  # fmt: skip
        text = (
            "".join(c.choices[0].delta.content or "" for c in response if c.choices)  # type: ignore[union-attr]
            if stream
            else response.choices[0].message.content  # type: ignore[union-attr]
        )
        assert "119" in text, text


def test_unsupported_options_are_refused_with_a_reason(served: dict[str, Any]) -> None:
    sdk = client(served)
    messages = [{"role": "user", "content": DEADLINE}]
    with pytest.raises(openai.BadRequestError, match="n は 1 だけ"):
        sdk.chat.completions.create(model="kodomo-ai", messages=messages, n=2)
    tool = {"type": "function", "function": {"name": "calc", "parameters": {"type": "object"}}}
    with pytest.raises(openai.BadRequestError, match="tools"):
        sdk.chat.completions.create(model="kodomo-ai", messages=messages, tools=[tool])  # type: ignore[list-item]


def test_keys_public_for_parents_and_real_ones_for_staff(served: dict[str, Any]) -> None:
    messages = [{"role": "user", "content": DEADLINE}]
    with pytest.raises(openai.AuthenticationError):
        client(served, "sk-not-a-kodomo-key").chat.completions.create(model="kodomo-ai", messages=messages)
    with pytest.raises(openai.AuthenticationError):  # the public key is a parent: no staff audience
        client(served).chat.completions.create(model="kodomo-ai-caseworker", messages=messages)
    staff = client(served, served["staff"]).chat.completions.create(
        model="kodomo-ai-caseworker", messages=messages
    )
    assert staff.choices[0].message.content
    assert [m.id for m in client(served).models.list()] == [
        "kodomo-ai",
        "kodomo-ai-caseworker",
        "kodomo-ai-trainer",
    ]


def test_personal_data_is_masked_before_storage(served: dict[str, Any]) -> None:
    question = DEADLINE + " 連絡先は090-1234-5678です"
    client(served).chat.completions.create(
        model="kodomo-ai", messages=[{"role": "user", "content": question}]
    )
    entry = served["state"].storage.audit_since(limit=1)[0]
    assert entry.action == "chat_completions" and entry.role == "parent"
    assert "090-1234-5678" not in entry.input and "出生届" in entry.input
