"""The simulation (issue 7): the real routing engine driven by a discrete-event loop, reported by the KPI code.

Validation: a single-skill queue simulated as M/M/N (exponential handle times, no wrap-up) agrees with Erlang C,
and as M/M/N+M (exponential patience) with Erlang A, within the 95 % confidence interval across replications.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import polars as pl
import pytest
from typer.testing import CliRunner

from helpline.entrypoints.cli import app
from helpline.wfm.scenario import ScenarioError, add_agents, load_scenario, parse_scenario
from helpline.wfm.simulation import event_frame, kpi_figures, own_counts, replicate, simulate

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "wfm" / "examples" / "scenario.yaml"
runner = CliRunner()

# M/M/10: 170 calls an hour of 180 s on average (8.5 erlangs), answer within 20 s
CALLS_PER_HOUR, AHT_S, AGENTS, T_S, PATIENCE_S = 170.0, 180.0, 10, 20.0, 300.0


def single_queue(*, patience_s: float | None = None, days: float = 4.0, replications: int = 16,
                 agents: int = AGENTS, seed: int = 11) -> dict[str, Any]:
    queue: dict[str, Any] = {"code": "q", "channel": "voice", "skills": {"q": 1},
                             "service_level": {"within_s": T_S}, "arrivals": {"per_hour": CALLS_PER_HOUR},
                             "handle_time": {"distribution": "exponential", "mean_s": AHT_S}}
    if patience_s is not None:
        queue["patience"] = {"distribution": "exponential", "mean_s": patience_s}
    return {"horizon": {"start": "2026-03-02", "days": days, "interval_minutes": 60}, "warmup_hours": 8,
            "replications": replications, "seed": seed, "queues": [queue],
            "agents": [{"name": "a", "count": agents, "skills": {"q": 1}}]}


def assert_within(result: Any, expected: dict[str, float]) -> None:
    figures = result.queues["q"]
    report = {name: (float(value), figures[name].lo, figures[name].hi) for name, value in expected.items()}
    print({name: f"Erlang {v:.4f}, simulated {figures[name].mean:.4f} [{lo:.4f}, {hi:.4f}]"
           for name, (v, lo, hi) in report.items()})
    for name, (value, lo, hi) in report.items():
        assert lo <= value <= hi, f"{name}: Erlang {value:.4f} outside the 95 % CI [{lo:.4f}, {hi:.4f}]; {report}"


def test_mmn_agrees_with_erlang_c():
    erlang = pytest.importorskip("helpline.wfm.erlang")
    scenario = parse_scenario(single_queue())
    result = simulate(scenario, occupancy=True)
    e = erlang.erlang_c_figures(CALLS_PER_HOUR / 2, 1800, AHT_S, AGENTS, T_S)
    assert_within(result, {"service_level_erlang": e.service_level, "p_wait": e.p_wait, "asa_s": e.asa_s,
                           "occupancy": e.occupancy})
    assert result.queues["q"]["p_abandon"].mean == 0.0


def test_mmn_plus_m_agrees_with_erlang_a():
    erlang = pytest.importorskip("helpline.wfm.erlang")
    scenario = parse_scenario(single_queue(patience_s=PATIENCE_S, agents=9))
    result = simulate(scenario, occupancy=False)
    e = erlang.erlang_a_figures(CALLS_PER_HOUR / 2, 1800, AHT_S, PATIENCE_S, 9, T_S)
    assert_within(result, {"service_level_erlang": e.service_level, "p_wait": e.p_wait, "asa_s": e.asa_s,
                           "p_abandon": e.p_abandon})


def test_the_same_seed_gives_identical_results_and_another_seed_does_not():
    scenario = parse_scenario(single_queue(patience_s=PATIENCE_S, days=0.5, replications=2))
    first = simulate(scenario, occupancy=False).as_json()
    assert simulate(scenario, occupancy=False).as_json() == first
    assert simulate(scenario, seed=99, occupancy=False).as_json() != first
    a, b = replicate(scenario, 0, 5).outcome, replicate(scenario, 0, 5).outcome
    for column in ("arrival", "offered_at", "answered_at", "abandoned_at", "agent"):
        assert (pl.Series(getattr(a, column)).fill_nan(-1) == pl.Series(getattr(b, column)).fill_nan(-1)).all()


def test_the_kpi_engine_computes_the_simulators_own_counts_from_the_events():
    scenario = load_scenario(EXAMPLE)
    rep = replicate(scenario, 0, 3, occupancy=False)
    own = own_counts(rep.outcome, scenario)
    moved = sum(1 for m in rep.outcome.moves if m[0] == "exited")
    assert moved > 0  # the example's KASKO queue overflows into OSAGO: both sides are counted
    for code, figures in rep.figures.items():
        mine = own[code]
        for name in ("offered", "answered", "abandoned", "answered_within_t"):
            assert figures[name] == mine[name], (code, name)
        if mine["answered"]:
            assert figures["asa_s"] == pytest.approx(mine["wait_answered_s"] / mine["answered"], abs=1e-5)
    # the event log has the live shapes: every answered call has its offer, talk end and wrap-up end
    events = event_frame(rep.outcome, scenario, ordered=True)
    counts = dict(events.group_by("type").len().iter_rows())
    assert counts["answered"] == counts["completed"] == counts["wrap_up_ended"]
    assert counts["offered"] == counts["answered"] + events.filter(
        (pl.col("type") == "abandoned") & pl.col("interaction_id").is_in(
            events.filter(pl.col("type") == "offered")["interaction_id"].implode())).height
    assert counts["received"] == len(rep.outcome.arrival)
    assert events["occurred_at"].is_sorted()
    assert {"agent_logged_in", "agent_ready", "agent_not_ready", "agent_logged_out"} <= set(counts)


def example_variant(ring_s: float, choice: str) -> Any:
    scenario = load_scenario(EXAMPLE)
    queues = tuple(dataclasses.replace(q, agent_choice=choice) for q in scenario.queues)
    return dataclasses.replace(scenario, ring_delay_s=ring_s, queues=queues)


@pytest.mark.parametrize(("ring_s", "choice"), [(2.0, "best_proficiency"), (0.0, "best_proficiency"),
                                                (0.0, "longest_idle"), (3.0, "least_occupied"), (0.0, "round_robin")])
def test_the_fast_driver_gives_exactly_what_the_public_inputs_give(ring_s, choice):
    """The driver's short cuts (record-level inputs, reused ids, lean offers, derived columns) change nothing:
    every column and row equals a plain loop's over the engine's public inputs, on the example's shifts,
    overflows, expansion steps, ring delay, wrap-up and patience."""
    from helpline.wfm._loop import _loop, draw_replication
    from tests.simulation_reference import ReferenceLoop

    scenario = example_variant(ring_s, choice)
    draw = draw_replication(scenario, 4)
    fast = _loop(scenario, draw)
    reference = ReferenceLoop(scenario, draw)
    expected = reference.run()
    assert len(fast.moves) > 0 and np.isnan(fast.abandoned_at).sum() < len(fast.arrival)  # the rare paths ran
    for column in ("offered_at", "answered_at", "completed_at", "wrap_end_at", "abandoned_at", "entered"):
        np.testing.assert_array_equal(getattr(fast, column), expected[column], err_msg=column)
    np.testing.assert_array_equal(fast.agent, expected["agent"])
    np.testing.assert_array_equal(fast.queue, expected["queue"])
    def same(row: tuple) -> tuple:  # NaN (no wait) never equals itself
        return tuple("NaN" if isinstance(v, float) and np.isnan(v) else v for v in row)

    assert [same(m) for m in fast.moves] == [same(m) for m in reference.moves]
    assert fast.presence == reference.presence


def test_an_uncertified_agent_never_gets_a_call():
    raw = single_queue(days=0.5, replications=1, agents=2)
    raw["agents"].append({"names": ["expert"], "skills": {"q": 5}, "uncertified": ["q"]})
    scenario = parse_scenario(raw)
    outcome = replicate(scenario, 0, 1, occupancy=False).outcome
    expert = [a.id for a in scenario.agents].index("expert")
    assert (outcome.agent >= 0).sum() > 100
    assert expert not in set(outcome.agent.tolist())
    # certified, the same expert takes calls (best proficiency first)
    raw["agents"][-1].pop("uncertified")
    again = replicate(parse_scenario(raw), 0, 1, occupancy=False).outcome
    assert expert in set(again.agent.tolist())


def test_shifts_log_agents_in_and_out_and_work_is_finished_first():
    raw = single_queue(days=1, replications=1)
    raw["agents"] = [{"name": "day", "count": 12, "skills": {"q": 1}, "shifts": [{"start": "08:00", "end": "20:00"}]}]
    scenario = parse_scenario(raw)
    outcome = replicate(scenario, 0, 1, occupancy=False).outcome
    logins = [p for p in outcome.presence if p[0] == "agent_logged_in"]
    logouts = [p for p in outcome.presence if p[0] == "agent_logged_out"]
    assert len(logins) == len(logouts) == 12
    start, end = 8 * 3600.0, 20 * 3600.0
    answered = outcome.answered_at[~pl.Series(outcome.answered_at).is_nan().to_numpy()]
    assert answered.min() >= start and answered.max() <= end
    for _, t, agent, _ in logouts:  # nobody leaves in the middle of a call
        mine = outcome.agent == agent
        assert (outcome.wrap_end_at[mine] <= t).all()


def test_bad_scenarios_name_the_field():
    raw = single_queue()
    del raw["queues"][0]["handle_time"]["mean_s"]
    with pytest.raises(ScenarioError, match=r"^queues\[0\]\.handle_time\.mean_s: is required"):
        parse_scenario(raw)
    raw = single_queue()
    raw["queues"][0]["arrivals"] = {"profile": [1, 2, 3]}
    with pytest.raises(ScenarioError, match=r"queues\[0\]\.arrivals\.profile: needs one value per interval"):
        parse_scenario(raw)
    raw = single_queue()
    raw["agents"][0]["shifts"] = [{"start": "8 o'clock", "end": "20:00"}]
    with pytest.raises(ScenarioError, match=r"agents\[0\]\.shifts\[0\]\.start: must be a time of day"):
        parse_scenario(raw)
    raw = single_queue()
    raw["queues"][0]["handel_time"] = raw["queues"][0]["handle_time"]
    with pytest.raises(ScenarioError, match=r"queues\[0\]\.handel_time: unknown field"):
        parse_scenario(raw)


def test_a_forecast_csv_feeds_the_arrivals(tmp_path):
    rows = ["interval_start,queue,forecast"] + [
        f"2026-03-02T{h:02d}:{m:02d}:00+03:00,q,{30 if 9 <= h < 18 else 0}" for h in range(24) for m in (0, 30)]
    (tmp_path / "forecast.csv").write_text("\n".join(rows) + "\n")
    raw = single_queue(days=1, replications=1)
    raw["horizon"]["interval_minutes"] = 30
    raw["horizon"]["time_zone"] = "Europe/Moscow"
    raw["queues"][0]["arrivals"] = {"forecast": "forecast.csv"}
    (tmp_path / "s.yaml").write_text(orjson.dumps(raw).decode())  # JSON is YAML
    scenario = load_scenario(tmp_path / "s.yaml")
    assert sum(scenario.queues[0].rates) == 18 * 30
    outcome = replicate(scenario, 0, 4, occupancy=False).outcome
    assert outcome.arrival.min() >= 9 * 3600 and outcome.arrival.max() < 18 * 3600


def test_cli_json_tables_events_and_errors(tmp_path):
    out = tmp_path / "events.parquet"
    result = runner.invoke(app, ["simulate", str(EXAMPLE), "--replications", "2", "--seed", "4", "--json",
                                 "--events", str(out)])
    assert result.exit_code == 0, result.output
    document = orjson.loads(result.stdout.strip().splitlines()[-1])
    assert document["replications"] == 2 and document["seed"] == 4
    assert set(document["queues"]) == {"osago", "kasko", "dms", "chat", "email"}
    for name in ("service_level", "p_wait", "asa_s", "p_abandon", "occupancy", "offered"):
        figure = document["queues"]["osago"][name]
        assert figure["lo"] <= figure["mean"] <= figure["hi"], name
    events = pl.read_parquet(out)
    assert {"type", "occurred_at", "interaction_id", "queue_id", "agent_id", "wait_s"} <= set(events.columns)
    table = runner.invoke(app, ["simulate", str(EXAMPLE), "--replications", "2"])
    assert table.exit_code == 0 and "queue kasko" in table.stdout and "95 % CI" in table.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("horizon: {start: 2026-03-02, days: 1}\nqueues: [{code: q, arrivals: {per_hour: 5}}]\nagents: []\n")
    failed = runner.invoke(app, ["simulate", str(bad)])
    assert failed.exit_code == 2 and "queues[0].handle_time: is required" in failed.output


def test_more_agents_improve_the_service_level_in_a_scenario_file():
    scenario = parse_scenario(single_queue(patience_s=PATIENCE_S, agents=9, days=0.5, replications=3))
    more = add_agents(scenario, "q", 2)
    assert [a.id for a in more.agents[-2:]] == ["+q-1", "+q-2"]
    before = simulate(scenario, occupancy=False).queues["q"]["service_level"].mean
    after = simulate(more, occupancy=False).queues["q"]["service_level"].mean
    assert before is not None and after is not None and after > before + 0.1
    assert len(add_agents(more, "q", -3).agents) == 8
    with pytest.raises(ScenarioError, match="unknown queue x"):
        add_agents(scenario, "x", 1)


# -- derived from the live configuration --------------------------------------------------------------------
def _history(make, uow_factory, queue, agent, day: date, weeks: int) -> None:
    """Two weeks of a weekday's calls on `queue`: 20 an hour from 09:00 to 17:00, talk 200 s, some abandons."""
    from helpline.domain.vocabulary import EventType
    from helpline.services import event_log

    rows = []
    zone = timedelta(hours=3)  # Europe/Moscow
    for week in range(1, weeks + 1):
        d = day - timedelta(weeks=week)
        for hour in range(9, 17):
            for k in range(20):
                at = datetime.combine(d, time(hour, k * 3), UTC) - zone
                rows.append(event_log.row(EventType.ENTERED_QUEUE, at=at, actor=None, queue_id=queue.id))
                if k % 10 == 9:
                    rows.append(event_log.row(EventType.ABANDONED, at=at + timedelta(seconds=40), actor=None,
                                              queue_id=queue.id, wait_s=40.0))
                    continue
                rows.append(event_log.row(EventType.ANSWERED, at=at + timedelta(seconds=10), actor=None,
                                          queue_id=queue.id, agent_id=agent.id, wait_s=10.0))
                rows.append(event_log.row(EventType.WRAP_UP_ENDED, at=at + timedelta(seconds=230), actor=None,
                                          queue_id=queue.id, agent_id=agent.id, talk_s=200.0 + 10 * (k % 5),
                                          hold_s=0.0, wrap_s=20.0))
    with uow_factory() as uow:
        event_log.append_rows(uow, rows)
        uow.commit()


