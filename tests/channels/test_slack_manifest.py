"""slack/manifest.yml asks for exactly what bot/channels/slack.py needs: scopes, events, request URLs.

The Web API methods the connector calls are recorded from its output channel talking to a local stand-in
for Slack; the events it answers are checked with its own filters. Each is mapped to the bot scope Slack
documents for it, and the manifest must ask for those scopes and no others. No Rasa server needed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict, List, Set

import pytest
import yaml
from channels_support import SlackApiStandIn

from bot.channels.slack import SlackBot, SlackInput
from bot.config import PROJECT_ROOT

MANIFEST = PROJECT_ROOT / "slack" / "manifest.yml"
PLACEHOLDER_HOST = "CHAT.EXAMPLE.ORG"

# Slack's documented bot scope for each Web API method and each event subscription the connector may use.
METHOD_SCOPES = {
    "chat.postMessage": "chat:write",
    "files.upload": "files:write",
    "users.info": "users:read",
    "conversations.info": "channels:read",
    "reactions.add": "reactions:write",
}
EVENT_SCOPES = {
    "app_mention": "app_mentions:read",
    "message.im": "im:history",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.mpim": "mpim:history",
}
# What an event of each subscription looks like when it reaches the webhook (Events API "event" object).
CHANNEL_TYPES = {"message.im": "im", "message.channels": "channel", "message.groups": "group", "message.mpim": "mpim"}


def load(path: Path = MANIFEST) -> Dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def sample_event(subscription: str, channel: str = "C0123456789") -> Dict[str, Any]:
    event: Dict[str, Any] = {"user": "U1", "text": "my power is out", "ts": "1.000001", "channel": channel}
    if subscription == "app_mention":
        event.update(type="app_mention", text="<@UBOT> my power is out")
    else:
        event.update(type="message", channel_type=CHANNEL_TYPES[subscription])
    return {"type": "event_callback", "event": event}


def connector(slack_channel: str | None = None) -> SlackInput:
    channel = SlackInput.from_credentials(
        {"slack_token": "xoxb-test", "slack_signing_secret": "secret", "slack_channel": slack_channel}
    )
    assert isinstance(channel, SlackInput)
    return channel


def handled(subscription: str, slack_channel: str | None) -> bool:
    """Whether the connector answers an event of this subscription (its own filters, as in its webhook)."""
    payload = sample_event(subscription)
    slack = connector(slack_channel)
    metadata = {"out_channel": payload["event"]["channel"], "users": []}
    return bool(slack._is_user_message(payload)) and bool(slack._is_supported_channel(payload, metadata))


def methods_called() -> Set[str]:
    """The Web API methods the output channel calls for every kind of reply Rasa can send."""
    with SlackApiStandIn() as api:
        bot = SlackBot("xoxb-test", "C0123456789", thread_id="1.000001", api_url=api.url)

        async def reply_in_every_way() -> None:
            await bot.send_text_message("U1", "For power outages, contact SCE.")
            await bot.send_text_with_buttons("U1", "Which city?", [{"title": "I don't know", "payload": "/dont_know"}])
            await bot.send_image_url("U1", "https://example.org/map.png")
            await bot.send_attachment("U1", "an attachment")
            await bot.send_custom_json("U1", {"text": "custom"})

        asyncio.run(reply_in_every_way())
        return {call["method"] for call in api.calls}


def test_manifest_is_complete_for_creating_the_app_in_one_step() -> None:
    manifest = load()
    assert manifest["display_information"]["name"]
    assert manifest["features"]["bot_user"]["display_name"]
    # Direct messages need the Messages tab, writable.
    app_home = manifest["features"]["app_home"]
    assert app_home["messages_tab_enabled"] is True and app_home["messages_tab_read_only_enabled"] is False
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is False  # the connector is an HTTP webhook
    assert settings["interactivity"]["is_enabled"] is True  # reply buttons


def test_request_urls_point_at_the_connector_webhook() -> None:
    settings = load()["settings"]
    path = f"/webhooks/{SlackInput.name()}/webhook"
    urls = [settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"]]
    for url in urls:
        assert url == f"https://{PLACEHOLDER_HOST}{path}", url  # HTTPS, our route, one obvious placeholder
    assert MANIFEST.read_text(encoding="utf-8").count(PLACEHOLDER_HOST) == 2 + 1  # the two URLs + the comment


def test_every_subscribed_event_is_one_the_connector_answers() -> None:
    for subscription in load()["settings"]["event_subscriptions"]["bot_events"]:
        assert subscription in EVENT_SCOPES, f"unknown event {subscription}"
        # Channel messages are answered in SLACK_CHANNEL; DMs and mentions everywhere.
        slack_channel = "C0123456789" if subscription in ("message.channels", "message.groups") else None
        assert handled(subscription, slack_channel), f"the connector ignores {subscription}"


def test_every_event_the_connector_answers_is_subscribed() -> None:
    subscribed = set(load()["settings"]["event_subscriptions"]["bot_events"])
    answered = {subscription for subscription in EVENT_SCOPES if handled(subscription, None)}
    assert answered == {"app_mention", "message.im"}  # without SLACK_CHANNEL
    in_slack_channel = {subscription for subscription in EVENT_SCOPES if handled(subscription, "C0123456789")}
    # message.mpim would only matter for a group DM set as SLACK_CHANNEL: not offered.
    assert answered | (in_slack_channel - {"message.mpim"}) <= subscribed
    assert not handled("message.mpim", None) and "message.mpim" not in subscribed


@pytest.mark.filterwarnings("ignore::UserWarning")  # slack_sdk's advice on message texts, for the image reply
def test_scopes_are_exactly_what_the_connector_uses() -> None:
    manifest = load()
    methods = methods_called()
    assert methods == {"chat.postMessage"}, methods
    needed: Set[str] = {METHOD_SCOPES[method] for method in methods}
    needed |= {EVENT_SCOPES[event] for event in manifest["settings"]["event_subscriptions"]["bot_events"]}
    scopes: List[str] = manifest["oauth_config"]["scopes"]["bot"]
    assert len(scopes) == len(set(scopes))
    assert set(scopes) == needed, f"missing {needed - set(scopes)}, unused {set(scopes) - needed}"
    assert "user" not in manifest["oauth_config"]["scopes"]  # no user token, no user scopes


@pytest.mark.parametrize("name", ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"])
def test_docs_name_the_two_variables_the_manifest_setup_needs(name: str) -> None:
    docs = (PROJECT_ROOT / "docs" / "channels.md").read_text(encoding="utf-8")
    section = docs[docs.index("## Slack") :]
    assert "slack/manifest.yml" in section and name in section
