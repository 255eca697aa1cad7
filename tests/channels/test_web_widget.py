"""The demo pages and their chat widget (the embed kit) in headless Chromium.

Against the running assistant: the conversation, quick replies, reload, keyboard-only use with axe-core, the
Spanish page. Without it: the notice with SCE's phone numbers, and the kit's own fallback when its widget
bundle cannot load. Screenshots land in ``test-artifacts/`` (git-ignored) for a human to look at.
"""

from __future__ import annotations

from typing import Iterator
from urllib.parse import urlsplit

import pytest
from channels_support import ARTIFACTS, ChannelStack
from playwright.sync_api import Browser, Page, expect
from widget_support import (
    REPLY_TIMEOUT_MS,
    WATCH_PAGE,
    W,
    axe_violations,
    bot_says,
    csp_violations,
    launch_browser,
    local_storage_session,
    open_page,
    responses,
    say,
    status,
    wait_status,
)

from bot.deploy.webpage import PageConfig, serving
from tooling.servers import free_port

pytestmark = [pytest.mark.browser]
servers = pytest.mark.servers

OUTAGE_LINE = "1-800-611-1911"
SCE_LINE = "1-800-655-4555"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch_browser()


def focus_by_tab(page: Page, selector: str, key: str = "Tab", limit: int = 40) -> None:
    """Press ``key`` until the focused element matches ``selector`` (keyboard only, no clicks)."""
    for _ in range(limit):
        if page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{key} never reached {selector}")


def focus_ring_visible(page: Page) -> bool:
    return bool(
        page.evaluate(
            """() => { const s = getComputedStyle(document.activeElement);
                       return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2; }"""
        )
    )


@servers
def test_conversation_in_the_widget_survives_a_reload(channels: ChannelStack, browser: Browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    context, page, requested, errors = open_page(browser, channels.page_url + "/")
    expect(page).to_have_title("Who do I call? | Electric Service Help Center (demo)")
    expect(page.get_by_text("Fictional site")).to_be_visible()
    page.get_by_role("button", name="Ask the assistant").click()
    bot_says(page, "What's your question?")  # the greeting (/greet), sent on open
    assert status(page) == "online"

    # An outage goes to SCE; the typing dots show while the assistant works; the number is a tel: link.
    bot_says(page, OUTAGE_LINE, say(page, "my power is out"))
    last = page.locator(f"{W} .rw-response").last
    expect(last).to_contain_text("Southern California Edison")
    link = last.locator('a[href="tel:+18006111911"]')
    expect(link).to_have_text(OUTAGE_LINE)
    assert link.get_attribute("target") is None  # a call, not a new tab
    assert page.evaluate("window.__typingSeen") is True

    # Where the power comes from depends on the city: the assistant asks, with an "I don't know" quick reply.
    bot_says(page, "Which city or community", say(page, "where does my electricity come from"))
    expect(page.locator(f"{W} .rw-reply", has_text="I don't know").last).to_be_visible()
    bot_says(page, "Clean Power Alliance", say(page, "Santa Monica"))
    expect(page.locator(f"{W} .rw-response").last).to_contain_text("1-888-585-3788")
    expect(page.locator(f"{W} .rw-response").last.locator('a[href="tel:+18885853788"]')).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "webchat-conversation.png"))

    # Reload: the same session comes back from localStorage and the history is still there.
    session = local_storage_session(page)
    page.reload()
    expect(page.locator(f"{W} .rw-launcher")).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    wait_status(page, "online")
    if page.locator(f"{W} .rw-conversation-container").count() == 0:
        page.locator(f"{W} .rw-launcher").click()
    bot_says(page, "Clean Power Alliance")
    expect(page.locator(f"{W} .rw-client").filter(has_text="my power is out")).to_be_visible()
    assert local_storage_session(page) == session
    bot_says(page, OUTAGE_LINE, say(page, "my power is out"))  # and the conversation goes on
    page.screenshot(path=str(ARTIFACTS / "webchat-after-reload.png"))

    hosts = {urlsplit(url).hostname for url in requested}
    assert hosts <= {"127.0.0.1", "localhost"}, f"the page loaded something from the internet: {requested}"
    assert csp_violations(page) == []
    assert not errors, errors
    context.close()


