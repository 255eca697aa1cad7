"""Scale-out: one and two Rasa replicas behind a real load balancer (HAProxy from Debian).

Both replicas run from the start on the shared PostgreSQL tracker store and Redis lock store, with one
action server; HAProxy is started by the benchmark, once with one replica behind it and once with both,
in alternating rounds, so the two figures come from the same processes in the same state. Turns of one
conversation go to whichever replica is least busy (``balance leastconn``): the shared stores carry the
conversation across them, as in production.

Besides messages per second, each run reads the CPU seconds every process used (from /proc), which gives
CPU milliseconds per message per component — the figures the capacity model in docs/production.md is
built from.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Sequence

from bench.measure import ErrorCheck, LoadResult, run_load
from tooling.servers import Server, Stack, free_port, wait_http

HAPROXY_CONFIG = """\
global
    maxconn 4096
defaults
    mode http
    timeout connect 5s
    timeout client 120s
    timeout server 120s
frontend chat
    bind 127.0.0.1:{port}
    default_backend rasa
backend rasa
    balance leastconn
    option httpchk GET /
{servers}
"""


def haproxy_binary() -> str:
    """HAProxy's path; ``make bench`` installs Debian's package when it is missing."""
    found = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    if not found:
        raise RuntimeError("haproxy is not installed: `apt-get install haproxy` (make bench does this)")
    return found


@contextmanager
def load_balancer(work: Path, backends: Sequence[str]) -> Iterator[str]:
    """Run HAProxy in front of ``backends`` (``http://host:port`` URLs); yield its URL."""
    port = free_port()
    servers = "\n".join(f"    server r{i} {url.split('://', 1)[1]} check inter 2s" for i, url in enumerate(backends))
    config = work / f"haproxy-{len(backends)}.cfg"
    config.write_text(HAPROXY_CONFIG.format(port=port, servers=servers), encoding="utf-8")
    log = (work / f"haproxy-{len(backends)}.log").open("ab")
    proc = subprocess.Popen([haproxy_binary(), "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/", timeout=30, proc=proc)
        time.sleep(2.5)  # one health-check round, so every backend is marked up
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@dataclass
class ScaleRun:
    """Load results and CPU seconds per process for one number of replicas, over all rounds."""

    load: LoadResult = field(default_factory=LoadResult)
    cpu_seconds: Dict[str, float] = field(default_factory=dict)

    def add_cpu(self, used: Dict[str, float]) -> None:
        for name, seconds in used.items():
            self.cpu_seconds[name] = self.cpu_seconds.get(name, 0.0) + seconds


def _cpu(servers: Dict[str, Server]) -> Dict[str, float]:
    return {name: server.cpu_seconds() for name, server in servers.items()}


def scale_out(
    work: Path,
    stack: Stack,
    turns: List[str],
    check: ErrorCheck,
    conversations: int,
    concurrency: int,
    rounds: int,
) -> Dict[int, ScaleRun]:
    """Throughput with one and with two replicas behind HAProxy, in alternating rounds.

    Args:
        work: Scratch directory for HAProxy's config and log.
        stack: A running stack with two Rasa replicas on shared stores.
        turns: The user messages of one conversation.
        check: Reply check (errors are counted, not raised).
        conversations: Conversations per round and replica count.
        concurrency: Conversations at once.
        rounds: Alternating rounds.

    Returns:
        ``{1: ScaleRun, 2: ScaleRun}``.
    """
    servers = {"actions": stack.actions, **{f"rasa{i}": server for i, server in enumerate(stack.rasa)}}
    runs = {1: ScaleRun(), 2: ScaleRun()}
    for _ in range(max(1, rounds)):
        for replicas in (1, 2):
            with load_balancer(work, [server.url for server in stack.rasa[:replicas]]) as url:
                run_load(url, turns, conversations=2, concurrency=1, check=check, tag=f"lb{replicas}-warmup")
                before = _cpu(servers)
                runs[replicas].load.extend(run_load(url, turns, conversations, concurrency, check, tag=f"lb{replicas}"))
                after = _cpu(servers)
            runs[replicas].add_cpu({name: after[name] - before[name] for name in servers})
    return runs


def summary(runs: Dict[int, ScaleRun], memory_mb: Dict[str, float]) -> Dict[str, float | int | None]:
    """Flat figures: throughput per replica count, CPU ms per message per component, memory per replica."""
    one, two = runs[1].load.summary(), runs[2].load.summary()
    figures: Dict[str, float | int | None] = {
        "throughput_msgs_per_s_1_replica": one["throughput_msgs_per_s"],
        "throughput_msgs_per_s_2_replicas": two["throughput_msgs_per_s"],
        "scale_out_ratio": round(two["throughput_msgs_per_s"] / one["throughput_msgs_per_s"], 2)
        if one["throughput_msgs_per_s"]
        else None,
        "lb_p95_ms_1_replica": one["p95_ms"],
        "lb_p95_ms_2_replicas": two["p95_ms"],
        "lb_errors": one["errors"] + two["errors"],
    }
    turns = one["turns"]
    if turns:
        rasa_cpu = sum(v for k, v in runs[1].cpu_seconds.items() if k.startswith("rasa"))
        figures["cpu_ms_per_msg_rasa"] = round(rasa_cpu * 1000 / turns, 1)
        figures["cpu_ms_per_msg_actions"] = round(runs[1].cpu_seconds.get("actions", 0.0) * 1000 / turns, 1)
    figures.update({f"rss_mb_{name}": round(mb, 1) for name, mb in memory_mb.items()})
    return figures
