"""Measure the assistant against a bare ``rasa init`` assistant in one run; write ``bench/results.json``.

1. The baseline: ``rasa init --no-prompt`` in a temp dir (scaffold + training, cold cache).
2. Our stack (action server + one Rasa server, the project's credentials.yml, endpoints rendered by
   ``bot.deploy.endpoints``) and the baseline's Rasa server, started one after the other: model load time and RSS.
3. Conversations through the REST channel of each, sequentially and ``--concurrency`` at a time, in
   ``--rounds`` alternating rounds, so a machine that gets busier or quieter during the run affects both
   alike. Our conversation is routed (city question, CCA answer, SCE answer; every turn calls the action
   server); the baseline's is the moodbot's greet / unhappy / affirm.
4. Where a routed turn's time goes (:mod:`bench.stages`): the same model and stores in-process, timed stage
   by stage (``stage_ms``).
5. Scale-out (:mod:`bench.replicas`): two Rasa replicas on the shared PostgreSQL and Redis behind HAProxy,
   messages per second with one and with two of them behind it (``--skip-replicas`` to leave it out).
6. A cold training of a copy of the full model into the temp dir (``--skip-train`` to leave it out).

Tracker store (``--tracker``): ``postgres`` (default, the production setup; a throw-away database per
assistant next to ``POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/test``) or ``sqlite``
(the single-process default; each commit is a synced file write, which costs more than the rest of a
turn and hides the assistants' own differences).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import replicas, stages
from bench.measure import ErrorCheck, LoadResult, replied, routed_reply, run_load
from bot.config import MODEL_PATH, PROJECT_ROOT
from tooling import apology_marker
from tooling.servers import VENV_BIN, Server, base_env, free_port, running_stack, spawn_rasa, stack_env

RESULTS = PROJECT_ROOT / "bench" / "results.json"
MODEL = MODEL_PATH
# One routed conversation: the city question (form), the CCA answer (validation, routing, inquiry insert),
# then an SCE answer. Every turn calls the action server and the role table.
ROUTED_TURNS = ["where does my electricity come from", "Irvine", "my power is out"]
# The moodbot of `rasa init`: greet, unhappy (two responses), affirm.
BASELINE_TURNS = ["hello", "I am sad", "yes"]
APOLOGY_MARKER = apology_marker()  # from domain.yml
TARGET_P95_RATIO = 1.3
TARGET_TRAIN_SECONDS = 300
TARGET_LOAD_SECONDS = 30
TARGET_RSS_MB = 1200
TARGET_SCALE_OUT = 1.6  # two replicas over one; needs a core per replica besides the rest of the stack


@contextmanager
def tracker_databases(kind: str) -> Iterator[Dict[str, str]]:
    """Extra environment per assistant: a fresh PostgreSQL tracker database each, dropped afterwards."""
    if kind == "sqlite":
        yield {"ours": "", "baseline": "", "replicas": ""}
        return
    admin_url = os.environ.get("POSTGRES_URL", "").strip() or "postgresql://postgres@127.0.0.1:5432/test"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    names = {who: f"bench_{uuid.uuid4().hex[:10]}_{who}" for who in ("ours", "baseline", "replicas")}
    try:
        with admin.connect() as conn:
            for name in names.values():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield {
            who: make_url(admin_url).set(database=name).render_as_string(hide_password=False)
            for who, name in names.items()
        }
    finally:
        with admin.connect() as conn:
            for name in names.values():
                conn.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
                )
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _store_env(tracker_url: str) -> Dict[str, str]:
    # BOT_ENDPOINTS empty: always render; TRACKER_DB_URL empty: the SQLite default in the log dir.
    return {"BOT_ENDPOINTS": "", "TRACKER_DB_URL": tracker_url}


def build_baseline(work: Path) -> Tuple[Path, float, Dict[str, str]]:
    """Scaffold and train a bare ``rasa init`` assistant (cold cache).

    Returns:
        The model, the wall seconds of ``rasa init`` (scaffold + training) and the environment used.
    """
    project = work / "baseline"
    project.mkdir()  # `rasa init --init-dir` refuses a directory that does not exist
    env = base_env({"RASA_CACHE_DIRECTORY": str(work / "baseline-cache")})
    started = time.perf_counter()
    subprocess.run(
        [str(VENV_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(project)],
        cwd=work,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=1800,
    )
    init_seconds = time.perf_counter() - started
    model = max((project / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return model, init_seconds, env


@contextmanager
def serve_baseline(work: Path, model: Path, env: Dict[str, str], tracker_url: str) -> Iterator[Tuple[Server, float]]:
    """Serve the baseline model like ours (REST channel, same tracker store kind); yield it and its load time."""
    log_dir = work / "baseline-logs"
    log_dir.mkdir()
    started = time.perf_counter()
    server = spawn_rasa(free_port(), stack_env(log_dir, {**env, **_store_env(tracker_url)}), log_dir, model)
    try:
        server.wait_ready()
        yield server, time.perf_counter() - started
    finally:
        server.stop()


def interleaved_load(
    targets: Dict[str, Tuple[str, List[str], ErrorCheck]], args: argparse.Namespace
) -> Dict[str, Dict[str, LoadResult]]:
    """Load all targets in alternating rounds, so that a busy machine slows them alike.

    Args:
        targets: name -> (Rasa URL, turns of one conversation, reply check).
        args: Conversation counts, concurrency and rounds.

    Returns:
        name -> {"sequential": ..., "concurrent": ...} with the rounds merged.
    """
    runs = {name: {"sequential": LoadResult(), "concurrent": LoadResult()} for name in targets}
    for name, (url, turns, check) in targets.items():  # warm caches, pools and lazy imports
        run_load(url, turns, conversations=3, concurrency=1, check=check, tag=f"{name}-warmup")
    rounds = max(1, args.rounds)
    for _ in range(rounds):
        for name, (url, turns, check) in targets.items():
            runs[name]["sequential"].extend(
                run_load(url, turns, max(1, args.conversations // rounds), 1, check, f"{name}-seq")
            )
        for name, (url, turns, check) in targets.items():
            runs[name]["concurrent"].extend(
                run_load(
                    url,
                    turns,
                    max(args.concurrency, args.conversations_concurrent // rounds),
                    args.concurrency,
                    check,
                    f"{name}-conc",
                )
            )
    return runs


def bench_assistants(
    work: Path, args: argparse.Namespace, trackers: Dict[str, str]
) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """Build the baseline, start both assistants, measure memory and load; return (ours, baseline)."""
    print("[bench] baseline: rasa init (scaffold + training)...", flush=True)
    baseline_model, init_seconds, baseline_env = build_baseline(work)
    model = work / "assistant.tar.gz"
    shutil.copyfile(args.model, model)  # a retraining elsewhere must not swap it mid-run
    print("[bench] starting our stack, then the baseline server...", flush=True)
    started = time.perf_counter()
    with running_stack(work / "ours", model=model, rasa_instances=1, extra_env=_store_env(trackers["ours"])) as stack:
        ours_load = time.perf_counter() - started
        with serve_baseline(work, baseline_model, baseline_env, trackers["baseline"]) as (base, base_load):
            rasa, actions = stack.rasa[0], stack.actions
            ours_memory = {"rasa_after_load": rasa.rss_mb(), "actions_after_load": actions.rss_mb()}
            base_memory = {"rasa_after_load": base.rss_mb()}
            print(
                f"[bench] load: {args.rounds} rounds of {args.conversations} sequential and "
                f"{args.conversations_concurrent} concurrent conversations in total, each assistant",
                flush=True,
            )
            load_before = os.getloadavg()[0]
            runs = interleaved_load(
                {
                    "ours": (rasa.url, ROUTED_TURNS, routed_reply(APOLOGY_MARKER)),
                    "baseline": (base.url, BASELINE_TURNS, replied),
                },
                args,
            )
            loadavg = {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)}
            ours_memory.update({"rasa_after_test": rasa.rss_mb(), "actions_after_test": actions.rss_mb()})
            base_memory["rasa_after_test"] = base.rss_mb()
        print("[bench] stage breakdown of a routed turn (in-process, same model and stores)...", flush=True)
        rest_p50 = runs["ours"]["sequential"].summary()["p50_ms"]
        breakdown = stages.profile(stack.env, model, ROUTED_TURNS, args.stage_conversations, rest_p50)
    ours = {
        "load_seconds": ours_load,
        "memory": ours_memory,
        "runs": runs["ours"],
        "loadavg": loadavg,
        "stages": breakdown,
    }
    baseline = {
        "init_and_train_seconds": init_seconds,
        "load_seconds": base_load,
        "memory": base_memory,
        "runs": runs["baseline"],
    }
    return ours, baseline


def bench_replicas(work: Path, args: argparse.Namespace, tracker_url: str) -> Dict[str, Any]:
    """Two replicas on shared stores behind HAProxy: throughput with one and with two behind it."""
    if args.tracker != "postgres":
        raise SystemExit("--tracker sqlite cannot be shared by replicas: use --skip-replicas")
    redis_url = os.environ.get("REDIS_URL", "").strip() or "redis://127.0.0.1:6379/1"
    extra = {
        **_store_env(tracker_url),
        "REDIS_URL": redis_url,
        "LOCK_STORE_KEY_PREFIX": f"bench{uuid.uuid4().hex[:8]}",
    }
    model = work / "assistant.tar.gz"
    print("[bench] scale-out: two replicas on PostgreSQL + Redis behind HAProxy...", flush=True)
    with running_stack(work / "replicas", model=model, rasa_instances=2, extra_env=extra) as stack:
        runs = replicas.scale_out(
            work,
            stack,
            ROUTED_TURNS,
            routed_reply(APOLOGY_MARKER),
            conversations=args.conversations_concurrent,
            concurrency=args.concurrency,
            rounds=args.rounds,
        )
        memory = {"replica": max(server.rss_mb() for server in stack.rasa), "action_server": stack.actions.rss_mb()}
    return replicas.summary(runs, memory)


def train_full(work: Path) -> float:
    """Train a copy of the full model from the project's inputs with a cold cache; return wall seconds."""
    env = base_env({"RASA_CACHE_DIRECTORY": str(work / "train-cache")})
    command = [
        str(VENV_BIN / "rasa"),
        "train",
        "--data",
        "data/nlu",
        "data/rules.yml",
        "--config",
        "config.yml",
        "--domain",
        "domain.yml",
        "--out",
        str(work / "trained"),
        "--fixed-model-name",
        "assistant",
        "--quiet",
    ]
    started = time.perf_counter()
    with (work / "train.log").open("wb") as log:
        subprocess.run(
            command, cwd=PROJECT_ROOT, env=env, check=True, stdout=log, stderr=subprocess.STDOUT, timeout=3600
        )
    return time.perf_counter() - started


