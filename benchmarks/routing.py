"""Routing engine benchmark: a synthetic busy day of a large contact centre, replayed through the engine alone.

    .venv/bin/python benchmarks/routing.py [--interactions 1000000] [--seed 7] [--profile] [--pure]

500 agents on 12-hour shifts with breaks, 50 skills, 20 queues (10 voice, 6 chat, 4 e-mail) with expansion
steps and overflow, two sites, VIP tiers, a language skill, certifications that start and expire during the
day; arrivals follow an intraday profile (peaks 10:00-14:00 and 17:00-20:00); some callers abandon, some
offers are rejected or not answered. Handle times are set so that the agents on shift are busy most of the
day: 500 agents taking 1,000,000 interactions in a day leaves about 30 agent-seconds each, so the times
scale with 1,000,000 / --interactions and the load stays the same for a quicker run.

Stage 1 simulates the day with one engine (untimed) and records every input. Stage 2 replays the recorded
inputs through a fresh engine, timing each input with perf_counter_ns; only stage 2 is measured, and it
must reproduce stage 1's decisions exactly. The last line printed is JSON: "seconds" is the engine's own
time (sum over inputs), "p99_decision_us" the 99th percentile of the per-input time in microseconds,
"build" the engine measured: "mypyc" (the compiled modules an install builds, see setup.py) or "python" (the
sources: no compiled build, or --pure), and "digest" a CRC of every decision's repr, equal across builds.
"""

import argparse
import cProfile
import gc
import heapq
import json
import os
import pstats
import random
import sys
import time
import zlib
from array import array
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
if "--pure" in sys.argv[1:]:  # before the engine is imported: helpline/routing/_build.py reads it
    os.environ["HELPLINE_PURE_PYTHON"] = "1"

import helpline.routing.core
from helpline.routing import (
    AgentProfile,
    AgentSkill,
    ExpansionStep,
    Offer,
    OfferTimedOut,
    Overflowed,
    QueueConfig,
    RoutingEngine,
)

DAY = 86_400.0
HOURLY = [0.25, 0.2, 0.15, 0.15, 0.15, 0.2, 0.35, 0.6, 0.9, 1.2, 1.45, 1.5, 1.45, 1.35, 1.3, 1.25, 1.3, 1.4,
          1.45, 1.35, 1.1, 0.8, 0.55, 0.35]
CHANNELS = ["voice"] * 10 + ["chat"] * 6 + ["email"] * 4
CHANNEL_SHARE = {"voice": 0.6, "chat": 0.25, "email": 0.15}
SHIFT = 12 * 3600.0
METHODS = ("interaction_arrived", "interaction_left", "offer_accepted", "offer_rejected", "interaction_finished",
           "wrap_up_started", "wrap_up_ended", "agent_logged_in", "agent_ready", "agent_not_ready",
           "agent_logged_out", "tick")
(ARRIVED, LEFT, ACCEPTED, REJECTED, FINISHED, WRAP_START, WRAP_END, LOGIN, READY, NOT_READY, LOGOUT,
 TICK) = range(len(METHODS))


def build_queues() -> tuple[list[QueueConfig], list[float]]:
    queues, weights = [], []
    choices = ["best_proficiency"] * 6 + ["longest_idle", "least_occupied", "round_robin"]
    for i, ch in enumerate(CHANNELS):
        primary = f"s{i}"
        required = {primary: 3}
        if i % 3 == 1:
            required[f"s{20 + i}"] = 1
        site = None if i == 0 or ch != "voice" else ("msk" if i <= 6 else "spb")
        steps: list[ExpansionStep] = []
        if ch == "voice":
            steps.append(ExpansionStep(20.0, min_proficiency={primary: 1}))
            if site:
                steps.append(ExpansionStep(45.0, any_site=True))
            if i:
                steps.append(ExpansionStep(180.0, move_to_queue="q0"))
        else:
            steps.append(ExpansionStep(60.0 if ch == "chat" else 1800.0, min_proficiency={primary: 1}))
        threshold = {"voice": 20.0, "chat": 60.0, "email": 3600.0}[ch]
        queues.append(QueueConfig(f"q{i}", ch, site, priority=1 if i == 0 else 0, sl_threshold_s=threshold,
                                  required_skills=required, expansion=tuple(steps), agent_choice=choices[i % 9]))
        same = [j for j, c in enumerate(CHANNELS) if c == ch]
        rank = same.index(i)
        weights.append(CHANNEL_SHARE[ch] * (1 / (rank + 1) ** 0.5) / sum(1 / (r + 1) ** 0.5 for r in range(len(same))))
    weights[0] *= 0.3  # the general voice queue mostly receives overflow
    return queues, weights


