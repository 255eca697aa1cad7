"""Start and stop the real Rasa and action servers as subprocesses (eval, tests, benchmarks)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import requests

from bot.config import PROJECT_ROOT

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 180.0, proc: Optional[subprocess.Popen] = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f}s")


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    url: str
    log: Path

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


@dataclass
class Stack:
    """A running assistant: one action server and one or more Rasa servers."""

    actions: Server
    rasa: List[Server] = field(default_factory=list)
    token: str = ""
    env: Dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.rasa[0].url

    def stop(self) -> None:
        for server in [*self.rasa, self.actions]:
            server.stop()


def base_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    env.update({"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"})
    env.update(extra or {})
    return env


def start_actions(port: int, env: Dict[str, str], log_dir: Path) -> Server:
    log = log_dir / f"actions-{port}.log"
    proc = subprocess.Popen(
        [str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(port)],
        cwd=PROJECT_ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    server = Server("actions", proc, f"http://127.0.0.1:{port}", log)
    wait_http(f"{server.url}/health", proc=proc)
    return server


def start_rasa(port: int, env: Dict[str, str], log_dir: Path, model: Path, extra_args: Optional[List[str]] = None) -> Server:
    log = log_dir / f"rasa-{port}.log"
    args = [
        str(VENV_BIN / "rasa"), "run", "--model", str(model), "--port", str(port), "--endpoints", env.get("BOT_ENDPOINTS", "endpoints.yml"),
        "--credentials", env.get("BOT_CREDENTIALS", "credentials.yml"), "--enable-api", "--auth-token", env["RASA_AUTH_TOKEN"],
        *(extra_args or []),
    ]
    proc = subprocess.Popen(args, cwd=PROJECT_ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    server = Server("rasa", proc, f"http://127.0.0.1:{port}", log)
    wait_http(f"{server.url}/", proc=proc, timeout=240)
    return server


@contextmanager
def running_stack(
    log_dir: Path,
    model: Path = PROJECT_ROOT / "models" / "assistant.tar.gz",
    rasa_instances: int = 1,
    extra_env: Optional[Dict[str, str]] = None,
) -> Iterator[Stack]:
    """Start an action server and ``rasa_instances`` Rasa servers on free ports; stop them after."""
    log_dir.mkdir(parents=True, exist_ok=True)
    action_port = free_port()
    token = os.environ.get("RASA_AUTH_TOKEN") or f"test-{os.getpid()}-{time.time_ns()}"
    env = base_env({"ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook", "RASA_AUTH_TOKEN": token, **(extra_env or {})})
    actions = start_actions(action_port, env, log_dir)
    stack = Stack(actions=actions, token=token, env=env)
    try:
        for _ in range(rasa_instances):
            stack.rasa.append(start_rasa(free_port(), env, log_dir, model))
        yield stack
    finally:
        stack.stop()
