"""helpline.wfm.erlang against an arbitrary-precision reference (mpmath) built from the queues' definitions, the
inverse (fewest agents), vectorisation, properties, and the `helpline erlang` / `helpline staff` commands."""

import csv
import itertools
import json
import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from helpline.entrypoints.cli import app
from helpline.wfm.erlang import (
    QueueFigures,
    agents_needed,
    erlang_a_figures,
    erlang_b,
    erlang_c,
    erlang_c_figures,
    scheduled_agents,
)

mp.mp.dps = 30
FIELDS = ("service_level", "p_wait", "asa_s", "p_abandon", "occupancy")
runner = CliRunner()


# --- the reference: stationary probabilities summed, waits integrated, all in 30-digit arithmetic ---------------

def ref_idle(n, a):
    """Σ_{j<n} a^j/j! ÷ (a^(n−1)/(n−1)!): the idle states of M/M/n relative to n−1 busy."""
    a, total, term = mp.mpf(a), mp.mpf(0), mp.mpf(1)
    for k in range(n):
        total += term
        term *= (n - 1 - k) / a
    return total


def ref_erlang_b(n, a):
    """(a^n/n!) ÷ Σ_{j≤n} a^j/j!, summed."""
    a = mp.mpf(a)
    return 1 / (1 + (n / a) * ref_idle(n, a)) if n else mp.mpf(1)


def ref_c(calls, interval, aht, n, t):
    """M/M/n: π_{n+k} = π_n ρ^k (a geometric queue), a waiting customer's wait Exp(nμ − λ)."""
    a = mp.mpf(calls) * aht / interval
    wait_mass = (a / n) / (1 - a / n)  # Σ_k π_{n+k} relative to π_{n−1}
    p_wait = wait_mass / (ref_idle(n, a) + wait_mass)
    return {"service_level": 1 - p_wait * mp.e ** (-(n - a) * t / mp.mpf(aht)), "p_wait": p_wait,
            "asa_s": p_wait * aht / (n - a), "p_abandon": mp.mpf(0), "occupancy": a / n}


def ref_a(calls, interval, aht, patience, n, t):
    """M/M/n+M from the M/M/n+G measures of Mandelbaum & Zeltyn with G exponential: the offered wait V has
    density λ·π_{n−1}·exp(λH(s) − nμs) on s > 0, H(s) = ∫_0^s Ḡ; a customer is served iff patience > V."""
    lam, mu, theta = mp.mpf(calls) / interval, 1 / mp.mpf(aht), 1 / mp.mpf(patience)
    a = lam / mu

    def exponent(s):
        return lam * (1 - mp.e ** (-theta * s)) / theta - n * mu * s

    peak = mp.log(lam / (n * mu)) / theta if lam > n * mu else mp.mpf(0)
    width, rate = 1 / mp.sqrt(n * mu * theta), abs(n * mu - lam) + theta
    points = {peak}
    for k in (0.3, 1, 3, 10, 30, 100):
        points |= {peak + k * width, max(mp.mpf(0), peak - k * width), k / rate}
    top = exponent(peak)

    def integral(f, lo, hi):
        return mp.quad(lambda s: f(s) * lam * mp.e ** (exponent(s) - top), [lo, *sorted(
            p for p in points if lo < p < hi), hi]) * mp.e ** top

    idle = ref_idle(n, a)
    wait = integral(lambda s: 1, 0, mp.inf)
    served = integral(lambda s: mp.e ** (-theta * s), 0, mp.inf)
    within = integral(lambda s: mp.e ** (-theta * s), 0, t) if t > 0 else 0
    waited_served = integral(lambda s: s * mp.e ** (-theta * s), 0, mp.inf)
    total = idle + wait
    p_abandon = (wait - served) / total
    return {"service_level": (idle + within) / total, "p_wait": wait / total,
            "asa_s": waited_served / total / (1 - p_abandon), "p_abandon": p_abandon,
            "occupancy": (1 - p_abandon) * a / n}


def assert_close(ours: QueueFigures, ref: dict, rel=1e-9, abs_=1e-12):
    row = ours.row()
    for name in FIELDS:
        expected = float(ref[name])
        assert row[name] == pytest.approx(expected, rel=rel, abs=abs_), (name, row[name], expected)


# --- Erlang B and C ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("n", "a"), [(1, 1e-6), (1, 0.5), (5, 0.01), (10, 9.5), (10, 10.0), (50, 49.9), (200, 180.0),
                                      (100, 250.0), (1000, 1000.5), (20, 900.0), (3000, 3100.0), (5000, 4900.0)])
