"""``scripts/run.sh`` (what ``make run`` ends with): configurable ports, generated files, clean Ctrl-C.

The run is interrupted while Rasa is still loading its model, which keeps this test fast; the full
start-up is what every other test in this directory runs against (with the same credentials module).
"""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

import pytest
import requests
from channels_support import MODEL

from bot.config import PROJECT_ROOT
from tooling.servers import free_port

pytestmark = [pytest.mark.servers]


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def session_processes(session_id: int) -> list:
    """Live processes of a session (the script and everything it started); zombies do not count."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getsid(int(entry.name)) == session_id and " Z " not in (entry / "stat").read_text():
                found.append(int(entry.name))
        except (ProcessLookupError, FileNotFoundError, PermissionError):
            continue
    return found


def test_run_script_serves_the_page_and_stops_everything_on_ctrl_c(tmp_path: Path) -> None:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first", pytrace=False)
    ports = {"RASA_PORT": free_port(), "ACTION_PORT": free_port(), "WEB_PORT": free_port()}
    env = {
        **os.environ,
        **{k: str(v) for k, v in ports.items()},
        "BOT_VAR_DIR": str(tmp_path / "var"),
        "SLACK_BOT_TOKEN": "xoxb-run-test",
        "SLACK_SIGNING_SECRET": "run-test-secret",
    }
    for name in ("RASA_AUTH_TOKEN", "RASA_JWT_SECRET", "WEB_ORIGINS", "SLACK_CHANNEL", "SLACK_API_URL"):
        env.pop(name, None)
    log = tmp_path / "run.out"
    with log.open("wb") as out:
        # A session of its own, like a terminal's foreground job: Ctrl-C signals the whole group.
        proc = subprocess.Popen(
            [str(PROJECT_ROOT / "scripts" / "run.sh")],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        page = f"http://127.0.0.1:{ports['WEB_PORT']}"
        deadline = time.monotonic() + 60
        while not listening(ports["WEB_PORT"]):
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the page server did not start"
            time.sleep(0.2)
        # The page's kit snippet connects to Rasa on RASA_PORT, under the host name the page was loaded from.
        home = requests.get(f"{page}/", timeout=10)
        assert home.status_code == 200
        assert f'data-rasa-url="http://127.0.0.1:{ports["RASA_PORT"]}"' in home.text

        var = tmp_path / "var"
        credentials = (var / "credentials.yml").read_text()
        assert "bot.channels.slack.SlackInput" in credentials and "xoxb-run-test" not in credentials
        assert f"http://localhost:{ports['WEB_PORT']}" in credentials  # the page origin, for socket.io
        token_file = var / "rasa_auth_token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600 and len(token_file.read_text().strip()) >= 32
        assert token_file.read_text().strip() not in log.read_text()  # the token is never printed
        assert len(session_processes(proc.pid)) >= 4  # run.sh, action server, Rasa, page server
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    output = log.read_text()
    assert proc.returncode == 130, output
    assert "stopped" in output
    deadline = time.monotonic() + 30
    while session_processes(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert session_processes(proc.pid) == [], "processes of the run are still alive"
    assert not [name for name, port in ports.items() if listening(port)], output
