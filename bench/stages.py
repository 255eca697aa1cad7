"""Where a routed turn's time goes, stage by stage.

The trained model is loaded in this process with the stack's own endpoints file (the same tracker store,
lock store and action server as ``rasa run`` uses), and timers wrap the processor's stages while routed
conversations run through :meth:`rasa.core.agent.Agent.handle_message`. What the in-process turn leaves
out — the HTTP request, the input channel and the edge's guards — is the REST turn's median minus the
in-process turn's median (``channel``). The role-table lookup and the inquiry insert happen inside the
action call; they are timed again directly, in this process, against the same database.

Stages are medians per turn in milliseconds (a stage that runs twice in a turn counts both), plus how many
times each ran per turn, so the breakdown says both what a stage costs and how often it is paid.
"""

from __future__ import annotations

import asyncio
import functools
import os
import statistics
import time
import uuid
from collections import defaultdict
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Sequence, Tuple

# (label, owner path, attribute): what each stage wraps. Async and sync callables alike.
STAGES: Sequence[Tuple[str, str, str]] = (
    ("tracker_load", "rasa.core.processor.MessageProcessor", "fetch_tracker_and_update_session"),
    ("nlu", "rasa.core.processor.MessageProcessor", "parse_message"),
    ("slot_extraction", "rasa.core.processor.MessageProcessor", "run_action_extract_slots"),
    ("prediction", "rasa.core.processor.MessageProcessor", "_predict_next_with_tracker"),
    ("action_call", "rasa.core.actions.action.RemoteAction", "run"),
    ("form_call", "rasa.core.actions.loops.LoopAction", "run"),
    ("tracker_copy", "rasa.shared.core.trackers.DialogueStateTracker", "copy"),
    ("tracker_save", "rasa.core.processor.MessageProcessor", "save_tracker"),
)