def test_erlang_b_matches_the_summed_definition(n, a):
    assert float(erlang_b(n, a)) == pytest.approx(float(ref_erlang_b(n, a)), rel=1e-9, abs=1e-300)


def test_erlang_b_and_c_at_100000_agents_and_50000_erlangs_neither_overflow_nor_fail():
    ref = ref_erlang_b(100_000, 50_000)  # about e^-15000: below the smallest double
    assert float(ref) == 0.0 and erlang_b(100_000, 50_000) == 0.0 and erlang_c(100_000, 50_000) == 0.0
    assert erlang_b(40_000, 50_000) == pytest.approx(float(ref_erlang_b(40_000, 50_000)), rel=1e-9)
    assert erlang_b(50_400, 50_000) == pytest.approx(float(ref_erlang_b(50_400, 50_000)), rel=1e-9)


@pytest.mark.parametrize(("calls", "aht", "n", "t"), [
    (0.01, 180, 1, 20),  # a tiny load
    (100, 180, 11, 20), (1000, 180, 101, 20),  # load 10 and 100 just below N
    (999, 180, 100, 20),  # load 99.9 on 100 agents
    (4000, 180, 420, 20), (20_000, 180, 2050, 20),
    (500_000, 180, 50_100, 20), (500_000, 180, 50_500, 60),  # 50,000 Erlangs
    (500_000, 180, 100_000, 20),  # 100,000 agents
    (20, 600, 8, 900), (100, 600, 40, 3600),  # chat and e-mail: answered within 15 min and within an hour
])
def test_erlang_c_figures_match_mpmath(calls, aht, n, t):
    assert_close(erlang_c_figures(calls, 1800, aht, n, t), ref_c(calls, 1800, aht, n, t))


def test_erlang_c_unstable_queue_and_no_load():
    f = erlang_c_figures(1000, 1800, 180, 100, 20).row()
    assert f == {"service_level": 0.0, "p_wait": 1.0, "asa_s": math.inf, "p_abandon": 0.0, "occupancy": 1.0}
    f = erlang_c_figures(0, 1800, 180, 3, 20).row()
    assert f == {"service_level": 1.0, "p_wait": 0.0, "asa_s": 0.0, "p_abandon": 0.0, "occupancy": 0.0}
    assert erlang_c(5, 5.0) == 1.0 and erlang_c(3, 7.0) == 1.0


# --- Erlang A ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("calls", "aht", "patience", "n", "t"), [
    (0.01, 180, 60, 1, 20),  # a tiny load
    (100, 180, 120, 12, 20), (100, 180, 120, 8, 20),  # agents below the load (10 Erlangs on 8 agents)
    (1000, 180, 120, 100, 20),  # load equal to N
    (3, 180, 600, 1, 900),
    (20_000, 180, 30, 1900, 20), (20_000, 180, 30, 2400, 20),
    (500_000, 180, 300, 50_200, 20), (500_000, 180, 300, 40_000, 20),  # 50,000 Erlangs; 40,000 agents
    (500_000, 180, 300, 100_000, 20),  # 100,000 agents
    (490_000, 180, 18_000, 50_000, 20),  # patient customers: the queue's terms far below the double range
    (200, 600, 1800, 70, 900), (200, 600, 1800, 63, 3600), (1000, 180, 120, 60, 3600),  # long targets
])
def test_erlang_a_figures_match_mpmath(calls, aht, patience, n, t):
    assert_close(erlang_a_figures(calls, 1800, aht, patience, n, t), ref_a(calls, 1800, aht, patience, n, t))


def test_erlang_a_with_endless_patience_is_erlang_c():
    c = erlang_c_figures(400, 1800, 180, 45, 20)
    assert erlang_a_figures(400, 1800, 180, np.inf, 45, 20) == c
    # the gap to Erlang C closes like 1/patience: ten times smaller for every tenfold patience, down to 1e-7
    gaps = [np.array([abs(erlang_a_figures(400, 1800, 180, p, 45, 20).row()[k] - c.row()[k])
                      for k in ("service_level", "p_wait", "asa_s", "occupancy")]) for p in (1e5, 1e6, 1e7, 1e8)]
    for wide, narrow in itertools.pairwise(gaps):
        assert np.allclose(wide / narrow, 10, rtol=0.02)
    assert gaps[-1][[0, 1, 3]].max() < 1e-6 and gaps[-1][2] < 1e-3
    assert erlang_a_figures(400, 1800, 180, 1e8, 45, 20).p_abandon < 2e-7  # ≈ mean wait ÷ patience


