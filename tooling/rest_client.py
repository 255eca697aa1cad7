"""A small client for a running Rasa server: the REST channel and the tracker API."""

from __future__ import annotations

from typing import Any, Dict, List

import requests


class RasaClient:
    """Talk to one Rasa server as the REST channel does; read trackers with the API token."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.session = requests.Session()

    def send(self, sender: str, text: str) -> List[Dict[str, Any]]:
        """Post one user message; return the bot's replies (text, buttons, ...)."""
        response = self.session.post(
            f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=self.timeout
        )
        response.raise_for_status()
        return list(response.json())

    def tracker(self, sender: str) -> Dict[str, Any]:
        response = self.session.get(
            f"{self.url}/conversations/{sender}/tracker", params={"token": self.token}, timeout=self.timeout
        )
        response.raise_for_status()
        return dict(response.json())

    def parse(self, text: str) -> Dict[str, Any]:
        """The loaded model's NLU parse of ``text`` (``/model/parse``: intent, ranking, entities), no dialogue."""
        response = self.session.post(
            f"{self.url}/model/parse", params={"token": self.token}, json={"text": text}, timeout=self.timeout
        )
        response.raise_for_status()
        return dict(response.json())

    def slots(self, sender: str) -> Dict[str, Any]:
        return dict(self.tracker(sender).get("slots", {}))
