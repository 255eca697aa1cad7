"""The demo page and its chat widget in headless Chromium, against the running assistant.

Screenshots land in ``test-artifacts/`` (git-ignored) for a human to look at.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Iterator, List, Tuple
from urllib.parse import urlsplit

import pytest
from channels_support import ARTIFACTS, ChannelStack
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

pytestmark = [pytest.mark.servers, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
REPLY_TIMEOUT_MS = 30_000

# Set by a MutationObserver whenever the widget shows its typing dots, however briefly.
WATCH_TYPING = """() => {
  window.__typingSeen = false;
  new MutationObserver(() => {
    if (document.querySelector('.rw-typing-indication')) { window.__typingSeen = true; }
  }).observe(document.body, {childList: true, subtree: true});
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: run `make browser`", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def responses(page: Page) -> int:
    return page.locator("#webchat .rw-response").count()


def bot_says(page: Page, text: str, since: int = 0) -> None:
    """Wait until one of the bot's messages after the first ``since`` ones contains ``text``."""
    page.wait_for_function(
        """([text, since]) => Array.from(document.querySelectorAll('#webchat .rw-response')).slice(since)
             .some((node) => node.textContent.includes(text))""",
        arg=[text, since], timeout=REPLY_TIMEOUT_MS,
    )


def say(page: Page, text: str) -> int:
    """Type ``text`` into the widget and send it; return how many bot messages there were before."""
    before = responses(page)
    box = page.locator("#webchat .rw-new-message")
    box.fill(text)
    box.press("Enter")
    expect(page.locator("#webchat .rw-client").filter(has_text=text).last).to_be_visible()
    return before


def open_page(browser: Browser, channels: ChannelStack) -> Tuple[BrowserContext, Page, List[str], List[str]]:
    """A fresh browser profile on the demo page; returns it with the requested URLs and console errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    requested: List[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    errors: List[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(channels.page_url + "/")
    return context, page, requested, errors


def test_conversation_in_the_widget_survives_a_reload(channels: ChannelStack, browser: Browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context, page, requested, errors = open_page(browser, channels)
    expect(page).to_have_title("Who do I call? | Electric Service Help Center (demo)")
    expect(page.get_by_text("Fictional site")).to_be_visible()
    page.get_by_role("button", name="Ask the assistant").click()
    bot_says(page, "What's your question?")  # the greeting, sent on open

    # An outage goes to SCE; the typing dots show while the assistant works.
    page.evaluate(WATCH_TYPING)
    bot_says(page, "1-800-611-1911", say(page, "my power is out"))
    expect(page.locator("#webchat .rw-response").last).to_contain_text("Southern California Edison")
    assert page.evaluate("window.__typingSeen") is True

    # Where the power comes from depends on the city: the assistant asks, with an "I don't know" quick reply.
    bot_says(page, "Which city or community", say(page, "where does my electricity come from"))
    expect(page.locator("#webchat .rw-reply", has_text="I don't know").last).to_be_visible()
    bot_says(page, "Clean Power Alliance", say(page, "Santa Monica"))
    expect(page.locator("#webchat .rw-response").last).to_contain_text("1-888-585-3788")
    page.screenshot(path=str(ARTIFACTS / "webchat-conversation.png"))


    # Reload: the same session id comes back from localStorage and the history is still there.
    session = json.loads(page.evaluate("localStorage.getItem('chat_session')"))["session_id"]
    page.reload()
    # The widget shows itself once Rasa confirmed the session; it may come back open or closed.
    expect(page.locator("#webchat .rw-launcher")).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    if page.locator("#webchat .rw-conversation-container").count() == 0:
        page.locator("#webchat .rw-launcher").click()
    bot_says(page, "Clean Power Alliance")
    expect(page.locator("#webchat .rw-client").filter(has_text="my power is out")).to_be_visible()
    assert json.loads(page.evaluate("localStorage.getItem('chat_session')"))["session_id"] == session
    bot_says(page, "1-800-611-1911", say(page, "my power is out"))  # and the conversation goes on
    page.screenshot(path=str(ARTIFACTS / "webchat-after-reload.png"))

    hosts = {urlsplit(url).hostname for url in requested}
    assert hosts <= {"127.0.0.1", "localhost"}, f"the page loaded something from the internet: {requested}"
    assert not errors, errors
    context.close()


def test_quick_reply_buttons_answer_for_the_user(channels: ChannelStack, browser: Browser) -> None:
    context, page, _, errors = open_page(browser, channels)
    page.get_by_role("button", name="Ask the assistant").click()
    bot_says(page, "Which city or community", say(page, "where does my electricity come from"))
    before = responses(page)
    page.locator("#webchat .rw-reply", has_text="I don't know").click()
    # The click sent "/dont_know": the assistant explains where to look instead of asking again.
    bot_says(page, "bill", before)
    new = page.locator("#webchat .rw-response").all_text_contents()[before:]
    assert not any("Which city or community" in text for text in new), new
    expect(page.locator("#webchat .rw-reply")).to_have_count(0)  # the buttons are gone once used
    page.screenshot(path=str(ARTIFACTS / "webchat-quick-reply.png"))
    assert not errors, errors
    context.close()