def test_erlang_a_below_the_load_gives_finite_figures():
    f = erlang_a_figures(2000, 1800, 180, 120, [150, 190, 199], 20)
    for name in FIELDS:
        assert np.all(np.isfinite(getattr(f, name))), name
    assert np.all(f.p_abandon > 0) and np.all(f.occupancy <= 1) and np.all(np.diff(f.service_level) > 0)
    # what is not answered is abandoned: carried load = answered share × offered load
    assert np.allclose(f.occupancy * [150, 190, 199], (1 - f.p_abandon) * 200, rtol=1e-12)


# --- long targets: where pyworkforce goes wrong ----------------------------------------------------------------

def test_long_targets_pyworkforce_staffs_too_many_and_reports_impossible_probabilities():
    from pyworkforce.queuing import ErlangC

    # e-mail-like: 106 contacts per 30 min, AHT 180 s, 80 % answered within an hour: load 10.6 Erlangs
    ours = int(agents_needed("c", 106, 1800, 180, service_level=0.8, answer_within_s=3600))
    theirs = ErlangC(transactions=106, aht=3, asa=60, interval=30)
    assert ours == 11
    assert erlang_c_figures(106, 1800, 180, 11, 3600).service_level == pytest.approx(
        float(ref_c(106, 1800, 180, 11, 3600)["service_level"]), rel=1e-12)
    assert erlang_c_figures(106, 1800, 180, 11, 3600).service_level > 0.999
    assert theirs.required_positions(0.8)["raw_positions"] == 12  # starts its search at round(load + 1)
    assert theirs.waiting_probability(10) > 1  # below the load it reports P(wait) = 1.23
    assert erlang_c(10, 10.6) == 1.0


# --- the inverse ---------------------------------------------------------------------------------------------------

TARGETS = [
    {"service_level": 0.8, "answer_within_s": 20}, {"service_level": 0.9, "answer_within_s": 900},
    {"service_level": 0.95, "answer_within_s": 3600}, {"max_asa_s": 15}, {"max_occupancy": 0.85},
    {"service_level": 0.8, "answer_within_s": 20, "max_asa_s": 10, "max_occupancy": 0.9},
]


def _meets(f: dict, targets: dict) -> bool:
    return all([f["service_level"] >= targets.get("service_level", 0), f["asa_s"] <= targets.get("max_asa_s", math.inf),
                f["p_abandon"] <= targets.get("max_abandon", 1), f["occupancy"] <= targets.get("max_occupancy", 1)])


@pytest.mark.parametrize("targets", TARGETS)
@pytest.mark.parametrize("calls", [3, 100, 1000, 20_000])
def test_erlang_c_gives_the_fewest_agents_meeting_every_target(calls, targets):
    n = int(agents_needed("c", calls, 1800, 180, **targets))
    t = targets.get("answer_within_s", 0)
    assert _meets(erlang_c_figures(calls, 1800, 180, n, t).row(), targets)
    assert n - 1 <= calls * 0.1 or not _meets(erlang_c_figures(calls, 1800, 180, n - 1, t).row(), targets)


@pytest.mark.parametrize("targets", [*TARGETS, {"max_abandon": 0.02}, {"max_abandon": 0.2},
                                     {"service_level": 0.6, "answer_within_s": 900, "max_abandon": 0.05}])
@pytest.mark.parametrize("calls", [3, 100, 1000, 20_000])
def test_erlang_a_gives_the_fewest_agents_meeting_every_target(calls, targets):
    n = int(agents_needed("a", calls, 1800, 180, patience_s=120, **targets))
    t = targets.get("answer_within_s", 0)
    assert _meets(erlang_a_figures(calls, 1800, 180, 120, n, t).row(), targets)
    assert n == 1 or not _meets(erlang_a_figures(calls, 1800, 180, 120, n - 1, t).row(), targets)


def test_erlang_a_staffs_below_the_load_when_customers_leave():
    n = int(agents_needed("a", 2000, 1800, 180, patience_s=60, max_abandon=0.2))
    assert n < 200 and erlang_a_figures(2000, 1800, 180, 60, n, 20).p_abandon <= 0.2