def _ratio(ours: float, baseline: float) -> float | None:
    return round(ours / baseline, 2) if baseline else None


def summarise(
    ours: Dict[str, Any],
    baseline: Dict[str, Any],
    scale: Dict[str, Any],
    train_seconds: float | None,
    args: argparse.Namespace,
) -> Dict[str, Any]:
    """The flat figures of ``bench/results.json``."""
    o_seq, o_conc = ours["runs"]["sequential"].summary(), ours["runs"]["concurrent"].summary()
    b_seq, b_conc = baseline["runs"]["sequential"].summary(), baseline["runs"]["concurrent"].summary()
    results: Dict[str, Any] = {
        "routed_p50_ms": o_seq["p50_ms"],
        "routed_p95_ms": o_seq["p95_ms"],
        "routed_p99_ms": o_seq["p99_ms"],
        "routed_p50_ms_concurrent": o_conc["p50_ms"],
        "routed_p95_ms_concurrent": o_conc["p95_ms"],
        "routed_p99_ms_concurrent": o_conc["p99_ms"],
        "errors_sequential": o_seq["errors"],
        "errors_concurrent": o_conc["errors"],
        "throughput_msgs_per_s": o_conc["throughput_msgs_per_s"],
        "throughput_msgs_per_s_sequential": o_seq["throughput_msgs_per_s"],
        "baseline_p50_ms": b_seq["p50_ms"],
        "baseline_p95_ms": b_seq["p95_ms"],
        "baseline_p99_ms": b_seq["p99_ms"],
        "baseline_p50_ms_concurrent": b_conc["p50_ms"],
        "baseline_p95_ms_concurrent": b_conc["p95_ms"],
        "baseline_p99_ms_concurrent": b_conc["p99_ms"],
        "baseline_errors_concurrent": b_conc["errors"],
        "baseline_throughput_msgs_per_s": b_conc["throughput_msgs_per_s"],
        "ratio_p95": _ratio(o_seq["p95_ms"], b_seq["p95_ms"]),
        "ratio_p95_concurrent": _ratio(o_conc["p95_ms"], b_conc["p95_ms"]),
        "train_seconds": round(train_seconds, 1) if train_seconds is not None else None,
        "baseline_init_and_train_seconds": round(baseline["init_and_train_seconds"], 1),
        "model_load_seconds": round(ours["load_seconds"], 1),
        "baseline_model_load_seconds": round(baseline["load_seconds"], 1),
        "rss_mb_rasa": round(ours["memory"]["rasa_after_test"], 1),
        "rss_mb_rasa_after_load": round(ours["memory"]["rasa_after_load"], 1),
        "rss_mb_actions": round(ours["memory"]["actions_after_test"], 1),
        "rss_mb_actions_after_load": round(ours["memory"]["actions_after_load"], 1),
        "baseline_rss_mb_rasa": round(baseline["memory"]["rasa_after_test"], 1),
        "baseline_rss_mb_rasa_after_load": round(baseline["memory"]["rasa_after_load"], 1),
        "turns_sequential": o_seq["turns"],
        "turns_concurrent": o_conc["turns"],
        "concurrency": args.concurrency,
        "error_samples": ours["runs"]["concurrent"].errors[:5] + ours["runs"]["sequential"].errors[:5],
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            # 1-minute load average around the latency runs: other work on the machine skews them
            "loadavg_before_load_test": ours["loadavg"]["before"],
            "loadavg_after_load_test": ours["loadavg"]["after"],
        },
        "rounds": args.rounds,
        "tracker_store": f"{args.tracker} (both assistants)",
        "stage_ms": ours["stages"]["per_turn_ms"],
        "stage_calls_per_turn": ours["stages"]["calls_per_turn"],
        "stage_by_message": ours["stages"]["by_message"],
        "turn_ms_in_process": ours["stages"]["turn_ms_in_process"],
        **scale,
    }
    results["targets"] = {
        "p95_within_1_3x_baseline": results["ratio_p95"] is not None and results["ratio_p95"] <= TARGET_P95_RATIO,
        "p95_concurrent_within_1_3x_baseline": results["ratio_p95_concurrent"] is not None
        and results["ratio_p95_concurrent"] <= TARGET_P95_RATIO,
        "zero_errors_concurrent": results["errors_concurrent"] == 0,
        "throughput_at_least_0_8x_baseline": bool(results["baseline_throughput_msgs_per_s"])
        and results["throughput_msgs_per_s"] >= 0.8 * results["baseline_throughput_msgs_per_s"],
        "train_under_5_min": train_seconds is not None and train_seconds < TARGET_TRAIN_SECONDS,
        "model_load_under_30_s": results["model_load_seconds"] <= TARGET_LOAD_SECONDS,
        "rasa_rss_under_1_2_gb": results["rss_mb_rasa"] <= TARGET_RSS_MB,
    }
    if scale.get("scale_out_ratio") is not None:
        results["targets"]["two_replicas_at_least_1_6x"] = scale["scale_out_ratio"] >= TARGET_SCALE_OUT
    return results


