"""The whole callback request (hand-off) in the demo page's chat widget, in headless Chromium.

The channel stack gives one party, Orange County Power Authority, a hand-off target: the loopback receiver
of tests/channels/conftest.py. A customer asks where their electricity comes from, names Irvine, accepts the
offer with the widget's reply button, gives a name, a phone number that is too short and then a valid one,
confirms with the button and reads the reference number; the receiver gets exactly that ticket, once, signed
with the configured secret. Declining with the "No" button files nothing. docs/handoff.md describes the flow.
"""

from __future__ import annotations

import time
from typing import Iterator, List

import pytest
from channels_support import ARTIFACTS, HANDOFF_SECRET, ChannelStack
from playwright.sync_api import Browser, expect
from widget_support import (
    HumanPace,
    W,
    bot_says,
    launch_browser,
    local_storage_session,
    open_page,
    responses,
    say,
    wait_status,
)

from bot.channels.identity import SessionTokens
from bot.handoff.models import HandoffTicket
from tooling.handoff_checks import REFERENCE, for_reference, rows, signed_as_documented

pytestmark = [pytest.mark.browser, pytest.mark.servers]

PARTY = "Orange County Power Authority"
OFFER = f"Would you like {PARTY} to contact you?"
QUESTION = "where does my electricity come from"
DELIVERY_TIMEOUT = 30.0  # seconds; the delivery loop is woken as soon as the ticket is filed
SETTLE = 1.5  # seconds: a second delivery would show by then (the stack's HANDOFF_POLL_SECONDS is 1)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch_browser()


class Customer:
    """A customer in the English demo page's chat, typing and clicking no faster than the channel allows."""

    def __init__(self, channels: ChannelStack, browser: Browser) -> None:
        """Open the page and the chat; wait for the greeting."""
        self.pace = HumanPace(channels.stack.env)
        self.context, self.page, _, self.errors = open_page(browser, channels.page_url + "/")
        # The widget's own two messages are counted once the assistant has them, never before.
        wait_status(self.page, "online")
        self.pace.wait()  # the session request on loading
        self.page.get_by_role("button", name="Ask the assistant").click()
        bot_says(self.page, "What's your question?")
        self.pace.wait()  # the greeting on opening

    def says(self, text: str) -> int:
        """Type and send ``text``; return how many bot messages there were before (as ``say``)."""
        self.pace.wait()
        return say(self.page, text)

    def clicks(self, title: str) -> int:
        """Click the reply button ``title``; return how many bot messages there were before."""
        self.pace.wait()
        before = responses(self.page)
        self.page.locator(f"{W} .rw-reply", has_text=title).click()
        expect(self.page.locator(f"{W} .rw-client").last).to_have_text(title)  # the click reads as the answer
        return before

    def buttons(self) -> List[str]:
        """The reply buttons the widget shows now, by their titles."""
        return [title.strip() for title in self.page.locator(f"{W} .rw-reply").all_text_contents()]

    def last_reply(self) -> str:
        return self.page.locator(f"{W} .rw-response").last.inner_text()

    def replies_since(self, since: int) -> str:
        """The assistant's messages after the first ``since`` (a long reply may come as several bubbles)."""
        return "\n".join(self.page.locator(f"{W} .rw-response").all_inner_texts()[since:])

    def is_offered_a_callback_for_irvine(self) -> None:
        """Ask ``QUESTION`` and name Irvine: the answer names OCPA, then the offer comes with two buttons."""
        bot_says(self.page, "Which city or community", self.says(QUESTION))
        bot_says(self.page, OFFER, self.says("Irvine"))
        expect(self.page.locator(f"{W} .rw-response").filter(has_text="in Irvine").last).to_contain_text(PARTY)
        assert self.buttons() == ["Yes, please", "No, thanks"]

    def sees_no_buttons(self) -> None:
        expect(self.page.locator(f"{W} .rw-reply")).to_have_count(0)

    def done(self) -> None:
        assert not self.errors, self.errors
        self.context.close()


def wait_for_ticket(channels: ChannelStack, reference: str) -> None:
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while not for_reference(channels.handoff, reference):
        assert time.monotonic() < deadline, f"ticket {reference} never reached the receiver"
        time.sleep(0.1)


def test_callback_request_in_the_widget_reaches_the_party_signed_and_once(
    channels: ChannelStack, browser: Browser
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    customer = Customer(channels, browser)
    page = customer.page
    received = len(channels.handoff.requests)
    customer.is_offered_a_callback_for_irvine()

    bot_says(page, f"What name should {PARTY} ask for?", customer.clicks("Yes, please"))
    customer.sees_no_buttons()
    bot_says(page, "What phone number or e-mail address", customer.says("Sam Park"))
    before = customer.says("626-302-121")  # nine digits: what is wrong, and the question again
    bot_says(page, "That phone number has 9 digits", before)
    bot_says(page, "What phone number or e-mail address", before)
    sent = customer.says("626-302-1212")
    bot_says(page, "Shall I send it?", sent)
    summary = customer.replies_since(sent)
    for line in (
        f"Here is what I'll send to {PARTY}",
        "Place: Irvine",
        f"Your question: “{QUESTION}”",  # the customer's words, not the city they answered
        "Name: Sam Park",
        "Contact: 626-302-1212",
    ):
        assert line in summary, summary
    assert customer.buttons() == ["Yes, send it", "No, don't send"]
    assert channels.handoff.requests[received:] == []  # nothing goes out before the confirmation

    bot_says(page, "reference number is", customer.clicks("Yes, send it"))
    done = customer.last_reply()
    assert f"I've passed your question to {PARTY}" in done and "contact you at 626-302-1212" in done, done
    match = REFERENCE.search(done)
    assert match, done
    reference = match.group(1)
    customer.sees_no_buttons()
    page.screenshot(path=str(ARTIFACTS / "webchat-handoff.png"))

    wait_for_ticket(channels, reference)
    time.sleep(SETTLE)
    new = channels.handoff.requests[received:]
    assert [r.headers.get("x-handoff-reference") for r in new] == [reference]  # once, and nothing else
    (record,) = new
    assert record.status == 200 and signed_as_documented(record, HANDOFF_SECRET.encode())
    assert not signed_as_documented(record, b"another secret")
    ticket = record.json()
    assert ticket["reference"] == reference
    assert ticket["party"] == {"kind": "CCA", "key": "ocpa", "name": PARTY}
    assert (ticket["topic"], ticket["place"], ticket["question"]) == ("generation", "Irvine", QUESTION)
    assert ticket["channel"] == "socketio"
    assert ticket["customer"] == {"name": "Sam Park", "phone": "626-302-1212", "email": None, "language": "en"}
    customer.done()


def test_declining_the_offer_with_the_no_button_sends_and_stores_nothing(
    channels: ChannelStack, browser: Browser
) -> None:
    customer = Customer(channels, browser)
    received = len(channels.handoff.requests)
    customer.is_offered_a_callback_for_irvine()

    bot_says(customer.page, "I won't pass anything on", customer.clicks("No, thanks"))
    customer.sees_no_buttons()
    assert "What name should" not in customer.last_reply()

    # No ticket row, so nothing can ever be sent for this conversation; and nothing was.
    conversation = SessionTokens(channels.stack.env["BOT_SESSION_SECRET"]).conversation_of(
        local_storage_session(customer.page)
    )
    assert conversation and rows(channels.database_url, HandoffTicket, conversation) == []
    assert channels.handoff.requests[received:] == []
    customer.done()
