"""KPI engine benchmark: a month × queue × 30-minute report over 10 million interactions, against the
same report written in plain pandas, in the same run and from the same Parquet export.

    .venv/bin/python benchmarks/kpi.py [--interactions 10000000] [--seed 11] [--keep DIR]

The event log of a month is generated first (untimed) with NumPy: 20 queues on two sites in two time zones,
200 agents, arrivals over 30 days, waits, about 85 % answered, 12 % abandoned (some short), 3 % other
exits, 2 % transferred, handle times on `wrap_up_ended`, and the satisfaction surveys of 3 % of the calls:
about 2.9 events per interaction, written as `helpline export events` writes the event log (Parquet partitioned
by month and event type, LZ4).

Each side then reads the columns it needs from that dataset and computes offered, answered, abandoned,
short abandons, other exits, service level, ASA, average abandon wait, longest wait, abandon and answer
rates, AHT and transfers per queue and local half hour. The two results are compared cell by cell before
anything is printed. The last line is JSON with the timings: "helpline_s" and "pandas_s" are the best of
--repeat runs each, from Parquet files to result table.
"""

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from helpline.adapters.reporting import export
from helpline.adapters.reporting.frames import LONGEST_WAIT
from helpline.kpi import ReportSpec, report
from helpline.kpi.engine import EVENT_TYPE

START = datetime(2026, 3, 1, tzinfo=UTC) - timedelta(hours=3)  # midnight in Moscow
DAYS = 30
ZONES = ("Europe/Moscow", "Asia/Novosibirsk")
QUEUES = pl.DataFrame({
    "queue_id": list(range(1, 21)), "queue": [f"q{n:02d}" for n in range(1, 21)], "client": ["reso"] * 20,
    "site": ["Moscow"] * 14 + ["Novosibirsk"] * 6, "channel": ["voice"] * 20, "product_line": [None] * 20,
    "threshold_s": [20.0] * 14 + [30.0] * 6, "tz": [ZONES[0]] * 14 + [ZONES[1]] * 6})
AGENTS = pl.DataFrame({"agent_id": list(range(1, 201)), "agent": [f"a{n}" for n in range(1, 201)],
                       "agent_site": ["Moscow"] * 200, "agent_tz": [ZONES[0]] * 200})
COUNTED_TYPES = ("entered_queue", "answered", "abandoned", "exited", "transferred", "wrap_up_ended")
METRICS = ("offered", "answered", "abandoned", "short_abandoned", "other_exits", "service_level", "asa_s",
           "avg_abandon_wait_s", "max_wait_s", "abandon_rate", "answer_rate", "aht_s", "transfers")


