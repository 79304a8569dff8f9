"""Erlang C staffing benchmark: the fewest agents for many 30-minute intervals, Helpline against pyworkforce, in
the same run and on the same intervals.

    .venv/bin/python benchmarks/erlang.py [--intervals 10000] [--seed 7] [--repeat 3]

Calls per interval are uniform in 1..2000, AHT 180 s, target 80 % answered within 20 s. Helpline computes all
intervals in one vectorised call of `helpline.wfm.erlang.agents_needed`; pyworkforce builds one
`pyworkforce.queuing.ErlangC` per interval (its units are minutes: aht 3, interval 30, and its `asa` argument
is the answer-time target, 20/60) and calls `required_positions(service_level=0.8)`, whose `raw_positions`
is the agent count before shrinkage. The agent counts are compared interval by interval. The last line is
JSON: "helpline_s" is the best of --repeat runs, "pyworkforce_s" one run (it takes seconds), "ratio" their
quotient and "identical" whether every count agrees.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from pyworkforce.queuing import ErlangC

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from helpline.wfm.erlang import agents_needed

INTERVAL_S, AHT_S, TARGET, WITHIN_S = 1800, 180, 0.8, 20


def helpline(calls: np.ndarray) -> np.ndarray:
    return agents_needed("c", calls, INTERVAL_S, AHT_S, service_level=TARGET, answer_within_s=WITHIN_S)


def pyworkforce(calls: np.ndarray) -> np.ndarray:
    return np.array([ErlangC(transactions=int(c), aht=AHT_S / 60, asa=WITHIN_S / 60, interval=INTERVAL_S / 60)
                     .required_positions(service_level=TARGET)["raw_positions"] for c in calls])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intervals", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    calls = np.random.default_rng(args.seed).integers(1, 2001, args.intervals)
    print(f"{args.intervals} intervals, calls uniform in 1..2000 per 30 min, AHT {AHT_S} s, "
          f"{TARGET:.0%} within {WITHIN_S} s")
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        ours = helpline(calls)
        times.append(time.perf_counter() - start)
    helpline_s = min(times)
    print(f"helpline:    {helpline_s:.4f} s (best of {args.repeat}: {', '.join(f'{t:.4f}' for t in times)})")
    start = time.perf_counter()
    theirs = pyworkforce(calls)
    pyworkforce_s = time.perf_counter() - start
    print(f"pyworkforce: {pyworkforce_s:.4f} s")
    differ = np.flatnonzero(ours != theirs)
    for i in differ[:10]:
        print(f"  differs: calls {calls[i]}: helpline {ours[i]}, pyworkforce {theirs[i]}")
    print(f"agents: {ours.sum()} in total, {len(differ)} intervals differ")
    print(json.dumps({"intervals": args.intervals, "helpline_s": round(helpline_s, 5),
                      "pyworkforce_s": round(pyworkforce_s, 4), "ratio": round(pyworkforce_s / helpline_s, 1),
                      "identical": bool(len(differ) == 0)}))


if __name__ == "__main__":
    main()
