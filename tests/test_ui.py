"""The Streamlit UI against a live API: page logic with AppTest, and every page in a real offline Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from conftest import MODELS
from live import (
    CHROMIUM,
    CHROMIUM_ARGS,
    UI,
    free_port,
    keep_screenshots,
    need_chromium,
    serve_api,
    streamlit_ui,
)

__all__ = ["free_port"]  # test_api_postgres takes it from here
QUESTION = "出生届はいつまでに出せばいいですか"


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory, corpus_kb: Any) -> Iterator[dict[str, Any]]:
    """The real API over the indexed corpus, served by uvicorn on a free port in a thread."""
    from kodomo_ai.api import create_app
    from kodomo_ai.config import Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("ui-data"), models_path=MODELS)
    app = create_app(settings, knowledge_base=corpus_kb)
    keys = {
        role: app.state.kodomo.storage.create_key(role)[1] for role in ("caseworker", "evaluator", "admin")
    }
    with serve_api(app) as url:
        yield {"url": url, "keys": keys, "app": app}


@pytest.fixture
def ui_env(live_api: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """AppTest needs the UI folder importable and the API address in the environment."""
    monkeypatch.setenv("KODOMO_API_URL", live_api["url"])
    monkeypatch.syspath_prepend(str(UI))
    return live_api


def test_answer_markdown_keeps_lists_and_links_citations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(UI))
    from common import answer_markdown

    answer = {"answer": "必要なものは次のとおりです[1]。\n・出生届\n・母子健康手帳[2]\n1. 窓口へ行く\n<b>注意</b> #8000",
              "citations": [{"title": "出生届"}, {"title": "母子手帳"}]}  # fmt: skip
    lines = answer_markdown(answer).splitlines()
    assert lines[1] == "" and lines[2] == "- 出生届" and lines[3].startswith("- 母子健康手帳<a ")
    assert lines[4] == "1. 窓口へ行く"
    assert "&lt;b&gt;注意&lt;/b&gt; #8000" in lines[-1]  # the answer's own HTML is text
    assert answer_markdown(answer).count('class="kodomo-cite"') == 2
    assert "[3]" in answer_markdown({"answer": "範囲外[3]", "citations": []})  # no entry: left as text


BROWSER_A = "browser-test-0123456789abcdef"


def page_test(name: str, env: dict[str, Any], *, key: str | None = None, browser: str = BROWSER_A) -> Any:
    """An AppTest of one page with this browser id and, for staff pages, a key."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(UI / "pages" / name), default_timeout=120)
    at.session_state["browser_id"] = browser
    if key:
        at.session_state["api_key"] = env["keys"][key]
    return at


def test_chat_answers_saves_and_resumes_the_conversation(ui_env: dict[str, Any]) -> None:
    at = page_test("chat.py", ui_env)
    at.run()
    assert not at.exception
    assert any("出生届" in b.label for b in at.button)  # example questions to start with
    assert [o for o in at.radio[0].options] == ["日本語", "やさしい日本語", "English"]
    at.chat_input[0].set_value(QUESTION).run()
    assert not at.exception, at.exception
    answer = at.session_state["chat"][-1]["answer"]
    assert answer["mode"] == "answer" and answer["citations"] and "14日" in answer["answer"]
    assert any(e.label.startswith("[1]") for e in at.expander)
    assert any("kodomo-cite" in m.value for m in at.markdown)  # [n] became links
    conversation = at.session_state["conversation_id"]
    kept = at.query_params["c"]
    assert (kept if isinstance(kept, str) else kept[0]) == conversation  # the address names the conversation

    # A reload is a new session: the address brings the conversation back from the server.
    again = page_test("chat.py", ui_env)
    again.query_params["c"] = conversation
    again.run()
    assert not again.exception, again.exception
    assert [t["content"] for t in again.session_state["chat"] if t["role"] == "user"] == [QUESTION]
    assert any(b.label.startswith("▶") for b in again.sidebar.button)  # listed as the current conversation
    # Another browser cannot open it.
    other = page_test("chat.py", ui_env, browser="browser-other-0123456789abcd")
    other.query_params["c"] = conversation
    other.run()
    assert other.session_state["chat"] == []


def test_chat_shows_the_caseworkers_reply_to_the_parents_case(ui_env: dict[str, Any]) -> None:
    at = page_test("chat.py", ui_env)
    at.run()
    at.chat_input[0].set_value("担当者と直接話せますか？人と話したい").run()
    assert not at.exception, at.exception
    answer = at.session_state["chat"][-1]["answer"]
    number = next(n.split(":", 1)[1] for n in answer["notes"] if n.startswith("handoff_case:"))
    assert any("まだお返事はありません" in c.value for c in at.caption)
    reply = "こども家庭課です。明日の午前中にお電話します。"
    sent = httpx.post(f"{ui_env['url']}/v1/inbox/{number}/reply", json={"text": reply},
                      headers={"X-API-Key": ui_env["keys"]["caseworker"]}, timeout=30)  # fmt: skip
    assert sent.status_code == 200, sent.text
    at.button(key="check_reply").click().run()
    assert any(reply in m.value for m in at.markdown)
    # After a reload the case number comes from the saved receipt and the reply is shown again.
    again = page_test("chat.py", ui_env)
    again.query_params["c"] = answer["conversation_id"]
    again.run()
    assert not again.exception, again.exception
    assert any(reply in m.value for m in again.markdown)


