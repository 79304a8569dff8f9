"""Simulation benchmark (issue 7): Helpline's simulation through the real routing engine against simpy.

    .venv/bin/python benchmarks/simulate.py [--calls 1400000] [--seed 1] [--profile] [--skip-simpy]

(a) One queue, M/M/60: Poisson arrivals at 0.3 a second, exponential handle times of 180 s (90 % load), no
    abandonment, no wrap-up: 1,400,000 calls (a year of RESO-Garantia's centre) simulated by Helpline (the
    scenario drawn with numpy, every call through `helpline.routing.RoutingEngine`, its moments kept for the
    event log) and by the same model in simpy (a `Resource` of 60 servers, one process per call), in the same
    run. Both report their ASA and share answered within 20 s, which must agree with each other (and with
    Erlang C).
(b) A year of a multi-skill centre of that size: 5 queues (3 voice with expansion and overflow, chat, e-mail),
    60 agents in 6 groups on weekday and weekend shifts, a daily and weekly arrival profile, log-normal
    handle times, wrap-up, exponential patience: 365 days, about 1,400,000 interactions, one replication.

Only the simulation is timed (drawing the scenario and the event loop), not the KPI report over its events;
that is measured apart and printed on stderr. The last line printed is JSON:
{"calls", "helpline_s", "simpy_s", "ratio", "multiskill_year_s"} (+ details; "cpu_ratio" is the ratio of the
process times of (a), less disturbed than the wall-clock ratio when other jobs share the machine).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import math
import pstats
import random
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np

import helpline.routing.core
from helpline.wfm._loop import run_replication
from helpline.wfm.simulation import kpi_figures, parse_scenario

RATE, AHT, SERVERS, T = 0.3, 180.0, 60, 20.0


def single_queue(calls: int) -> dict[str, Any]:
    days = calls / RATE / 86_400
    return {"horizon": {"start": "2026-01-01", "days": days, "interval_minutes": 60}, "replications": 1,
            "queues": [{"code": "q", "channel": "voice", "skills": {"q": 1}, "service_level": {"within_s": T},
                        "arrivals": {"per_hour": RATE * 3600},
                        "handle_time": {"distribution": "exponential", "mean_s": AHT}}],
            "agents": [{"name": "a", "count": SERVERS, "skills": {"q": 1}}]}


def simpy_mmc(calls: int, seed: int) -> tuple[float, float, int]:
    """The textbook simpy model of M/M/c: returns (ASA, share answered within T, calls)."""
    import simpy

    rng = random.Random(seed)
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=SERVERS)
    waits: list[float] = []

    def call(env: simpy.Environment) -> Any:
        arrived = env.now
        with agents.request() as request:
            yield request
            waits.append(env.now - arrived)
            yield env.timeout(rng.expovariate(1 / AHT))

    def source(env: simpy.Environment) -> Any:
        for _ in range(calls):
            yield env.timeout(rng.expovariate(RATE))
            env.process(call(env))

    env.process(source(env))
    env.run()
    return sum(waits) / len(waits), sum(w <= T for w in waits) / len(waits), len(waits)


def multiskill_year(calls: int, days: int = 365) -> dict[str, Any]:
    """5 queues, 60 agents on shifts, a year; arrivals scaled so the year has about `calls` interactions."""
    hourly = [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 0.8, 1.4, 1.9, 2.2, 2.2, 2.1, 2.0, 1.9, 1.8, 1.8, 1.9, 2.0, 1.8,
              1.3, 0.8, 0.5, 0.3]
    week = [1.15, 1.1, 1.0, 1.0, 0.95, 0.45, 0.35]  # Monday and Tuesday peak
    profile = [h * d for d in week for h in hourly for _ in range(2)]  # 30-minute intervals, Monday first
    share = {"osago": 0.42, "kasko": 0.25, "dms": 0.18, "chat": 0.10, "email": 0.05}
    per_interval = calls / (days / 7 * sum(profile))

    def queue(code: str, channel: str, aht: float, **extra: Any) -> dict[str, Any]:
        return {"code": code, "channel": channel, "skills": {code: 2},
                "arrivals": {"profile": profile, "scale": share[code] * per_interval},
                "handle_time": {"distribution": "lognormal", "mean_s": aht, "sd_s": aht * 0.8}, **extra}

    weekdays = ["mon", "tue", "wed", "thu", "fri"]
    return {
        "horizon": {"start": "2026-01-05", "days": days, "interval_minutes": 30}, "replications": 1, "seed": 3,
        "queues": [
            queue("osago", "voice", 200, wrap_up_s=15, patience={"mean_s": 180},
                  expansion=[{"after_s": 20, "min_proficiency": {"osago": 1}}]),
            queue("kasko", "voice", 240, wrap_up_s=20, patience={"mean_s": 240}, priority=1,
                  expansion=[{"after_s": 60, "move_to_queue": "osago"}]),
            queue("dms", "voice", 220, wrap_up_s=15, patience={"mean_s": 240}),
            queue("chat", "chat", 480, patience={"mean_s": 600}, service_level={"within_s": 60}),
            queue("email", "email", 360, service_level={"within_s": 14400}),
        ],
        "agents": [
            {"name": "motor-early", "count": 14, "skills": {"osago": 3, "kasko": 2},
             "shifts": [{"start": "07:00", "end": "16:00", "days": weekdays}]},
            {"name": "motor-late", "count": 14, "skills": {"osago": 2, "kasko": 3},
             "shifts": [{"start": "13:00", "end": "22:00", "days": weekdays}]},
            {"name": "dms", "count": 10, "skills": {"dms": 3, "osago": 1},
             "shifts": [{"start": "08:00", "end": "20:00", "days": weekdays}]},
            {"name": "digital", "count": 8, "skills": {"chat": 2, "email": 2, "kasko": 1},
             "capacity": {"chat": 3, "email": 2}, "shifts": [{"start": "08:00", "end": "20:00"}]},
            {"name": "weekend", "count": 8, "skills": {"osago": 2, "kasko": 2, "dms": 2, "chat": 2, "email": 2},
             "shifts": [{"start": "08:00", "end": "22:00", "days": ["sat", "sun"]},
                        {"start": "16:00", "end": "23:00", "days": weekdays}]},
            {"name": "night", "count": 6, "skills": {"osago": 2, "kasko": 2, "dms": 2, "chat": 2, "email": 2},
             "shifts": [{"start": "22:00", "end": "07:00"}]},
        ]}


CPU: dict[Any, float] = {}  # the process (CPU) time of each timed call, by function: steadier on a shared machine


def timed(fn: Any, *args: Any) -> tuple[Any, float]:
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    result = fn(*args)
    CPU[fn] = time.process_time() - cpu
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=1_400_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="also run (a) under cProfile and print the top")
    parser.add_argument("--skip-simpy", action="store_true")
    args = parser.parse_args()
    build = "mypyc" if helpline.routing.core.__file__.endswith((".so", ".pyd")) else "python"
    log = sys.stderr

    scenario = parse_scenario(single_queue(args.calls))
    outcome, helpline_s = timed(run_replication, scenario, args.seed)
    helpline_cpu = CPU[run_replication]
    answered = ~np.isnan(outcome.answered_at)
    waits = (outcome.answered_at - outcome.entered)[answered]
    n = len(outcome.arrival)
    print(f"(a) helpline: {n:,} calls, {outcome.engine_inputs:,} engine inputs in {helpline_s:.2f} s "
          f"({n / helpline_s:,.0f} calls/s; engine build {build}); ASA {waits.mean():.2f} s, "
          f"SL {np.mean(waits <= T):.4f}", file=log)
    figures, kpi_s = timed(partial(kpi_figures, outcome, scenario, occupancy=False))
    print(f"    KPI engine over its events: {kpi_s:.2f} s (SL {figures['q']['service_level']:.4f}, "
          f"ASA {figures['q']['asa_s']:.2f} s)", file=log)
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(run_replication, scenario, args.seed)
        pstats.Stats(profiler, stream=log).sort_stats("tottime").print_stats(15)
    del outcome, waits, answered
    if args.skip_simpy:
        simpy_s = math.nan
    else:
        (asa, sl, n), simpy_s = timed(simpy_mmc, args.calls, args.seed)
        print(f"(a) simpy: {n:,} calls in {simpy_s:.2f} s ({n / simpy_s:,.0f} calls/s); ASA {asa:.2f} s, SL {sl:.4f}",
              file=log)

    year = parse_scenario(multiskill_year(args.calls))
    multi, multiskill_s = timed(run_replication, year, 3)
    print(f"(b) multi-skill year: {len(multi.arrival):,} interactions, {len(year.agents)} agents, "
          f"{len(multi.moves) // 2:,} overflows, {multi.engine_inputs:,} engine inputs in {multiskill_s:.2f} s",
          file=log)
    figures, kpi_s = timed(partial(kpi_figures, multi, year, occupancy=True))
    print(f"    KPI engine (with agent time) over its events: {kpi_s:.2f} s; "
          + ", ".join(f"{q} SL {f['service_level']:.3f} occ {f['occupancy'] or 0:.3f}" for q, f in figures.items()),
          file=log)
    print(json.dumps({"calls": args.calls, "helpline_s": round(helpline_s, 2), "simpy_s": round(simpy_s, 2),
                      "ratio": round(simpy_s / helpline_s, 2), "multiskill_year_s": round(multiskill_s, 2),
                      "multiskill_interactions": len(multi.arrival), "build": build,
                      "cpu_ratio": round(CPU.get(simpy_mmc, math.nan) / helpline_cpu, 2)}))


if __name__ == "__main__":
    main()
