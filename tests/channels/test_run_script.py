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


def listening_addresses(port: int) -> set:
    """Local IPv4 addresses with a socket listening on ``port`` (from /proc/net/tcp)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        address, hex_port = fields[1].split(":")
        if fields[3] == "0A" and int(hex_port, 16) == port:  # state LISTEN
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


def wait_until(condition, message: str, proc: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, message
        time.sleep(0.2)


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
    for name in (
        "RASA_AUTH_TOKEN",
        "RASA_JWT_SECRET",
        "WEB_ORIGINS",
        "SLACK_CHANNEL",
        "SLACK_API_URL",
        "ACTION_SERVER_SECRET",
        "ACTION_SERVER_HOST",
        "BOT_SESSION_SECRET",
        "TRACKER_DB_URL",
    ):
        env.pop(name, None)
    # What `make db` and an earlier run leave behind, with the modes they used to get.
    var = tmp_path / "var"
    (var / "logs").mkdir(parents=True)
    var.chmod(0o755)
    for leftover in (var / "role_table.db", var / "logs" / "rasa.log"):
        leftover.write_bytes(b"")
        leftover.chmod(0o644)
    # A token from an earlier run that starts with "-" (secrets.token_urlsafe makes one in 64 so).
    (var / "rasa_auth_token").write_text("-" + "t0ken" * 8 + "\n")
    (var / "rasa_auth_token").chmod(0o644)
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

        credentials = (var / "credentials.yml").read_text()
        assert "bot.channels.slack.SlackInput" in credentials and "xoxb-run-test" not in credentials
        assert f"http://localhost:{ports['WEB_PORT']}" in credentials  # the page origin, for socket.io
        token_file = var / "rasa_auth_token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600 and len(token_file.read_text().strip()) >= 32
        assert token_file.read_text().strip() not in log.read_text()  # the token is never printed
        assert len(session_processes(proc.pid)) >= 4  # run.sh, action server, Rasa, page server

        # The action server listens on loopback only and requires the generated shared secret.
        actions_port = ports["ACTION_PORT"]
        wait_until(lambda: listening(actions_port), "the action server did not start", proc, log)
        assert listening_addresses(actions_port) == {"127.0.0.1"}
        with socket.socket() as probe:  # 127.0.0.2 is this machine too; a 0.0.0.0 bind would answer there
            probe.settimeout(5)
            assert probe.connect_ex(("127.0.0.2", actions_port)) != 0
        secret = (var / "action_server_secret").read_text().strip()
        assert len(secret) >= 32 and secret not in log.read_text()
        forged = requests.post(
            f"http://127.0.0.1:{actions_port}/webhook",
            timeout=10,
            json={"next_action": "action_route_inquiry", "tracker": {}},
        )
        assert forged.status_code == 401
        assert "${ACTION_SERVER_SECRET}" in (var / "endpoints.yml").read_text()  # Rasa sends it; not on disk

        # Data files, logs and secrets are the owner's only; so are the directories.
        wait_until(
            lambda: (var / "tracker.db").exists() and (var / "session_secret").exists(),
            "Rasa created no tracker store / session secret",
            proc,
            log,
        )
        assert stat.S_IMODE(var.stat().st_mode) == 0o700 and stat.S_IMODE((var / "logs").stat().st_mode) == 0o700
        files = [path for path in var.rglob("*") if path.is_file()]
        modes = {str(path.relative_to(var)): oct(stat.S_IMODE(path.stat().st_mode)) for path in files}
        assert {
            "role_table.db",
            "tracker.db",
            "session_secret",
            "action_server_secret",
            "endpoints.yml",
            "credentials.yml",
            "rasa_auth_token",
            "logs/rasa.log",
            "logs/actions.log",
        } <= set(modes), modes
        assert set(modes.values()) == {"0o600"}, modes
        assert "retention: deleted 0 conversations" in log.read_text()
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