def test_inverse_edge_cases_and_bad_input():
    assert agents_needed("c", 0, 1800, 180, service_level=0.8, answer_within_s=20) == 0
    assert agents_needed("c", [0.01], 1800, 180, service_level=0.8, answer_within_s=20).tolist() == [1]
    with pytest.raises(ValueError, match="patience"):
        agents_needed("a", 10, 1800, 180, service_level=0.8, answer_within_s=20)
    with pytest.raises(ValueError, match="at least one target"):
        agents_needed("c", 10, 1800, 180)
    with pytest.raises(ValueError, match="calls"):
        agents_needed("c", -1, 1800, 180, max_occupancy=0.9)
    with pytest.raises(ValueError, match="aht"):
        erlang_c_figures(10, 1800, 0, 3, 20)
    with pytest.raises(ValueError, match="model"):
        agents_needed("x", 10, 1800, 180, max_occupancy=0.9)


def test_scheduled_agents_rounds_up_without_floating_point_surprises():
    assert scheduled_agents(7, 0.3) == 10 and scheduled_agents(10, 0.3) == 15 and scheduled_agents(0, 0.5) == 0
    assert scheduled_agents([45, 46], [0.0, 0.25]).tolist() == [45, 62]


# --- vectorised = element-wise -------------------------------------------------------------------------------------

def test_ten_thousand_intervals_at_once_equal_one_at_a_time():
    rng = np.random.default_rng(3)
    calls = rng.integers(1, 2001, 10_000).astype(float)
    needed = agents_needed("c", calls, 1800, 180, service_level=0.8, answer_within_s=20)
    one_by_one = [int(agents_needed("c", c, 1800, 180, service_level=0.8, answer_within_s=20)) for c in calls]
    assert needed.tolist() == one_by_one
    agents = needed + rng.integers(-3, 4, calls.size)
    agents = np.maximum(agents, 1)
    c_all = erlang_c_figures(calls, 1800, 180, agents, 20)
    a_all = erlang_a_figures(calls, 1800, 180, 120, agents, 20)
    for i in rng.choice(calls.size, 300, replace=False):
        assert erlang_c_figures(calls[i], 1800, 180, agents[i], 20).row() == c_all.row(i)
        assert erlang_a_figures(calls[i], 1800, 180, 120, agents[i], 20).row() == a_all.row(i)
    needed_a = agents_needed("a", calls, 1800, 180, patience_s=120, service_level=0.8, answer_within_s=20)
    for i in rng.choice(calls.size, 100, replace=False):
        assert needed_a[i] == agents_needed("a", calls[i], 1800, 180, patience_s=120, service_level=0.8,
                                            answer_within_s=20)


# --- properties ----------------------------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(calls=st.floats(0.01, 20_000), aht=st.floats(10, 1200), patience=st.floats(5, 5000),
       n=st.integers(1, 3000), t=st.floats(0, 7200))
def test_figures_are_probabilities_and_improve_with_every_agent(calls, aht, patience, n, t):
    for f in (erlang_c_figures(calls, 1800, aht, [n, n + 1], t),
              erlang_a_figures(calls, 1800, aht, patience, [n, n + 1], t)):
        for name in ("service_level", "p_wait", "p_abandon", "occupancy"):
            assert np.all((getattr(f, name) >= 0) & (getattr(f, name) <= 1)), name
        tol = 1e-12
        assert f.service_level[1] >= f.service_level[0] - tol
        assert f.p_wait[1] <= f.p_wait[0] + tol and f.p_abandon[1] <= f.p_abandon[0] + tol
        assert f.asa_s[1] <= f.asa_s[0] * (1 + 1e-9) or math.isinf(f.asa_s[0])


# --- the commands --------------------------------------------------------------------------------------------------

def _json(args):
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_erlang_command_json():
    for model in ("c", "a"):
        out = _json(["erlang", "--model", model, "--calls", "400", "--interval", "1800", "--aht", "180",
                     "--patience", "120", "--agents", "45", "--answer-within", "20", "--json"])
        assert list(out) == ["service_level", "p_wait", "asa_s", "p_abandon", "occupancy"]
        expected = (erlang_c_figures(400, 1800, 180, 45, 20) if model == "c"
                    else erlang_a_figures(400, 1800, 180, 120, 45, 20)).row()
        assert out == pytest.approx(expected, rel=1e-15)
    assert out["p_abandon"] > 0
    assert _json(["erlang", "--model", "c", "--calls", "400", "--agents", "45", "--json"])["p_abandon"] == 0