def table(r: Dict[str, Any]) -> str:
    """A plain-text table of the headline figures."""
    rows = [
        ("turn p50, sequential (ms)", r["routed_p50_ms"], r["baseline_p50_ms"]),
        ("turn p95, sequential (ms)", r["routed_p95_ms"], r["baseline_p95_ms"]),
        ("turn p99, sequential (ms)", r["routed_p99_ms"], r["baseline_p99_ms"]),
        (
            f"turn p50, {r['concurrency']} concurrent (ms)",
            r["routed_p50_ms_concurrent"],
            r["baseline_p50_ms_concurrent"],
        ),
        (
            f"turn p95, {r['concurrency']} concurrent (ms)",
            r["routed_p95_ms_concurrent"],
            r["baseline_p95_ms_concurrent"],
        ),
        (
            f"turn p99, {r['concurrency']} concurrent (ms)",
            r["routed_p99_ms_concurrent"],
            r["baseline_p99_ms_concurrent"],
        ),
        ("errors, concurrent", r["errors_concurrent"], r["baseline_errors_concurrent"]),
        ("throughput, concurrent (msgs/s)", r["throughput_msgs_per_s"], r["baseline_throughput_msgs_per_s"]),
        ("training, cold cache (s)", r["train_seconds"], r["baseline_init_and_train_seconds"]),
        ("model load to first answer (s)", r["model_load_seconds"], r["baseline_model_load_seconds"]),
        ("RSS Rasa after load (MB)", r["rss_mb_rasa_after_load"], r["baseline_rss_mb_rasa_after_load"]),
        ("RSS Rasa after load test (MB)", r["rss_mb_rasa"], r["baseline_rss_mb_rasa"]),
        ("RSS action server after load (MB)", r["rss_mb_actions_after_load"], "-"),
        ("RSS action server after load test (MB)", r["rss_mb_actions"], "-"),
    ]
    lines = [f"{'metric':<42}{'ours':>12}{'baseline':>12}{'ratio':>8}", "-" * 74]
    for name, ours, base in rows:
        ratio = _ratio(ours, base) if isinstance(ours, (int, float)) and isinstance(base, (int, float)) else None
        lines.append(f"{name:<42}{_fmt(ours):>12}{_fmt(base):>12}{_fmt(ratio):>8}")
    if "throughput_msgs_per_s_2_replicas" in r:
        lines.append("")
        lines.append(
            f"{'behind HAProxy, ' + str(r['concurrency']) + ' concurrent':<42}{'1 replica':>12}{'2 replicas':>12}"
        )
        lines.append(
            f"{'throughput (msgs/s)':<42}{_fmt(r['throughput_msgs_per_s_1_replica']):>12}"
            f"{_fmt(r['throughput_msgs_per_s_2_replicas']):>12}{_fmt(r['scale_out_ratio']):>8}"
        )
        lines.append(f"{'turn p95 (ms)':<42}{_fmt(r['lb_p95_ms_1_replica']):>12}{_fmt(r['lb_p95_ms_2_replicas']):>12}")
        lines.append(
            f"CPU per message: Rasa {_fmt(r.get('cpu_ms_per_msg_rasa'))} ms, "
            f"action server {_fmt(r.get('cpu_ms_per_msg_actions'))} ms; errors {r['lb_errors']}"
        )
    lines.append("")
    lines.extend(f"target {name}: {'met' if ok else 'MISSED'}" for name, ok in r["targets"].items())
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def main(argv: List[str] | None = None) -> int:
    """CLI entry point of ``python -m bench``."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=MODEL, help="trained model to serve (default: %(default)s)")
    parser.add_argument("--conversations", type=int, default=30, help="sequential conversations (3 turns each)")
    parser.add_argument("--conversations-concurrent", type=int, default=60, help="conversations in the concurrent run")
    parser.add_argument("--concurrency", type=int, default=20, help="conversations at once")
    parser.add_argument("--rounds", type=int, default=3, help="alternating measurement rounds per assistant")
    parser.add_argument(
        "--tracker",
        choices=["postgres", "sqlite"],
        default="postgres",
        help="tracker store of both assistants (default: %(default)s)",
    )
    parser.add_argument("--skip-train", action="store_true", help="leave out the full training (several minutes)")
    parser.add_argument("--skip-replicas", action="store_true", help="leave out the two-replica scale-out run")
    parser.add_argument(
        "--stage-conversations", type=int, default=10, help="conversations timed stage by stage (in-process)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="results file (default: %(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir with logs and models")
    args = parser.parse_args(argv)
    if not args.model.exists():
        print(f"no model at {args.model}: run `make train` first", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="sce-bench-"))
    try:
        with tracker_databases(args.tracker) as trackers:
            ours, baseline = bench_assistants(work, args, trackers)
            scale = {} if args.skip_replicas else bench_replicas(work, args, trackers["replicas"])
        train_seconds = None
        if not args.skip_train:
            print("[bench] training a copy of the full model (cold cache)...", flush=True)
            train_seconds = train_full(work)
        results = summarise(ours, baseline, scale, train_seconds, args)
    finally:
        if args.keep:
            print(f"[bench] kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print()
    print(
        stages.table(
            {
                "per_turn_ms": results["stage_ms"],
                "calls_per_turn": results["stage_calls_per_turn"],
                "turn_ms_in_process": results["turn_ms_in_process"],
                "by_message": results["stage_by_message"],
            }
        )
    )
    print()
    print(table(results))
    print(f"\nwritten to {args.out}")
    return 0