def test_chat_english_and_safety_box_first(ui_env: dict[str, Any]) -> None:
    at = page_test("chat.py", ui_env)
    at.run()
    at.chat_input[0].set_value("子どもが息をしていない、ぐったりしている").run()
    assert not at.exception
    assert at.error and "119" in at.error[0].value
    english = page_test("chat.py", ui_env)
    english.run()
    english.radio[0].set_value("English").run()
    english.chat_input[0].set_value("When do I have to submit the birth registration?").run()
    assert not english.exception, english.exception
    reply = english.session_state["chat"][-1]["answer"]
    saved = httpx.get(f"{ui_env['url']}/v1/conversations/{reply['conversation_id']}",
                      headers={"X-Browser-Id": BROWSER_A}, timeout=30).json()  # fmt: skip
    assert saved["turns"][-1]["language"] == "en"  # the choice went with the question
    if reply["mode"] == "answer":
        assert not any("\u3041" <= ch <= "\u30ff" for ch in reply["answer"][:40]), reply["answer"]


def test_staff_pages_need_a_key_then_work(ui_env: dict[str, Any]) -> None:
    at = page_test("caseworker.py", ui_env)
    at.run()
    assert at.info and "APIキー" in at.info[0].value
    at.session_state["api_key"] = ui_env["keys"]["caseworker"]
    at.run()
    assert not at.exception, at.exception
    admin = page_test("admin.py", ui_env, key="admin")
    admin.run()
    assert not admin.exception, admin.exception
    assert any("登録文書" in h.value for h in admin.subheader)
    wrong = page_test("admin.py", ui_env, key="caseworker")
    wrong.run()
    assert wrong.error and "管理者" in wrong.error[0].value


def test_drafting_default_type_works_on_first_click(ui_env: dict[str, Any]) -> None:
    at = page_test("drafting.py", ui_env, key="caseworker")
    at.run()
    assert not at.exception, at.exception
    assert at.date_input  # per-field inputs, prefilled from examples/fields
    at.button(key="make_draft").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert any("DOCX" in b.label for b in at.get("download_button"))


def test_feedback_page_lists_thumbs_down_and_marks_handled(ui_env: dict[str, Any]) -> None:
    url, keys = ui_env["url"], ui_env["keys"]
    answer = httpx.post(
        url + "/v1/consult", json={"question": "児童手当はいつ振り込まれますか"}, timeout=120
    ).json()
    sent = httpx.post(url + "/v1/feedback", json={"answer_id": answer["answer_id"], "rating": "down",
                                                  "comment": "振込日が知りたかった"}, timeout=30).json()  # fmt: skip
    at = page_test("feedback.py", ui_env, key="admin")
    at.run()
    assert not at.exception, at.exception
    assert any("振込日が知りたかった" in i.value for i in at.info)
    at.button(key=f"handle_{sent['id']}").click().run()
    assert not at.exception, at.exception
    handled = httpx.get(
        url + "/v1/feedback", params={"status": "handled"}, headers={"X-API-Key": keys["admin"]}
    )
    assert sent["id"] in {i["id"] for i in handled.json()}