def generate(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    ids = np.arange(1, n + 1, dtype=np.int64)
    # arrivals: more by day than by night, in microseconds since START
    day = rng.integers(0, DAYS, n)
    hour = rng.choice(24, n, p=_profile())
    entered = ((day * 24 + hour) * 3600 + rng.uniform(0, 3600, n)) * 1e6
    queue = rng.integers(1, 21, n)
    agent = rng.integers(1, 201, n)
    wait = np.round(rng.exponential(18.0, n), 3)
    outcome = rng.choice(3, n, p=[0.85, 0.12, 0.03])  # answered, abandoned, exited
    wait = np.where(outcome == 1, np.round(rng.exponential(40.0, n), 3), wait)
    talk, hold, wrap = (np.round(rng.exponential(m, n), 3) for m in (170.0, 15.0, 25.0))
    hold = np.where(rng.random(n) < 0.2, hold, 0.0)
    answered, abandoned, exited = outcome == 0, outcome == 1, outcome == 2
    transferred = answered & (rng.random(n) < 0.02)
    surveyed = answered & (rng.random(n) < 0.03)
    wait_us = wait * 1e6
    end_us = entered + wait_us + (talk + hold + wrap) * 1e6
    parts = [
        _events("entered_queue", ids, entered, queue, None, {}),
        _events("answered", ids[answered], (entered + wait_us)[answered], queue[answered], agent[answered],
                {"wait_s": wait[answered]}),
        _events("abandoned", ids[abandoned], (entered + wait_us)[abandoned], queue[abandoned], None,
                {"wait_s": wait[abandoned]}),
        _events("exited", ids[exited], (entered + wait_us)[exited], queue[exited], None, {"wait_s": wait[exited]}),
        _events("transferred", ids[transferred], (entered + wait_us + 60e6)[transferred], queue[transferred],
                agent[transferred], {}),
        _events("wrap_up_ended", ids[answered], end_us[answered], queue[answered], agent[answered],
                {"talk_s": talk[answered], "hold_s": hold[answered], "wrap_s": wrap[answered]}),
        _events("survey_answered", ids[surveyed], (end_us + 600e6)[surveyed], queue[surveyed], agent[surveyed],
                {"score": rng.integers(1, 6, n)[surveyed]}),
    ]
    return pl.concat(parts, how="diagonal_relaxed").sort("occurred_at")


def _profile() -> np.ndarray:
    weights = np.array([1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 15, 15, 14, 14, 13, 12, 11, 12, 12, 10, 7, 4, 2, 1], float)
    return weights / weights.sum()


def _events(kind: str, ids: np.ndarray, at_us: np.ndarray, queue: np.ndarray, agent: np.ndarray | None,
            measures: dict[str, np.ndarray]) -> pl.DataFrame:
    start_us = int(START.timestamp() * 1e6)
    columns = {"type": pl.Series([kind] * len(ids), dtype=EVENT_TYPE),
               "occurred_at": pl.Series(at_us.astype(np.int64) + start_us).cast(pl.Datetime("us", "UTC")),
               "interaction_id": ids, "queue_id": queue.astype(np.int64),
               "agent_id": pl.Series(agent.astype(np.int64) if agent is not None else [None] * len(ids),
                                     dtype=pl.Int64)}
    frame = pl.DataFrame(columns)
    for name in ("wait_s", "talk_s", "hold_s", "wrap_s"):
        frame = frame.with_columns(pl.Series(name, measures[name], dtype=pl.Float64) if name in measures
                                   else pl.lit(None, pl.Float64).alias(name))
    for name in ("score", "nps"):
        frame = frame.with_columns(pl.Series(name, measures[name], dtype=pl.Int64) if name in measures
                                   else pl.lit(None, pl.Int64).alias(name))
    return frame


def helpline_report(path: Path) -> pl.DataFrame:
    spec = ReportSpec(start=START, end=START + timedelta(days=DAYS), by=("queue", "interval"), interval="30m",
                      metrics=METRICS, time_zone=ZONES[0])
    return report(export.scan(path, spec.start, spec.end + LONGEST_WAIT), QUEUES, AGENTS, spec)


def pandas_report(path: Path) -> pd.DataFrame:
    """The same figures in plain, vectorised pandas (no Python loop over rows)."""
    events = pd.read_parquet(path, columns=["type", "occurred_at", "queue_id", "wait_s", "talk_s", "hold_s",
                                            "wrap_s"])
    # a group is a (queue, half hour) with at least one event these metrics count (surveys are not among them)
    events = events[events["type"].isin(COUNTED_TYPES)]
    queues = QUEUES.select("queue_id", "queue", "threshold_s", "tz").to_pandas()
    df = events.merge(queues, on="queue_id", how="left")
    wait = df["wait_s"]
    by_wait = df["type"].isin(["answered", "abandoned", "exited"]) & wait.notna()
    df["t"] = df["occurred_at"] - pd.to_timedelta(wait.where(by_wait, 0.0), unit="s")
    df = df[(df["t"] >= START) & (df["t"] < START + timedelta(days=DAYS))]
    local = pd.Series(pd.NaT, index=df.index, dtype="datetime64[us]")
    for zone in ZONES:
        mine = df["tz"] == zone
        local[mine] = df.loc[mine, "t"].dt.tz_convert(zone).dt.floor("30min").dt.tz_localize(None)
    df["interval"] = local
    kind, wait, thr = df["type"], df["wait_s"], df["threshold_s"]
    answered = (kind == "answered") & wait.notna()
    abandoned = kind == "abandoned"
    handled = (kind == "wrap_up_ended") & df["talk_s"].notna()
    flags = pd.DataFrame({
        "queue": df["queue"], "interval": df["interval"], "offered": kind == "entered_queue", "answered": answered,
        "abandoned": abandoned, "short_abandoned": abandoned & (wait <= 5.0), "other_exits": kind == "exited",
        "answered_within_t": answered & (wait <= thr), "transfers": kind == "transferred", "handled": handled,
        "wait_answered_s": wait.where(answered, 0.0), "wait_abandoned_s": wait.where(abandoned, 0.0),
        "max_wait_s": wait.where(answered | abandoned | (kind == "exited")),
        "handle_s": (df["talk_s"] + df["hold_s"] + df["wrap_s"]).where(handled, 0.0)})
    sums = flags.groupby(["queue", "interval"], sort=True).agg(
        offered=("offered", "sum"), answered=("answered", "sum"), abandoned=("abandoned", "sum"),
        short_abandoned=("short_abandoned", "sum"), other_exits=("other_exits", "sum"),
        answered_within_t=("answered_within_t", "sum"), transfers=("transfers", "sum"), handled=("handled", "sum"),
        wait_answered_s=("wait_answered_s", "sum"), wait_abandoned_s=("wait_abandoned_s", "sum"),
        max_wait_s=("max_wait_s", "max"), handle_s=("handle_s", "sum")).reset_index()

    def ratio(a: pd.Series, b: pd.Series) -> pd.Series:
        return (a / b).where(b > 0)

    sums["service_level"] = ratio(sums["answered_within_t"], sums["offered"] - sums["short_abandoned"])
    sums["asa_s"] = ratio(sums["wait_answered_s"], sums["answered"])
    sums["avg_abandon_wait_s"] = ratio(sums["wait_abandoned_s"], sums["abandoned"])
    sums["abandon_rate"] = ratio(sums["abandoned"], sums["offered"])
    sums["answer_rate"] = ratio(sums["answered"], sums["offered"])
    sums["aht_s"] = ratio(sums["handle_s"], sums["handled"])
    return sums[["queue", "interval", *METRICS]]


def same(ours: pl.DataFrame, theirs: pd.DataFrame) -> None:
    """Every cell equal (floats to 1e-9 relative), after putting both in the same order."""
    ours = ours.sort("queue", "interval")
    theirs = theirs.sort_values(["queue", "interval"]).reset_index(drop=True)
    assert ours.height == len(theirs), (ours.height, len(theirs))
    assert ours["queue"].to_list() == theirs["queue"].tolist()
    assert [s[:16] for s in ours["interval"].to_list()] == [t.strftime("%Y-%m-%dT%H:%M") for t in theirs["interval"]]
    for name in METRICS:
        a = ours[name].cast(pl.Float64).to_numpy()
        b = theirs[name].astype(float).to_numpy()
        assert np.allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True), name


