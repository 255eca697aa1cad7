"""Turn latency through the REST channel: sequential and concurrent conversations against a running server."""

from __future__ import annotations

import math
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Sequence

import requests

# A reply is an error when the server did not answer 200 with at least one message, or when the
# customer got the service-trouble apology instead of an answer.
ErrorCheck = Callable[[List[Dict]], str | None]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class LoadResult:
    """Latencies of all turns of one load run, in milliseconds, with errors and wall time."""

    latencies_ms: List[float] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)
    wall_seconds: float = 0.0

    def extend(self, other: LoadResult) -> None:
        """Merge another run (e.g. the next round) into this one."""
        self.latencies_ms.extend(other.latencies_ms)
        self.errors.extend(other.errors)
        self.wall_seconds += other.wall_seconds

    def summary(self) -> Dict[str, float]:
        turns = len(self.latencies_ms) + len(self.errors)
        return {
            "turns": turns,
            "p50_ms": round(percentile(self.latencies_ms, 50), 1),
            "p95_ms": round(percentile(self.latencies_ms, 95), 1),
            "p99_ms": round(percentile(self.latencies_ms, 99), 1),
            "errors": len(self.errors),
            "throughput_msgs_per_s": round(turns / self.wall_seconds, 2) if self.wall_seconds else 0.0,
        }


def _conversation(
    url: str, turns: Sequence[str], check: ErrorCheck, result: LoadResult, lock: threading.Lock, tag: str
) -> None:
    """Run one conversation turn by turn, recording each turn's latency or error."""
    sender = f"bench-{tag}-{uuid.uuid4().hex[:10]}"
    with requests.Session() as session:
        for text in turns:
            started = time.perf_counter()
            try:
                answer = session.post(
                    f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
                )
                elapsed_ms = (time.perf_counter() - started) * 1000
                error = f"HTTP {answer.status_code}" if answer.status_code != 200 else check(answer.json())
            except (requests.RequestException, ValueError) as exc:
                elapsed_ms, error = (time.perf_counter() - started) * 1000, exc.__class__.__name__
            with lock:
                if error:
                    result.errors.append(f"{text!r}: {error}")
                else:
                    result.latencies_ms.append(elapsed_ms)


def run_load(
    url: str, turns: Sequence[str], conversations: int, concurrency: int, check: ErrorCheck, tag: str = "load"
) -> LoadResult:
    """Run ``conversations`` scripted conversations, ``concurrency`` at a time.

    Args:
        url: Base URL of the Rasa server.
        turns: The user messages of one conversation, sent in order, each after the previous reply.
        conversations: How many conversations (each with a fresh sender id).
        concurrency: How many conversations run at once (1 = sequential).
        check: Returns an error description for a reply that is not a proper answer, else ``None``.
        tag: Part of the sender ids, to find the conversations in the tracker store.

    Returns:
        Latencies of the successful turns, the errors and the wall time.
    """
    result, lock = LoadResult(), threading.Lock()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [pool.submit(_conversation, url, turns, check, result, lock, tag) for _ in range(conversations)]
        for future in futures:
            future.result()
    result.wall_seconds = time.perf_counter() - started
    return result


def replied(messages: List[Dict]) -> str | None:
    """Any non-empty text reply counts (the baseline assistant)."""
    return None if any((m.get("text") or "").strip() for m in messages) else "no reply"


def routed_reply(apology_marker: str) -> ErrorCheck:
    """A reply that is not the service-trouble apology (our assistant)."""

    def check(messages: List[Dict]) -> str | None:
        problem = replied(messages)
        if problem:
            return problem
        if any(apology_marker in (m.get("text") or "") for m in messages):
            return "service-trouble apology"
        return None

    return check
