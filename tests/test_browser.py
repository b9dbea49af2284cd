"""The chat page in headless Chromium (Debian's package, no browser download), served on loopback."""

import os
import re
import socket
import tempfile
import time
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.app import build_app, launch
from tests.test_app import HOSTILE_ARTICLE, QUESTION

sync_api = pytest.importorskip("playwright.sync_api", reason="install the test extra: pip install -e '.[test]'")
expect = sync_api.expect

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]
ARTIFACTS = Path(os.environ.get("ASSISTANT_ARTIFACTS") or Path(tempfile.gettempdir()) / "assistant-artifacts")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(seeded_assistant, tmp_path_factory):
    """The page over its own copy of the seeds (the upload test adds to it), on a free loopback port."""
    assistant = Assistant(settings=Settings(store=tmp_path_factory.mktemp("browser-store")),
                          embedder=seeded_assistant.embedder)
    assistant.ingest()
    app = build_app(assistant)
    url = launch(app, "127.0.0.1", free_port())
    yield assistant, url
    app.close()
    assistant.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver (see .ci/run)")
    with sync_api.sync_playwright() as p:
        # A persistent context is how Playwright takes an explicit (empty) --user-data-dir.
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 950},
        )
        yield context
        context.close()


@pytest.fixture
def page(browser, server):
    """A fresh tab that may only talk to the app: anything else is blocked and recorded in `page.outside`."""
    _, url = server
    tab = browser.new_page()
    tab.outside, tab.dialogs = [], []

    def only_loopback(route):
        if route.request.url.startswith(url):
            route.continue_()
        else:
            tab.outside.append(route.request.url)
            route.abort()

    tab.route("**/*", only_loopback)
    tab.on("dialog", lambda d: (tab.dialogs.append(d.message), d.dismiss()))
    yield tab
    tab.close()


def ask(page, question: str) -> None:
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")


def test_ask_then_click_a_citation_brings_its_quote_into_view(page, server):
    assistant, url = server
    started = time.perf_counter()
    page.goto(url)
    page.locator("#question textarea").wait_for()
    loaded = time.perf_counter()
    ask(page, QUESTION)
    expected = assistant.ask(QUESTION)
    markers = page.locator("#chat a.cite-ref")
    expect(markers).to_have_count(sum(len(s.citations) for s in expected.sentences), timeout=30_000)
    answered = time.perf_counter()
    print(f"\npage load {loaded - started:.2f}s; first answer {answered - loaded:.2f}s after the question, "
          f"{answered - started:.2f}s after opening the page")

    citation = expected.citations[-1]  # the last card sits furthest down the evidence panel
    markers.last.click()
    card = page.locator(f"#cite-1-{citation.n}")
    expect(card).to_be_in_viewport()
    expect(card.locator(".cite-context mark")).to_have_text(citation.quote)
    expect(card).to_contain_text(citation.title)
    assert "missile" in page.locator("#chat").inner_text().lower()

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "chat-citation.png"
    page.screenshot(path=str(shot))
    print(f"screenshot: {shot}")
    assert page.outside == [], f"the page tried to reach the internet: {page.outside}"


def test_abstention_says_so_and_labels_the_closest_passages(page, server):
    page.goto(server[1])
    ask(page, "What is the recipe for sourdough bread with rye flour?")
    expect(page.locator("#evidence .not-answer")).to_contain_text("do not answer the question")
    expect(page.locator("#evidence .closest").first).to_be_visible()
    assert page.locator("#chat a.cite-ref").count() == 0


def test_upload_then_article_markup_is_shown_as_text(page, server, tmp_path):
    page.goto(server[1])
    page.get_by_role("tab", name="Articles").click()
    hostile = tmp_path / "hostile_pier.txt"
    hostile.write_text(HOSTILE_ARTICLE, encoding="utf-8")
    page.locator("#upload input[type=file]").set_input_files(str(hostile))
    expect(page.locator("#upload-status")).to_contain_text("hostile_pier.txt: 1 added", timeout=30_000)
    expect(page.get_by_text("Harbour council <b>closes</b> the old ferry pier")).to_be_visible()
    expect(page.locator("#upload-status")).not_to_have_class(re.compile("pending"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "articles-upload.png"))

    page.get_by_role("tab", name="Ask").click()
    ask(page, "Why did the harbour council vote to close the old ferry pier?")
    expect(page.locator("#evidence mark").first).to_contain_text("<script>window.__xss = 1</script>")
    expect(page.locator("#chat")).to_contain_text("<script>window.__xss = 1</script>")
    ask(page, "How many minutes would the pier closure add to the residents' daily commute across the bay?")
    expect(page.locator("#evidence")).to_contain_text('<img src=x onerror="window.__xss = 2">')
    assert page.evaluate("window.__xss") is None
    assert page.locator("#chat img, #evidence img").count() == 0
    assert page.dialogs == []
    assert page.outside == []