@servers
def test_quick_reply_buttons_answer_for_the_user(channels: ChannelStack, browser: Browser) -> None:
    context, page, _, errors = open_page(browser, channels.page_url + "/")
    page.get_by_role("button", name="Ask the assistant").click()
    bot_says(page, "Which city or community", say(page, "where does my electricity come from"))
    before = responses(page)
    page.locator(f"{W} .rw-reply", has_text="I don't know").click()
    # The click sent "/dont_know": the assistant explains where to look instead of asking again.
    bot_says(page, "bill", before)
    new = page.locator(f"{W} .rw-response").all_text_contents()[before:]
    assert not any("Which city or community" in text for text in new), new
    expect(page.locator(f"{W} .rw-reply")).to_have_count(0)  # the buttons are gone once used
    page.screenshot(path=str(ARTIFACTS / "webchat-quick-reply.png"))
    assert not errors, errors
    context.close()


@servers
def test_a_sparking_wire_gets_the_safety_instruction_first_and_again_on_a_follow_up(
    channels: ChannelStack, browser: Browser
) -> None:
    context, page, _, errors = open_page(browser, channels.page_url + "/")
    page.get_by_role("button", name="Ask the assistant").click()
    expect(page.locator(f"{W} .rw-response").first).to_contain_text("Hi!")  # the opening message
    sent = say(page, "there's a power line down in front of my house and it's sparking")
    bot_says(page, "Call 911", sent)
    bot_says(page, "For a downed or damaged power line", sent)  # then the routing, with SCE's outage line
    replies = page.locator(f"{W} .rw-response").all_inner_texts()[sent:]
    assert "100 feet" in replies[0] and "Call 911" in replies[0], replies  # the instruction comes first
    assert any(OUTAGE_LINE in text for text in replies[1:]), replies
    again = say(page, "should I move it off the sidewalk?")
    bot_says(page, "never try to move it", again)
    page.screenshot(path=str(ARTIFACTS / "webchat-safety.png"))
    assert not errors, errors
    context.close()


@servers
def test_keyboard_only_use_with_labels_announcements_and_no_axe_violations(
    channels: ChannelStack, browser: Browser
) -> None:
    context, page, _, errors = open_page(browser, channels.page_url + "/")
    wait_status(page, "online")
    assert axe_violations(page) == []  # closed: page and launcher

    # Open: Tab to the launcher, which has a name, and Enter; the cursor lands in the labelled input.
    focus_by_tab(page, f"{W} .rw-launcher")
    launcher = page.locator(f"{W} .rw-launcher")
    assert "Open the chat with the assistant" in (launcher.get_attribute("aria-label") or "")
    assert launcher.get_attribute("aria-expanded") == "false"
    assert focus_ring_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator(f"{W} .rw-conversation-container")).to_be_visible()
    page.wait_for_function("document.activeElement && document.activeElement.matches('.rw-new-message')")
    assert page.locator(f"{W} .rw-new-message").get_attribute("aria-label") == "Your question for the assistant"
    assert page.locator(f"{W} .rw-send").get_attribute("aria-label") == "Send"
    assert launcher.get_attribute("aria-expanded") == "true"
    assert focus_ring_visible(page)
    bot_says(page, "What's your question?")

    # Type and send; new replies are announced politely.
    page.keyboard.type("where does my electricity come from")
    before = responses(page)
    page.keyboard.press("Enter")
    bot_says(page, "Which city or community", before)
    live = page.locator(f"{W} [aria-live='polite']")
    expect(live).to_contain_text("Which city or community", timeout=REPLY_TIMEOUT_MS)
    expect(live).to_contain_text("I don't know")  # the options are read out too

    # Choose a reply button from the keyboard: back-tab from the input to it, Enter.
    reply = f"{W} .rw-reply"
    expect(page.locator(reply).last).to_be_visible()
    assert axe_violations(page) == []  # open, with a conversation and reply buttons
    focus_by_tab(page, reply, key="Shift+Tab", limit=10)
    assert page.evaluate("document.activeElement.getAttribute('role')") == "button"
    assert focus_ring_visible(page)
    before = responses(page)
    page.keyboard.press("Enter")
    bot_says(page, "bill", before)
    expect(live).to_contain_text("bill", timeout=REPLY_TIMEOUT_MS)
    page.wait_for_function("document.activeElement && document.activeElement.matches('.rw-new-message')")
    page.screenshot(path=str(ARTIFACTS / "webchat-keyboard.png"))

    # Close with Escape; focus returns to the launcher.
    page.keyboard.press("Escape")
    expect(page.locator(f"{W} .rw-conversation-container")).to_have_count(0)
    page.wait_for_function("document.activeElement && document.activeElement.matches('.rasa-assistant .rw-launcher')")
    assert focus_ring_visible(page)
    assert axe_violations(page) == []
    assert csp_violations(page) == []
    assert not errors, errors
    context.close()