def best_of(repeat: int, run):  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - began)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--interactions", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="Write the Parquet file here and keep it")
    args = parser.parse_args()
    began = time.perf_counter()
    events = generate(args.interactions, args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        path = (args.keep or Path(scratch)) / "events"
        if path.exists():
            shutil.rmtree(path)
        export.write_frame(events, path)
        size = sum(f.stat().st_size for f in path.rglob("*.parquet"))
        print(f"generated {args.interactions:,} interactions, {events.height:,} events, "
              f"{size / 1e6:,.0f} MB of Parquet in {time.perf_counter() - began:.1f} s")
        del events
        helpline_s, ours = best_of(args.repeat, lambda: helpline_report(path))
        print(f"helpline (Polars): {helpline_s:.2f} s, {ours.height:,} rows")
        pandas_s, theirs = best_of(args.repeat, lambda: pandas_report(path))
        print(f"pandas:            {pandas_s:.2f} s, {len(theirs):,} rows")
        same(ours, theirs)
        print("the two reports agree cell by cell")
    print(json.dumps({"interactions": args.interactions, "groups": ours.height, "helpline_s": round(helpline_s, 3),
                      "pandas_s": round(pandas_s, 3), "ratio": round(pandas_s / helpline_s, 1)}))

if __name__ == "__main__":
    main()
