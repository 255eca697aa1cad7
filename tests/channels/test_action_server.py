"""The hardened action server (``python -m actions.server``): loopback only, Rasa's secret, JSON only, no echo.

The first tests run its app in this process with two sample actions; the last ones start the real
server process on the project's actions and a seeded role table, and forge calls against it.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any, Dict, Iterator, Tuple

import aiohttp
import pytest
import requests
from inprocess import serve_app
from sqlalchemy import create_engine, text

from actions.server import create_app
from bot.config import PROJECT_ROOT
from tooling.servers import base_env, free_port, wait_http

SECRET = "action-server-test-secret-0123456789"
MARKUP = "<script>alert('x')</script>"


def action_call(action: str, text: str = "hi", channel: str = "rest", sender: str = "someone") -> Dict[str, Any]:
    """An action call shaped like the one Rasa 3.6 sends."""
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {"slots": {}, "responses": {}, "intents": [], "entities": [], "actions": [action], "forms": {}},
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "latest_message": {"text": text, "intent": {"name": "outage"}, "entities": []},
            "latest_event_time": None,
            "followup_action": None,
            "paused": False,
            "events": [],
            "latest_input_channel": channel,
            "active_loop": {},
            "latest_action": {"action_name": "action_listen"},
            "latest_action_name": "action_listen",
        },
    }


async def call(
    url: str, body: Any, headers: Dict[str, str] | None = None, method: str = "POST", path: str = "/webhook"
) -> Tuple[int, Dict[str, str], str]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with aiohttp.ClientSession() as session:
        async with session.request(method, f"{url}{path}", data=data, headers=headers or {}) as answer:
            return answer.status, dict(answer.headers), await answer.text()


JSON = {"Content-Type": "application/json"}
AUTH = {**JSON, "Authorization": f"Bearer {SECRET}"}


async def test_calls_without_the_shared_secret_are_refused():
    async with serve_app(create_app("sample_actions", SECRET)) as url:
        for headers in [
            JSON,
            {**JSON, "Authorization": "Bearer wrong"},
            {**JSON, "Authorization": SECRET},
            {**JSON, "Authorization": f"Basic {SECRET}"},
        ]:
            status, _, body = await call(url, action_call("action_hello"), headers)
            assert (status, json.loads(body)) == (401, {"error": "unauthorized"})
        assert (await call(url, b"", {}, "GET", "/actions"))[0] == 401
        status, _, body = await call(url, action_call("action_hello", sender="me"), AUTH)
        assert status == 200 and json.loads(body)["responses"][0]["text"] == "hello me"
        assert (await call(url, b"", {}, "GET", "/health"))[0] == 200  # the probe needs no secret
        status, _, body = await call(url, b"", {"Authorization": f"Bearer {SECRET}"}, "GET", "/actions")
        assert {"name": "action_hello"} in json.loads(body)


async def test_only_json_bodies_and_no_cors():
    async with serve_app(create_app("sample_actions", SECRET)) as url:
        for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""]:
            headers = {"Authorization": f"Bearer {SECRET}", "Content-Type": content_type}
            status, _, body = await call(url, action_call("action_hello"), headers)
            assert status == 415 and "hello" not in body
        status, headers, _ = await call(
            url,
            b"",
            {
                "Origin": "http://evil.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
            "OPTIONS",
        )
        assert status >= 400 and not any(h.lower().startswith("access-control") for h in headers)
        deflated = zlib.compress(json.dumps(action_call("action_hello", sender="z")).encode())
        status, _, body = await call(url, deflated, {**AUTH, "Content-Encoding": "deflate"})
        assert status == 200 and "hello z" in body  # what Rasa sends with COMPRESS_ACTION_SERVER_REQUEST


async def test_errors_never_echo_the_request():
    async with serve_app(create_app("sample_actions", SECRET)) as url:
        cases = [
            (action_call("action_explode", text=MARKUP, channel=MARKUP), 500),  # the action raises
            (action_call("action_explode", text="x" * 5000 + MARKUP), 500),
            (action_call(MARKUP), 404),
            ({"next_action": MARKUP}, 400),
            (b"[" * 100_000 + b"]" * 100_000, 400),
            (MARKUP.encode(), 400),
            (zlib.compress(b" " * 5_000_000), 413),  # a deflate bomb stops at the size limit
        ]
        for body, expected in cases:
            headers = {**AUTH, "Content-Encoding": "deflate"} if expected == 413 else AUTH
            status, _, answer = await call(url, body, headers)
            assert status == expected and MARKUP not in answer and "script" not in answer, answer
            assert set(json.loads(answer)) <= {"error", "action_name"}


async def test_without_a_secret_it_runs_open_for_development():
    async with serve_app(create_app("sample_actions", None)) as url:
        assert (await call(url, action_call("action_hello"), JSON))[0] == 200


# --- the real process -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, Any]]:
    """``python -m actions.server`` with a secret, on a freshly seeded SQLite role table."""
    from bot import db, seed

    work = Path(tmp_path_factory.mktemp("action-server"))
    database = f"sqlite:///{work / 'role_table.db'}"
    db.reset()
    seed.seed(url=database)
    db.reset()
    port = free_port()
    env = base_env({"ACTION_SERVER_SECRET": SECRET, "DATABASE_URL": database})
    env.pop("ACTION_SERVER_HOST", None)
    log = (work / "actions.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "actions.server", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_http(f"http://127.0.0.1:{port}/health", timeout=120, proc=proc)
        yield {"port": port, "database": database, "log": work / "actions.log"}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def inquiry_count(database: str) -> int:
    engine = create_engine(database)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM inquiries")).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.servers
def test_the_action_server_listens_on_loopback_only(action_server):
    port = action_server["port"]
    assert requests.get(f"http://127.0.0.1:{port}/health", timeout=10).status_code == 200
    # 127.0.0.2 is this machine too: a server bound to 0.0.0.0 would answer there, one bound to
    # 127.0.0.1 does not (the same holds for every other address of the machine).
    with socket.socket() as probe:
        probe.settimeout(5)
        assert probe.connect_ex(("127.0.0.2", port)) != 0
    listening = Path("/proc/net/tcp").read_text().splitlines()[1:]
    local = [line.split()[1] for line in listening if line.split()[3] == "0A"]  # state LISTEN
    assert f"0100007F:{port:04X}" in local and f"00000000:{port:04X}" not in local


@pytest.mark.servers
def test_forged_action_calls_write_nothing(action_server):
    url = f"http://127.0.0.1:{action_server['port']}/webhook"
    before = inquiry_count(action_server["database"])
    forged = action_call("action_route_inquiry", "my power is out", channel=MARKUP, sender=f"forged {MARKUP}")
    attempts = [
        requests.post(url, json=forged, timeout=30),
        requests.post(url, json=forged, headers={"Authorization": "Bearer guessed-secret"}, timeout=30),
        # What a web page can send without a CORS preflight: text/plain.
        requests.post(url, data=json.dumps(forged), headers={"Content-Type": "text/plain"}, timeout=30),
    ]
    assert [a.status_code for a in attempts] == [401, 401, 401]
    assert all(MARKUP not in a.text for a in attempts)
    with_secret_as_text = requests.post(
        url,
        data=json.dumps(forged),
        timeout=30,
        headers={"Content-Type": "text/plain", "Authorization": f"Bearer {SECRET}"},
    )
    assert with_secret_as_text.status_code == 415
    # A tracker rasa-sdk cannot read: the 500 says so in general terms only.
    broken = requests.post(
        url,
        json={**forged, "tracker": {**forged["tracker"], "latest_message": MARKUP}},
        timeout=30,
        headers={"Authorization": f"Bearer {SECRET}"},
    )
    assert broken.status_code == 500 and broken.json() == {"error": "internal error"}
    assert inquiry_count(action_server["database"]) == before
    logged = action_server["log"].read_text(errors="replace")
    assert "refused an action call without the shared secret" in logged and MARKUP not in logged