@servers
def test_spanish_page_has_spanish_widget_texts_and_opening_message(channels: ChannelStack, browser: Browser) -> None:
    context, page, _, errors = open_page(browser, channels.page_url + "/es/")
    expect(page).to_have_title("¿A quién llamo? | Centro de Ayuda del Servicio Eléctrico (demo)")
    assert page.locator(W).get_attribute("lang") == "es"
    wait_status(page, "online")
    launcher = page.locator(f"{W} .rw-launcher")
    assert (launcher.get_attribute("aria-label") or "").startswith("Abrir el chat con el asistente")
    page.get_by_role("button", name="Pregúntele al asistente").click()
    expect(page.locator(f"{W} .rw-header")).to_contain_text("Asistente del Centro de Ayuda")
    expect(page.locator(f"{W} .rw-header")).to_contain_text("¿SCE, su CCA, CAISO o la CPUC?")
    box = page.locator(f"{W} .rw-new-message")
    assert (box.get_attribute("placeholder") or "").startswith("Pregunte sobre apagones")
    assert box.get_attribute("aria-label") == "Su pregunta para el asistente"
    # The opening message is the widget's own: nothing is asked of the assistant until the visitor writes.
    opening = page.locator(f"{W} .rasa-assistant__opening")
    expect(opening).to_contain_text("¡Hola! Le digo a quién contactar")
    expect(page.locator(f"{W} [aria-live='polite']")).to_contain_text("¡Hola!")
    page.wait_for_timeout(1500)
    assert responses(page) == 1 and page.locator(f"{W} .rw-client").count() == 0
    page.screenshot(path=str(ARTIFACTS / "webchat-es.png"))
    assert axe_violations(page) == []
    assert csp_violations(page) == []
    assert not errors, errors
    context.close()


@pytest.mark.parametrize(
    ("path", "lead", "label"),
    [
        ("/", "The assistant can't be reached right now", "Close the chat"),
        ("/es/", "En este momento no podemos comunicarnos con el asistente", "Cerrar el chat"),
    ],
)
def test_unreachable_assistant_shows_sce_phone_numbers(browser: Browser, path: str, lead: str, label: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    nobody = free_port()  # no Rasa there
    with serving("127.0.0.1", 0, PageConfig(rasa_port=nobody)) as url:
        context, page, _, _ = open_page(browser, url + path)
        # The launcher is shown although the assistant is unreachable, and the page's button opens the chat.
        expect(page.locator(f"{W} .rw-launcher")).to_be_visible()
        page.locator("#open-chat").click()
        expect(page.locator(f"{W} .rw-conversation-container")).to_be_visible()
        wait_status(page, "offline", timeout=15_000)
        notice = page.locator(f"{W} .rw-conversation-container .rasa-assistant__offline")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text(lead)
        expect(notice.locator('a[href="tel:+18006554555"]')).to_have_text(SCE_LINE)
        expect(notice.locator('a[href="tel:+18006111911"]')).to_have_text(OUTAGE_LINE)
        expect(page.locator(f"{W} [aria-live='polite']")).to_contain_text(lead)
        assert page.locator(f"{W} .rw-launcher").get_attribute("aria-label") == label
        expect(page.locator(f"{W} .rw-new-message")).to_be_disabled()  # nothing is queued to be lost
        page.screenshot(path=str(ARTIFACTS / f"webchat-offline{path.strip('/') and '-es'}.png"))
        assert axe_violations(page) == []
        assert csp_violations(page) == []
        context.close()


def test_widget_bundle_missing_shows_the_kits_own_launcher_with_phone_numbers(browser: Browser) -> None:
    with serving("127.0.0.1", 0, PageConfig(rasa_port=free_port())) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(WATCH_PAGE)
        context.route("**/kit/webchat.js*", lambda route: route.abort())  # e.g. blocked or the CDN is down
        page = context.new_page()
        page.goto(url + "/")
        wait_status(page, "unavailable", timeout=15_000)
        launcher = page.locator(f"{W} .rasa-assistant__fallback-launcher")
        expect(launcher).to_be_visible()
        assert "assistant unavailable" in (launcher.get_attribute("aria-label") or "")
        page.get_by_role("button", name="Ask the assistant").click()  # never a silent no-op
        panel = page.locator(f"{W} .rasa-assistant__fallback-panel")
        expect(panel).to_be_visible()
        expect(panel.locator('a[href="tel:+18006111911"]')).to_be_visible()
        expect(panel.locator('a[href="tel:+18006554555"]')).to_be_visible()
        assert axe_violations(page) == []
        page.keyboard.press("Escape")
        expect(panel).to_be_hidden()
        page.wait_for_function(
            "document.activeElement && document.activeElement.matches('.rasa-assistant__fallback-launcher')"
        )
        context.close()
