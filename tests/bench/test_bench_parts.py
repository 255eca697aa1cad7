"""The benchmark's own arithmetic: exclusive stage times, the scale-out summary, the load balancer's config."""

from __future__ import annotations

import asyncio
import time
from typing import Dict

import pytest

from bench.measure import LoadResult
from bench.replicas import HAPROXY_CONFIG, ScaleRun, summary
from bench.stages import StageTimer


def test_nested_stages_are_counted_once_so_they_add_up_to_the_turn() -> None:
    timer = StageTimer()

    @timer.wrap_named("inner")
    def inner() -> None:
        time.sleep(0.02)

    @timer.wrap_named("outer")
    async def outer() -> None:
        time.sleep(0.03)
        inner()
        inner()

    started = time.perf_counter()
    asyncio.run(outer())
    wall_ms = (time.perf_counter() - started) * 1000
    figures, calls = timer.take()
    assert calls == {"outer": 1, "inner": 2}
    assert figures["inner"] == pytest.approx(40, abs=15)
    assert figures["outer"] == pytest.approx(30, abs=15)  # its own time only
    assert sum(figures.values()) == pytest.approx(wall_ms, abs=5)
    assert timer.take() == ({}, {})  # reset for the next turn


def _run(turns: int, seconds: float, cpu: Dict[str, float]) -> ScaleRun:
    run = ScaleRun(load=LoadResult(latencies_ms=[100.0] * turns, wall_seconds=seconds))
    run.add_cpu(cpu)
    return run


def test_scale_out_summary() -> None:
    runs = {
        1: _run(180, 9.0, {"rasa0": 7.2, "rasa1": 0.0, "actions": 0.9}),
        2: _run(180, 4.5, {"rasa0": 3.6, "rasa1": 3.6, "actions": 0.9}),
    }
    figures = summary(runs, {"replica": 640.0})
    assert figures["throughput_msgs_per_s_1_replica"] == 20.0
    assert figures["throughput_msgs_per_s_2_replicas"] == 40.0
    assert figures["scale_out_ratio"] == 2.0
    assert figures["cpu_ms_per_msg_rasa"] == 40.0 and figures["cpu_ms_per_msg_actions"] == 5.0
    assert figures["rss_mb_replica"] == 640.0 and figures["lb_errors"] == 0


def test_haproxy_config_balances_over_every_backend() -> None:
    config = HAPROXY_CONFIG.format(port=8080, servers="    server r0 127.0.0.1:5005\n    server r1 127.0.0.1:5006")
    assert "bind 127.0.0.1:8080" in config and "balance leastconn" in config
    assert config.count("server r") == 2