def _resolve(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(__import__(module, fromlist=[name]), name)


class StageTimer:
    """Accumulates wall time and calls per stage for the current turn (turns run one at a time)."""

    def __init__(self) -> None:
        self.turn: Dict[str, float] = defaultdict(float)
        self.calls: Dict[str, int] = defaultdict(int)
        self._stack: List[float] = []

    def wrap(self, label: str, func: Callable[..., Any]) -> Callable[..., Any]:
        """``func`` with its time added to ``label``."""
        if asyncio.iscoroutinefunction(func):

            @functools.wraps(func)
            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                with self._timing(label):
                    return await func(*args, **kwargs)

            return timed_async

        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self._timing(label):
                return func(*args, **kwargs)

        return timed

    def wrap_named(self, label: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator form of :meth:`wrap`."""
        return lambda func: self.wrap(label, func)

    @contextmanager
    def _timing(self, label: str) -> Iterator[None]:
        # Exclusive times: a stage inside another (the form's validation call, a tracker copy inside a
        # prediction) is subtracted from its parent, so the stages add up to the turn.
        self._stack.append(0.0)
        started = time.perf_counter()
        try:
            yield
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            nested = self._stack.pop()
            self.turn[label] += elapsed - nested
            self.calls[label] += 1
            if self._stack:
                self._stack[-1] += elapsed

    def take(self) -> Tuple[Dict[str, float], Dict[str, int]]:
        """This turn's figures; resets for the next turn."""
        figures, calls = dict(self.turn), dict(self.calls)
        self.turn.clear()
        self.calls.clear()
        return figures, calls


@contextmanager
def timed_stages(timer: StageTimer) -> Iterator[None]:
    """Patch every stage of :data:`STAGES` with ``timer`` for the duration of the block."""
    with ExitStack() as undo:
        for label, owner_path, attribute in STAGES:
            owner = _resolve(owner_path)
            original = owner.__dict__[attribute]
            setattr(owner, attribute, timer.wrap(label, original))
            undo.callback(setattr, owner, attribute, original)
        yield


async def _turns(endpoints_file: Path, model: Path, conversations: Sequence[Sequence[str]]) -> List[Dict[str, Any]]:
    from rasa.core.agent import load_agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # Logging as `rasa run` sets it up (unconfigured, structlog would print every debug dump of every turn).
    configure_logging_and_warnings()
    configure_structlog()

    agent = await load_agent(model_path=str(model), endpoints=AvailableEndpoints.read_endpoints(str(endpoints_file)))
    timer = StageTimer()
    rows: List[Dict[str, Any]] = []
    with timed_stages(timer):
        for turns in conversations:
            sender = f"bench-stages-{uuid.uuid4().hex[:10]}"
            for text in turns:
                output = CollectingOutputChannel()
                started = time.perf_counter()
                await agent.handle_message(UserMessage(text, output, sender, input_channel="rest"))
                total = (time.perf_counter() - started) * 1000
                figures, calls = timer.take()
                rows.append({"text": text, "total": total, "figures": figures, "calls": calls})
    return rows


def role_table_ms(repeat: int = 200) -> Dict[str, float]:
    """Median milliseconds of the lookups the routing action makes, against the configured database."""
    from bot.inquiries import InquiryRecord, record_inquiry
    from bot.routing import route

    route("generation", place="Irvine")  # loads and caches the role table
    lookups = []
    for _ in range(repeat):
        started = time.perf_counter()
        route("generation", place="Irvine")
        route("outage", place="Irvine")
        lookups.append((time.perf_counter() - started) * 1000 / 2)
    inserts = []
    for _ in range(max(1, repeat // 10)):
        started = time.perf_counter()
        record_inquiry(InquiryRecord(f"bench-{uuid.uuid4().hex[:8]}", "bench", "outage", "SCE", None, None, 1.0))
        inserts.append((time.perf_counter() - started) * 1000)
    return {"role_table_lookup": statistics.median(lookups), "inquiry_insert": statistics.median(inserts)}


def profile(
    env: Dict[str, str], model: Path, turns: Sequence[str], conversations: int, rest_p50_ms: float | None
) -> Dict[str, Any]:
    """Run ``conversations`` routed conversations in-process and break their turns down by stage.

    Args:
        env: The stack's environment (endpoints file, secrets, database URLs), applied to this process.
        model: The trained model the stack serves.
        turns: The user messages of one conversation.
        conversations: How many conversations (the first one warms caches and is left out).
        rest_p50_ms: The median REST turn of the same conversation through the running server, or ``None``.

    Returns:
        ``{"per_turn_ms": {stage: median}, "calls_per_turn": {stage: median count}, "turn_ms": ...}``.
    """
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        rows = asyncio.run(_turns(Path(env["BOT_ENDPOINTS"]), model, [turns] * (conversations + 1)))
        direct = role_table_ms()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    rows = rows[len(turns) :]  # the warm-up conversation
    labels = [label for label, _, _ in STAGES]
    per_turn = {label: round(statistics.median(r["figures"].get(label, 0.0) for r in rows), 1) for label in labels}
    calls = {label: statistics.median(r["calls"].get(label, 0) for r in rows) for label in labels}
    turn_ms = statistics.median(r["total"] for r in rows)
    # Actions run inside the loop: the copy of the tracker before each action is not in the action call.
    accounted = sum(per_turn.values())
    per_turn["other_processing"] = round(max(0.0, turn_ms - accounted), 1)
    if rest_p50_ms is not None:
        per_turn["channel"] = round(max(0.0, rest_p50_ms - turn_ms), 1)
    per_turn.update({name: round(value, 2) for name, value in direct.items()})
    by_turn: Dict[str, Dict[str, float]] = {}
    for text in turns:
        mine = [r for r in rows if r["text"] == text]
        by_turn[text] = {
            "turn_ms": round(statistics.median(r["total"] for r in mine), 1),
            "predictions": statistics.median(r["calls"].get("prediction", 0) for r in mine),
            "action_calls": statistics.median(
                r["calls"].get("action_call", 0) + r["calls"].get("form_call", 0) for r in mine
            ),
        }
    return {
        "per_turn_ms": per_turn,
        "calls_per_turn": calls,
        "turn_ms_in_process": round(turn_ms, 1),
        "by_message": by_turn,
    }


def table(stages: Dict[str, Any]) -> str:
    """The breakdown as text."""
    lines = [f"{'stage (median per routed turn)':<42}{'ms':>10}{'calls':>8}", "-" * 60]
    for label, ms in stages["per_turn_ms"].items():
        calls = stages["calls_per_turn"].get(label)
        lines.append(f"{label:<42}{ms:>10.1f}{'' if calls is None else f'{calls:g}':>8}")
    lines.append(f"{'turn, in process':<42}{stages['turn_ms_in_process']:>10.1f}")
    lines.append("")
    for text, row in stages["by_message"].items():
        lines.append(
            f"  {text!r}: {row['turn_ms']:.1f} ms, {row['predictions']:g} predictions, "
            f"{row['action_calls']:g} action-server calls"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m bench.stages``: the breakdown alone, against our stack on a throw-away PostgreSQL database."""
    import argparse
    import tempfile

    from bench.measure import routed_reply, run_load
    from bench.run import APOLOGY_MARKER, MODEL, ROUTED_TURNS, tracker_databases
    from tooling.servers import running_stack

    parser = argparse.ArgumentParser(prog="python -m bench.stages", description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--conversations", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sce-stages-") as work, tracker_databases("postgres") as trackers:
        extra = {"BOT_ENDPOINTS": "", "TRACKER_DB_URL": trackers["ours"]}
        with running_stack(Path(work), model=args.model, extra_env=extra) as stack:
            check = routed_reply(APOLOGY_MARKER)
            run_load(stack.url, ROUTED_TURNS, 3, 1, check, "warmup")
            rest = run_load(stack.url, ROUTED_TURNS, args.conversations, 1, check, "rest").summary()
            breakdown = profile(stack.env, args.model, ROUTED_TURNS, args.conversations, rest["p50_ms"])
    print(f"REST turn p50 {rest['p50_ms']} ms, p95 {rest['p95_ms']} ms, errors {rest['errors']}")
    print(table(breakdown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