def test_staff_command_json_and_table():
    out = _json(["staff", "--model", "c", "--calls", "400", "--interval", "1800", "--aht", "180",
                 "--service-level", "0.8", "--answer-within", "20", "--max-occupancy", "0.9", "--shrinkage", "0.3",
                 "--json"])
    assert list(out) == ["agents", "scheduled_agents", "service_level", "p_wait", "asa_s", "p_abandon", "occupancy"]
    assert out["agents"] == agents_needed("c", 400, 1800, 180, service_level=0.8, answer_within_s=20,
                                          max_occupancy=0.9)
    assert out["scheduled_agents"] == math.ceil(out["agents"] / 0.7 - 1e-9)
    out = _json(["staff", "--model", "a", "--calls", "400", "--patience", "120", "--max-asa", "10",
                 "--max-abandon", "0.03", "--json"])
    assert out["agents"] == agents_needed("a", 400, 1800, 180, patience_s=120, max_asa_s=10, max_abandon=0.03)
    table = runner.invoke(app, ["staff", "--calls", "400", "--service-level", "0.8"])
    assert table.exit_code == 0 and "scheduled_agents" in table.stdout


@pytest.mark.parametrize("args", [
    ["erlang", "--calls", "-5", "--agents", "3"], ["erlang", "--calls", "5", "--aht", "0", "--agents", "3"],
    ["erlang", "--model", "a", "--calls", "5", "--agents", "3"], ["erlang", "--calls", "5"],
    ["erlang", "--model", "b", "--calls", "5", "--agents", "3"], ["erlang", "--calls", "x", "--agents", "3"],
    ["staff", "--calls", "5"], ["staff", "--model", "a", "--calls", "5", "--service-level", "0.8"],
    ["staff", "--calls", "5", "--service-level", "1.5"], ["staff", "--calls", "5", "--max-occupancy", "0.9",
                                                          "--shrinkage", "1"],
    ["staff", "--input", "/nonexistent/intervals.csv", "--service-level", "0.8"],
])
def test_bad_input_exits_with_2_and_says_why(args):
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.output.strip()


def test_staff_csv_plans_every_readable_row_and_counts_the_others(tmp_path):
    source = tmp_path / "intervals.csv"
    rng = np.random.default_rng(5)
    calls = rng.integers(1, 2001, 300)
    lines = ["start,calls,aht_s,target_service_level"]
    lines += [f"2026-03-02T{i // 2 % 24:02d}:{i % 2 * 30:02d},{c},{180 + i % 3 * 60}," for i, c in enumerate(calls)]
    lines[5] = "2026-03-02T02:00,many,180,"  # not a number
    lines[9] = "2026-03-02T04:00,-4,180,"  # negative calls
    lines[12] = "2026-03-02T05:30,12"  # a truncated row
    lines[20] = "2026-03-02T09:30,40,180,0.9"  # its own target
    source.write_text("\n".join(lines) + "\n")
    plan = tmp_path / "plan.csv"
    result = runner.invoke(app, ["staff", "--input", str(source), "--output", str(plan), "--service-level", "0.8",
                                 "--answer-within", "20", "--shrinkage", "0.25", "--json"])
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["intervals"] == 297 and summary["skipped"] == 3
    assert [p.split(":")[0] for p in summary["problems"]] == ["line 6", "line 10", "line 13"]
    assert "3 of 300 rows could not be read" in result.stderr
    with plan.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 297 and list(rows[0])[:4] == ["start", "calls", "aht_s", "target_service_level"]
    got = np.array([int(r["agents"]) for r in rows])
    c = np.array([float(r["calls"]) for r in rows])
    aht = np.array([float(r["aht_s"]) for r in rows])
    sl = np.array([float(r["target_service_level"] or 0.8) for r in rows])
    assert got.tolist() == agents_needed("c", c, 1800, aht, service_level=sl, answer_within_s=20).tolist()
    assert [int(r["scheduled_agents"]) for r in rows] == scheduled_agents(got, 0.25).tolist()
    assert float(rows[0]["service_level"]) == erlang_c_figures(c[0], 1800, aht[0], got[0], 20).row()["service_level"]


def test_staff_csv_erlang_a_to_standard_output(tmp_path):
    source = tmp_path / "chat.csv"
    source.write_text("calls,patience_s\n30,900\n300,\n")
    result = runner.invoke(app, ["staff", "--model", "a", "--input", str(source), "--aht", "600", "--patience",
                                 "1800", "--service-level", "0.8", "--answer-within", "900"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert [int(r["agents"]) for r in rows] == agents_needed("a", [30, 300], 1800, 600, patience_s=[900, 1800],
                                                             service_level=0.8, answer_within_s=900).tolist()
    missing = tmp_path / "no_calls.csv"
    missing.write_text("volume\n3\n")
    assert runner.invoke(app, ["staff", "--input", str(missing), "--service-level", "0.8"]).exit_code == 2