def test_a_scenario_from_the_live_configuration_with_two_more_kasko_agents(make, container):
    from helpline.services.simulation_scenarios import LiveScenarioRequest, dump_scenario, live_scenario
    from helpline.wfm.scenario import parse_scenario as parse

    site = make.site("Moscow")
    kasko_skill = make.skill("kasko")
    osago_skill = make.skill("osago")
    kasko = make.queue(code="kasko", site=site, skills={kasko_skill: 2})
    make.queue(code="osago", skills={osago_skill: 1})
    agents = [make.agent(site=site, skills={kasko_skill: 3, osago_skill: 1}) for _ in range(2)]
    make.agent(site=site, skills={kasko_skill: 5}, certified=False)  # never takes KASKO calls
    day = date(2026, 2, 10)  # a Tuesday
    _history(make, container.uow, kasko, agents[0], day, weeks=2)
    with container.uow() as uow:
        base = live_scenario(uow, LiveScenarioRequest(day=day, weeks=2, shift="08:00-18:00", replications=4),
                             "Europe/Moscow")
        more = live_scenario(uow, LiveScenarioRequest(day=day, weeks=2, shift="08:00-18:00", replications=4,
                                                      add_agents={"kasko": 2}), "Europe/Moscow")
    q = base.queue("kasko")
    assert sum(q.rates) == pytest.approx(160.0)  # 20 an hour for 8 hours, averaged over two weeks
    assert q.handle_time.kind == "empirical" and q.handle_time.mean == pytest.approx(220.0, abs=5)
    assert q.patience is not None and q.patience.kind == "exponential"
    assert [a.uncertified for a in base.agents] == [frozenset(), frozenset(), frozenset({"kasko"})]
    assert len(more.agents) == len(base.agents) + 2
    before = simulate(base, occupancy=False).queues["kasko"]["service_level"].mean
    after = simulate(more, occupancy=False).queues["kasko"]["service_level"].mean
    assert before is not None and after is not None and after > before + 0.05
    again = parse(__import__("yaml").safe_load(dump_scenario(more)))  # the derived scenario reads back
    assert len(again.agents) == len(more.agents) and again.queue("kasko").rates == pytest.approx(q.rates, abs=1e-3)