def build_agents(rng: random.Random, weights: list[float]) -> list[tuple[AgentProfile, list[tuple[float, float]]]]:
    def cert(prof: int) -> AgentSkill:
        since = -1e6 if rng.random() < 0.97 else rng.uniform(0, DAY)
        until = None if rng.random() < 0.97 else rng.uniform(0, DAY)
        return AgentSkill(prof, since, until, rng.random() < 0.9)

    agents = []
    for n in range(500):
        group = rng.choices(["voice", "blend", "digital"], [0.55, 0.15, 0.30])[0]
        site = "msk" if rng.random() < 0.7 else "spb"
        pool = [i for i, ch in enumerate(CHANNELS) if (ch == "voice") == (group == "voice") or group == "blend"]
        if group != "digital":
            pool = [i for i in pool if CHANNELS[i] != "voice" or i == 0 or (i <= 6) == (site == "msk")]
        picks = set()
        while len(picks) < min(len(pool), rng.randint(3, 5)):
            picks.add(rng.choices(pool, [weights[i] for i in pool])[0])
        skills = {f"s{i}": cert(rng.choice([1, 2, 3, 3, 4, 4, 5])) for i in picks}
        skills.update({f"s{20 + i}": cert(rng.randint(1, 5)) for i in picks if i % 3 == 1 and rng.random() < 0.9})
        for extra in rng.sample(range(20, 50), 4):
            skills.setdefault(f"s{extra}", cert(rng.randint(1, 5)))
        if rng.random() < 0.3:
            skills["lang:en"] = AgentSkill(rng.randint(1, 5), requires_certification=False)
        center = rng.choices(range(24), HOURLY)[0] * 3600.0 + rng.uniform(0, 3600)
        start = (center - SHIFT / 2) % DAY  # night shifts wrap around midnight
        end = start + SHIFT
        spans = [(start, end)] if end <= DAY else [(0.0, end - DAY), (start, DAY)]
        agents.append((AgentProfile(f"a{n}", site, skills), spans))
    return agents


