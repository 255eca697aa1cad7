"""Start and stop the real Rasa and action servers as subprocesses (eval, tests, benchmarks).

Rasa servers read an endpoints file rendered by :mod:`bot.deploy.endpoints` from the stack's environment,
so ``TRACKER_DB_URL`` / ``REDIS_URL`` in ``extra_env`` give every instance the same PostgreSQL tracker
store and Redis lock store; without them each stack gets its own SQLite tracker file in ``log_dir``.
``BOT_ENDPOINTS`` (a path) bypasses the rendering.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List

import requests

from bot.config import MODEL_PATH, PROJECT_ROOT
from bot.deploy import endpoints

VENV_BIN = Path(sys.executable).parent
RASA_START_TIMEOUT = 300.0  # loading the model takes a minute or more on two busy cores


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 180.0, proc: subprocess.Popen | None = None) -> None:
    """Poll ``url`` until it answers below 500.

    Raises:
        RuntimeError: ``proc`` exited first.
        TimeoutError: No answer within ``timeout`` seconds.
    """
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


def seeded_sqlite(path: Path) -> str:
    """Seed a SQLite role-table database from ``seed/`` for a stack of its own.

    The tickets, inquiries and events of a stack's test conversations then stay out of the developer's
    database, and tickets left pending there never reach a test's receiver.

    Args:
        path: The database file to create.

    Returns:
        Its URL, for the stack's ``DATABASE_URL``.
    """
    from bot import db, repository  # here, not at the top: only stacks with a database of their own seed
    from bot.seed import seed

    url = f"sqlite:///{path}"
    db.reset()  # seeding uses this process's engine: start from, and leave, no cached engine or snapshot
    repository.invalidate_cache()
    seed(url=url)
    db.reset()
    return url


def _process_tree(pid: int) -> List[int]:
    """``pid`` and all its descendants (from /proc)."""
    children: Dict[int, List[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name may contain spaces and parentheses: fields follow the last ")".
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants in MiB (from /proc; 0.0 if it is gone)."""
    total_kb = 0
    for current in _process_tree(pid):
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by ``pid`` and its live descendants (from /proc; 0.0 if gone)."""
    ticks = 0
    for current in _process_tree(pid):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        except (OSError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    """One server process in its own process group, restartable with the same command and port."""

    name: str
    proc: subprocess.Popen
    url: str
    log: Path
    command: List[str] = field(default_factory=list)
    env: Dict[str, str] = field(default_factory=dict)
    health_path: str = "/"
    start_timeout: float = 180.0

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Send ``sig`` to the process group and wait; SIGKILL if it lingers 20 s."""
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

    def kill(self) -> None:
        """``kill -9`` the process group: no shutdown hooks, as in a crash or an OOM kill."""
        self.stop(signal.SIGKILL)

    def start(self, wait: bool = True) -> Server:
        """(Re)start the process with the same command, environment and port (log appended)."""
        if self.proc.poll() is None:
            raise RuntimeError(f"{self.name} at {self.url} is still running")
        self.proc = _spawn(self.command, self.env, self.log)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self) -> None:
        """Block until the health URL answers."""
        wait_http(f"{self.url}{self.health_path}", timeout=self.start_timeout, proc=self.proc)

    def rss_mb(self) -> float:
        """Resident memory of the server and its children in MiB."""
        return rss_mb(self.proc.pid) if self.proc.poll() is None else 0.0

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server and its children have used so far."""
        return cpu_seconds(self.proc.pid) if self.proc.poll() is None else 0.0


@dataclass
class Stack:
    """A running assistant: one action server and one or more Rasa servers."""

    actions: Server
    rasa: List[Server] = field(default_factory=list)
    token: str = ""
    env: Dict[str, str] = field(default_factory=dict)
    endpoints: Path | None = None

    @property
    def url(self) -> str:
        return self.rasa[0].url

    def stop(self) -> None:
        for server in [*self.rasa, self.actions]:
            server.stop()


def base_env(extra: Dict[str, str] | None = None) -> Dict[str, str]:
    """The current environment plus quiet, unbuffered Rasa settings and ``extra``."""
    env = dict(os.environ)
    env.update({"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"})
    env.update(extra or {})
    return env


def _spawn(command: List[str], env: Dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:  # the child keeps its own descriptor
        return subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def spawn_actions(port: int, env: Dict[str, str], log_dir: Path) -> Server:
    """Start the hardened action server (``python -m actions.server``, as ``make run`` does) on ``port``
    without waiting for it; it requires ``ACTION_SERVER_SECRET`` from Rasa when ``env`` sets it."""
    log = log_dir / f"actions-{port}.log"
    command = [str(VENV_BIN / "python"), "-m", "actions.server", "--port", str(port)]
    return Server("actions", _spawn(command, env, log), f"http://127.0.0.1:{port}", log, command, env, "/health")


def start_actions(port: int, env: Dict[str, str], log_dir: Path) -> Server:
    """Start an action server on ``port`` and wait until it answers."""
    server = spawn_actions(port, env, log_dir)
    server.wait_ready()
    return server


def spawn_rasa(
    port: int, env: Dict[str, str], log_dir: Path, model: Path, extra_args: List[str] | None = None
) -> Server:
    """Start a Rasa server (REST channel and HTTP API) on ``port`` without waiting for the model to load."""
    log = log_dir / f"rasa-{port}.log"
    command = [
        str(VENV_BIN / "rasa"),
        "run",
        "--model",
        str(model),
        "--port",
        str(port),
        "--endpoints",
        env.get("BOT_ENDPOINTS", "endpoints.yml"),
        "--credentials",
        env.get("BOT_CREDENTIALS", "credentials.yml"),
        "--enable-api",
        "--auth-token",
        env["RASA_AUTH_TOKEN"],
        *(extra_args or []),
    ]
    return Server(
        "rasa", _spawn(command, env, log), f"http://127.0.0.1:{port}", log, command, env, "/", RASA_START_TIMEOUT
    )


def start_rasa(
    port: int, env: Dict[str, str], log_dir: Path, model: Path, extra_args: List[str] | None = None
) -> Server:
    """Start a Rasa server on ``port`` and wait until the model is loaded and it answers."""
    server = spawn_rasa(port, env, log_dir, model, extra_args)
    server.wait_ready()
    return server


def stack_env(log_dir: Path, extra_env: Dict[str, str] | None = None, action_port: int | None = None) -> Dict[str, str]:
    """Environment of a stack: auth token, action endpoint and a rendered endpoints file (unless BOT_ENDPOINTS).

    Args:
        log_dir: Where logs, the rendered endpoints file and the default SQLite tracker store go.
        extra_env: Overrides, e.g. ``TRACKER_DB_URL``, ``REDIS_URL``, ``LOCK_STORE_KEY_PREFIX``;
            ``ACTION_SERVER_SECRET`` and ``BOT_SESSION_SECRET`` are random per stack unless set.
        action_port: Port of the action server (a free one if ``None``).

    Returns:
        The environment for every server of the stack.
    """
    token = os.environ.get("RASA_AUTH_TOKEN") or f"test-{os.getpid()}-{time.time_ns()}"
    port = action_port or free_port()
    # Like scripts/run.sh: Rasa and the action server share a secret; widget sessions are signed.
    secrets_env = {
        "ACTION_SERVER_SECRET": os.environ.get("ACTION_SERVER_SECRET") or secrets.token_urlsafe(32),
        "BOT_SESSION_SECRET": os.environ.get("BOT_SESSION_SECRET") or secrets.token_urlsafe(32),
    }
    env = base_env(
        {
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{port}/webhook",
            "RASA_AUTH_TOKEN": token,
            **secrets_env,
            **(extra_env or {}),
        }
    )
    if not env.get("BOT_ENDPOINTS"):
        env["BOT_ENDPOINTS"] = str(endpoints.write(log_dir / "endpoints.yml", env, var_dir=log_dir))
    return env


@contextmanager
def running_stack(
    log_dir: Path,
    model: Path = MODEL_PATH,
    rasa_instances: int = 1,
    extra_env: Dict[str, str] | None = None,
    rasa_args: List[str] | None = None,
) -> Iterator[Stack]:
    """Start an action server and ``rasa_instances`` Rasa servers on free ports; stop them after.

    All processes start at once (model loading dominates and runs in parallel), then each is awaited.

    Args:
        log_dir: Logs, rendered endpoints file, default SQLite tracker store.
        model: Trained model archive.
        rasa_instances: Rasa servers sharing the tracker and lock stores.
        extra_env: Environment overrides for all servers (see :func:`stack_env`).
        rasa_args: Extra ``rasa run`` arguments for every Rasa server, e.g. ``["--cors", ORIGIN]``.

    Yields:
        The running :class:`Stack`.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    action_port = free_port()
    env = stack_env(log_dir, extra_env, action_port)
    stack = Stack(
        actions=spawn_actions(action_port, env, log_dir),
        token=env["RASA_AUTH_TOKEN"],
        env=env,
        endpoints=Path(env["BOT_ENDPOINTS"]),
    )
    try:
        ports: List[int] = [action_port]
        for _ in range(rasa_instances):
            port = free_port()
            while port in ports:  # a just-probed port can be handed out again before anyone binds it
                port = free_port()
            ports.append(port)
            stack.rasa.append(spawn_rasa(port, env, log_dir, model, rasa_args))
        for server in [stack.actions, *stack.rasa]:
            server.wait_ready()
        yield stack
    finally:
        stack.stop()