def test_cli_from_live(make, container, database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("HELPLINE_DATABASE_URL", database_url)
    monkeypatch.setenv("HELPLINE_ENVIRONMENT", "test")
    skill = make.skill("kasko")
    queue = make.queue(code="kasko", skills={skill: 1})
    agent = make.agent(skills={skill: 2})
    _history(make, container.uow, queue, agent, date(2026, 2, 10), weeks=1)
    saved = tmp_path / "live.yaml"
    result = runner.invoke(app, ["simulate", "--from-live", "--add-agents", "kasko=2", "--date", "2026-02-10",
                                 "--weeks", "1", "--replications", "2", "--json", "--save-scenario", str(saved)])
    assert result.exit_code == 0, result.output
    document = orjson.loads(result.stdout.strip().splitlines()[-1])
    assert document["queues"]["kasko"]["offered"]["mean"] > 100
    assert len(load_scenario(saved).agents) == 3
    wrong = runner.invoke(app, ["simulate", "--from-live", "--add-agents", "nosuch=1", "--date", "2026-02-10"])
    assert wrong.exit_code == 2 and "unknown queue nosuch" in wrong.output


def test_kpi_figures_of_an_empty_replication_are_empty_not_errors():
    raw = single_queue(days=0.5, replications=1)
    raw["queues"][0]["arrivals"] = {"per_hour": 0}
    scenario = parse_scenario(raw)
    figures = kpi_figures(replicate(scenario, 0, 1).outcome, scenario)
    assert figures["q"]["offered"] == 0 and figures["q"]["service_level"] is None