class Day:
    """Stage 1: simulate the day with an engine, recording every input it is given."""

    (EV_ABANDON, EV_ACCEPT, EV_REJECT, EV_TALK_END, EV_WRAP_END, EV_READY, EV_BREAK, EV_START, EV_END,
     EV_TICK) = range(10)

    def __init__(self, n: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.queues, weights = build_queues()
        self.agents = build_agents(self.rng, weights)
        self.scale = 1_000_000 / n
        self.engine = RoutingEngine()
        for q in self.queues:
            self.engine.configure_queue(q)
        self.calls: list[tuple[int, tuple[object, ...]]] = []
        self.events: list[tuple[float, int, int, str, str]] = []
        self.seq = 0
        self.inter: dict[str, list] = {}  # id -> [state, agent, channel, arrival]
        self.held = dict.fromkeys((p.id for p, _ in self.agents), 0)
        self.on_duty = dict.fromkeys(self.held, False)
        self.leaving = dict.fromkeys(self.held, False)
        self.busy_since = dict.fromkeys(self.held, 0.0)
        self.busy = self.duty = self.wait_answered = 0.0
        self.stats = dict.fromkeys(("answered", "abandoned", "rejected", "not_answered", "overflowed", "expansions"), 0)
        self.checksum = 0
        self.digest = 0
        hours = self.rng.choices(range(24), HOURLY, k=n)
        self.arrivals = sorted(h * 3600.0 + self.rng.random() * 3600.0 for h in hours)
        self.arrival_queue = self.rng.choices(range(len(self.queues)), weights, k=n)

    def push(self, t: float, kind: int, a: str = "", b: str = "") -> None:
        self.seq += 1
        heapq.heappush(self.events, (t, self.seq, kind, a, b))

    def call(self, code: int, *args: object) -> None:
        self.calls.append((code, args))
        for d in getattr(self.engine, METHODS[code])(*args):
            self.checksum += hash(d)
            self.digest = zlib.crc32(repr(d).encode(), self.digest)
            if type(d) is Offer:
                self.offered(d.interaction_id, d.agent_id, d.at)
            elif type(d) is OfferTimedOut:
                self.inter[d.interaction_id][0:2] = ["waiting", ""]
                self.hold(d.agent_id, -1, d.at)
                self.stats["not_answered"] += 1
                self.push(d.at + 10.0, self.EV_READY, d.agent_id)
            elif type(d) is Overflowed:
                self.stats["overflowed"] += 1
            elif type(d).__name__ == "ExpansionApplied":
                self.stats["expansions"] += 1

    def offered(self, iid: str, aid: str, t: float) -> None:
        rec = self.inter[iid]
        rec[0:2] = ["offered", aid]
        self.hold(aid, 1, t)
        r = self.rng.random()
        if r < 0.01:
            self.push(t + 2.0, self.EV_REJECT, iid, aid)
        elif r >= 0.013:  # 0.3 % are not answered: the engine times them out
            self.push(t + (2.0 if rec[2] == "voice" else 1.0), self.EV_ACCEPT, iid, aid)

    def hold(self, aid: str, delta: int, t: float) -> None:
        before = self.held[aid]
        self.held[aid] = before + delta
        if before == 0:
            self.busy_since[aid] = t
        elif before + delta == 0:
            self.busy += t - self.busy_since[aid]
            if self.leaving[aid]:
                self.logout(aid, t)

    def logout(self, aid: str, t: float) -> None:
        self.call(LOGOUT, aid, t)
        self.on_duty[aid] = self.leaving[aid] = False

    def run(self) -> None:
        rng, scale = self.rng, self.scale
        profiles = {p.id: p for p, _ in self.agents}
        for profile, spans in self.agents:
            for start, end in spans:
                self.push(start, self.EV_START, profile.id)
                self.push(end, self.EV_END, profile.id)
                self.duty += end - start
                for at in (start + rng.uniform(2, 4) * 3600, start + rng.uniform(7, 9) * 3600):
                    if at + 900 < end:
                        self.push(at, self.EV_BREAK, profile.id)
        self.push(1.0, self.EV_TICK)
        arrivals, nxt, n = self.arrivals, 0, len(self.arrivals)
        while self.events:
            if nxt < n and arrivals[nxt] <= self.events[0][0]:
                t = arrivals[nxt]
                iid, q = f"i{nxt}", self.queues[self.arrival_queue[nxt]]
                nxt += 1
                r = rng.random()
                self.inter[iid] = ["waiting", "", str(q.channel), t]
                lang = "lang:en" if rng.random() < 0.05 else None
                self.call(ARRIVED, iid, q.id, t, 0, 2 if r < 0.01 else 1 if r < 0.04 else 0, lang)
                if q.channel != "email":
                    self.push(t + rng.expovariate(1 / (120.0 if q.channel == "voice" else 600.0)), self.EV_ABANDON, iid)
                continue
            t, _, kind, a, b = heapq.heappop(self.events)
            if kind == self.EV_TICK:
                self.call(TICK, t)
                if t < DAY + 1800:
                    self.push(t + 1.0, self.EV_TICK)
                continue
            rec = self.inter.get(a)
            if kind == self.EV_ABANDON:
                if rec and rec[0] in ("waiting", "offered"):
                    self.call(LEFT, a, t)
                    if rec[0] == "offered":
                        self.hold(rec[1], -1, t)
                    rec[0] = "done"
                    self.stats["abandoned"] += 1
            elif kind in (self.EV_ACCEPT, self.EV_REJECT):
                if rec and rec[0] == "offered" and rec[1] == b:
                    if kind == self.EV_REJECT:
                        self.call(REJECTED, a, b, t)
                        rec[0:2] = ["waiting", ""]
                        self.hold(b, -1, t)
                        self.stats["rejected"] += 1
                        continue
                    self.call(ACCEPTED, a, b, t)
                    rec[0] = "active"
                    self.stats["answered"] += 1
                    self.wait_answered += t - rec[3]
                    mean = {"voice": 17.0, "chat": 70.0, "email": 90.0}[rec[2]] * scale
                    self.push(t + rng.lognormvariate(0, 0.6) * mean / 1.2, self.EV_TALK_END, a, b)
            elif kind == self.EV_TALK_END:
                if rec[2] == "voice":
                    self.call(WRAP_START, b, a, t)
                    self.push(t + 3.0 * scale, self.EV_WRAP_END, a, b)
                else:
                    self.call(FINISHED, a, b, t)
                    self.hold(b, -1, t)
                    del self.inter[a]
            elif kind == self.EV_WRAP_END:
                self.call(WRAP_END, b, a, t)
                self.hold(b, -1, t)
                del self.inter[a]
            elif kind == self.EV_START:
                self.call(LOGIN, profiles[a], t)
                self.call(READY, a, t)
                self.on_duty[a], self.leaving[a] = True, False
            elif kind == self.EV_END:
                self.call(NOT_READY, a, "end_of_shift", t)
                self.leaving[a] = True
                if self.held[a] == 0:
                    self.logout(a, t)
            elif self.on_duty[a] and not self.leaving[a]:
                if kind == self.EV_BREAK:
                    self.call(NOT_READY, a, "break", t)
                    self.push(t + 900.0, self.EV_READY, a)
                else:
                    self.call(READY, a, t)


def replay(day: Day) -> tuple[array, int, int, float]:
    """Stage 2: a fresh engine takes the recorded inputs; only the calls into it are timed."""
    engine = RoutingEngine()
    for q in day.queues:
        engine.configure_queue(q)
    methods = [getattr(engine, m) for m in METHODS]
    times = array("q", bytes(8 * len(day.calls)))
    decisions = checksum = 0
    clock = time.perf_counter_ns
    started = time.perf_counter()
    for k, (code, args) in enumerate(day.calls):
        fn = methods[code]
        t0 = clock()
        out = fn(*args)
        t1 = clock()
        times[k] = t1 - t0
        if out:
            decisions += len(out)
            for d in out:
                checksum += hash(d)
    return times, decisions, checksum, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="also replay under cProfile and print the top")
    parser.add_argument("--pure", action="store_true", help="measure the Python sources, not the compiled build")
    args = parser.parse_args()
    build = "mypyc" if helpline.routing.core.__file__.endswith((".so", ".pyd")) else "python"
    print(f"engine build: {build} ({helpline.routing.core.__file__})", file=sys.stderr)

    started = time.perf_counter()
    day = Day(args.interactions, args.seed)
    day.run()
    print(f"simulated the day: {len(day.calls):,} inputs in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    gc.collect()
    gc_ns = [0, 0]

    def gc_clock(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            gc_ns[1] = time.perf_counter_ns()
        else:
            gc_ns[0] += time.perf_counter_ns() - gc_ns[1]

    gc.callbacks.append(gc_clock)
    times, decisions, checksum, wall = replay(day)
    gc.callbacks.remove(gc_clock)
    assert checksum == day.checksum, "the replay did not reproduce the simulated decisions"
    engine_ns = sum(times)
    ordered = sorted(times)
    per_method: dict[str, list[int]] = {}
    for (code, _), ns in zip(day.calls, times, strict=True):
        entry = per_method.setdefault(METHODS[code], [0, 0])
        entry[0] += 1
        entry[1] += ns
    for name, (count, ns) in sorted(per_method.items(), key=lambda kv: -kv[1][1]):
        print(f"{name:22} {count:>9,} inputs {ns / 1e9:7.2f} s {ns / count / 1000:7.2f} us each", file=sys.stderr)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] / 1000, 1)

    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(replay, day)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    answered = day.stats["answered"]
    result = {
        "interactions": args.interactions, "agents": len(day.agents), "queues": len(day.queues), "skills": 50,
        "inputs": len(day.calls), "decisions": decisions, "seconds": round(engine_ns / 1e9, 3),
        "wall_seconds": round(wall, 3), "gc_seconds": round(gc_ns[0] / 1e9, 3),
        "decisions_per_s": round(decisions / (engine_ns / 1e9)),
        "inputs_per_s": round(len(day.calls) / (engine_ns / 1e9)), "p50_decision_us": pct(0.50),
        "p99_decision_us": pct(0.99), "p999_decision_us": pct(0.999), "max_decision_us": pct(1.0),
        **day.stats, "mean_wait_answered_s": round(day.wait_answered / max(answered, 1), 1),
        "occupancy": round(day.busy / day.duty, 3), "python": sys.version.split()[0], "build": build,
        "digest": f"{day.digest:08x}",
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