def test_navigation_app_runs(ui_env: dict[str, Any]) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(UI / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert at.title and "相談" in at.title[0].value


# A topic no document answers, asked three ways: the gap report's screenshot shows it as a topic.
UNANSWERED = ["子どもの習い事の月謝に市の補助はありますか", "スイミングや英語教室の月謝に補助金は出ますか",
              "習い事の月謝を市が補助してくれる制度はある？"]  # fmt: skip


def seed_inbox_and_gaps(url: str) -> None:
    """Real hand-off cases (a calm one, then an urgent one after despair) and unanswered questions."""
    with httpx.Client(base_url=url, timeout=120) as api:
        for question in UNANSWERED:
            api.post("/v1/consult", json={"question": question})
        api.post("/v1/consult", json={"question": "保育料のことで担当の方と直接話したいです"})
        hard = api.post("/v1/consult", json={"question": "もう限界です。消えてしまいたい"}).json()
        api.post(
            "/v1/consult", json={"question": "担当者と話したい", "conversation_id": hard["conversation_id"]}
        )


# Every page, its screenshot name and what shows that it finished loading.
PAGES = [
    ("caseworker", "自治体職員", "計算"),
    ("flows", "業務フロー", "手順の説明"),
    ("drafting", "起案", "下書きを作る"),
    ("training", "研修資料", "研修資料を作る"),
    ("evaluator", "評価", "実行する"),
    ("feedback", "ご意見", "のご意見"),
    ("admin", "管理者", "登録文書"),
    ("inbox", "引き継ぎ", "引き継ぎ"),
    ("gaps", "回答できなかった質問", "回答できなかった質問"),
]


@pytest.fixture(scope="module")
def ui_server(live_api: dict[str, Any]) -> Iterator[str]:
    """The Streamlit app against the live API."""
    with streamlit_ui(live_api["url"]) as url:
        yield url


@pytest.mark.browser
def test_every_page_offline_in_a_real_browser(
    live_api: dict[str, Any], ui_server: str, tmp_path: Path
) -> None:
    need_chromium()
    from playwright.sync_api import Route, sync_playwright

    blocked: list[str] = []
    failed: list[str] = []

    def only_loopback(route: Route) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    def probe(url: str) -> bool:
        # Opened at /<page>, Streamlit's page first looks for its server under that path, then at the root.
        path = urlsplit(url).path
        return path.endswith(("/_stcore/health", "/_stcore/host-config")) and path.count("/") > 2

    shots = tmp_path / "shots"
    shots.mkdir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1400}, locale="ja-JP")
        context.route("**/*", only_loopback)
        page = context.new_page()
        page.set_default_navigation_timeout(120000)  # a loaded 2-core machine serves the first page slowly
        # ERR_ABORTED is a request our own navigation to the next page cut short, not one that failed to load.
        page.on(
            "requestfailed",
            lambda r: None if "ERR_ABORTED" in str(r.failure) else failed.append(f"{r.url} {r.failure}"),
        )
        page.on(
            "response",
            lambda r: failed.append(f"{r.url} {r.status}") if r.status >= 400 and not probe(r.url) else None,
        )

        # Parent chat: streamed answer, clickable sources, saved across a reload.
        page.goto(ui_server + "/", wait_until="domcontentloaded")
        box = page.get_by_placeholder("質問を入力してください", exact=False)
        box.wait_for(timeout=60000)
        assert page.evaluate("document.documentElement.lang") == "ja"
        box.fill(QUESTION)
        box.press("Enter")
        page.get_by_text("出典", exact=True).wait_for(timeout=120000)
        page.locator(".st-key-answers[aria-live=polite]").wait_for(timeout=30000)
        page.locator("a.kodomo-cite").first.wait_for(timeout=30000)
        assert "14日" in page.inner_text(".st-key-answers")
        page.locator("a.kodomo-cite").first.click()  # opens its source entry below the answer
        page.locator("mark").first.wait_for(state="visible", timeout=30000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(shots / "chat.png"), full_page=True)
        comment = page.get_by_placeholder("役に立ちましたか").first
        comment.fill("窓口の場所も知りたい")
        comment.press("Enter")
        page.wait_for_timeout(1000)
        page.get_by_role("radio", name="Thumbs down").first.click()  # read back on the feedback page below
        page.get_by_text("ご意見ありがとうございます").wait_for(timeout=30000)
        page.reload(wait_until="domcontentloaded")
        page.get_by_text("出典", exact=True).wait_for(timeout=60000)
        assert QUESTION in page.inner_text(".st-key-answers")

        seed_inbox_and_gaps(live_api["url"])
        # The staff key typed once is kept for the browser session across reloads and pages.
        key_box = page.get_by_label("APIキー")
        key_box.fill(live_api["keys"]["admin"])
        key_box.press("Enter")
        page.wait_for_timeout(1500)
        for slug, title, ready in [p for p in PAGES if (UI / "pages" / f"{p[0]}.py").is_file()]:
            page.goto(f"{ui_server}/{slug}", wait_until="domcontentloaded")
            page.get_by_role("heading", name=title).first.wait_for(timeout=60000)
            page.get_by_text(ready, exact=False).first.wait_for(timeout=60000)
            if slug == "flows":
                page.locator(
                    "[data-testid='stMarkdownContainer'] svg, .mermaid svg, svg[id^='mermaid']"
                ).first.wait_for(timeout=60000)
            if slug == "admin":
                page.get_by_text("20MB per file", exact=False).first.wait_for(timeout=30000)  # the real limit
            if slug == "feedback":
                page.get_by_text("窓口の場所も知りたい").first.wait_for(timeout=30000)
            if slug == "inbox":  # real cases, the urgent one first
                page.get_by_text("受付番号", exact=False).first.wait_for(timeout=60000)
                assert "緊急度 高" in page.inner_text("body")
            if slug == "gaps":  # a topic: 「N件　代表的な質問」
                page.locator("summary", has_text="月謝").first.wait_for(timeout=60000)
            page.wait_for_timeout(1500)
            assert page.locator("[data-testid=stException]").count() == 0, page.inner_text("body")
            page.screenshot(path=str(shots / f"{slug}.png"), full_page=True)
        assert page.evaluate("document.documentElement.lang") == "ja"
        browser.close()
    assert not blocked, blocked
    assert not failed, failed
    keep_screenshots(shots)