def test_evidence_cards_are_whole_and_open_the_article(page, server):
    assistant, url = server
    page.goto(url)
    ask(page, QUESTION)
    expected = assistant.ask(QUESTION)
    expect(page.locator("#chat a.cite-ref")).to_have_count(sum(len(s.citations) for s in expected.sentences),
                                                           timeout=30_000)
    cards = page.locator("#evidence article.cite")
    for i in range(cards.count()):  # no box cuts a card: each is as tall as its content
        box = cards.nth(i).evaluate("e => [e.scrollHeight, e.clientHeight]")
        assert box[0] <= box[1] + 1
    panel = page.locator("#evidence").evaluate("e => { const s = getComputedStyle(e); return [s.maxHeight, "
                                               "e.scrollHeight - e.clientHeight]; }")
    assert panel[1] <= 1, f"the evidence panel scrolls inside a fixed box: {panel}"
    citation = expected.citations[0]
    card = page.locator(f"#cite-1-{citation.n}")
    card.get_by_text("Open the whole article").click()
    article = card.locator(".article-text")
    expect(article).to_be_visible()
    expect(article.locator("mark")).to_have_text(citation.quote)
    assert article.inner_text().replace("\n", " ").split() == \
        assistant.store.article_text(citation.doc_id).replace("\n", " ").split()


@pytest.fixture
def chroma_page(browser, seeded_assistant, tmp_path):
    """The page over a store whose vectors live on a real `chroma run` server, which the test may stop."""
    from tests.test_reliability import start_chroma, stop

    port = free_port()
    chroma = start_chroma(tmp_path / "chroma", port)
    assistant = Assistant(settings=Settings(store=tmp_path / "store", chroma_url=f"http://127.0.0.1:{port}"),
                          embedder=seeded_assistant.embedder, notice=lambda m: None)
    assistant.ingest()
    app = build_app(assistant)
    url = launch(app, "127.0.0.1", free_port())
    tab = browser.new_page()
    tab.goto(url)
    yield tab, chroma, port
    tab.close()
    app.close()
    stop(chroma)
    assistant.close()


def test_chroma_server_stopped_the_chat_says_why_and_keeps_the_question(chroma_page):
    from tests.test_reliability import stop

    tab, chroma, port = chroma_page
    stop(chroma)
    ask(tab, QUESTION)
    message = tab.locator("#chat").get_by_text("Cannot reach the Chroma server")
    expect(message).to_be_visible(timeout=30_000)
    expect(tab.locator("#chat")).to_contain_text(f"http://127.0.0.1:{port}")
    expect(tab.locator("#chat")).to_contain_text(QUESTION)  # the question stays in the conversation
    expect(tab.locator("#question textarea")).to_have_value(QUESTION)  # and goes back to the box
    assert tab.locator("#chat .error, .toast-body.error").count() == 0  # no bare red "Error" badge
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / "chroma-down.png"))


def test_articles_tab_removes_an_article(chroma_page):
    tab, _, _ = chroma_page
    tab.get_by_role("tab", name="Articles").click()
    corpus = tab.locator("#corpus")
    expect(corpus).to_contain_text("001_321dc8e40005d0c9")
    tab.locator("#remove-id input").click()
    tab.get_by_role("option", name=re.compile("^001_321dc8e40005d0c9")).click()
    tab.locator("#remove").click()
    expect(tab.locator("#remove-status")).to_contain_text("Removed", timeout=30_000)
    expect(corpus).not_to_contain_text("001_321dc8e40005d0c9")
    expect(corpus).to_contain_text("000_30109562edd4ff54")
