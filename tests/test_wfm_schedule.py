"""The staffing plan (forecast → agents per group) and the shift scheduler (CP-SAT), on cases small enough to
check by hand or by brute force, and `helpline schedule` end to end with the documented example files."""

import csv
import itertools
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from helpline.entrypoints.cli import app
from helpline.services import scheduling
from helpline.wfm.erlang import agents_needed, scheduled_agents
from helpline.wfm.schedule import Agent, Break, Requirement, ScheduleError, ShiftTemplate, Site, solve
from helpline.wfm.staffing import QueueParams, plan, queue_agents

MONDAY = date(2026, 3, 2)
DOCS = Path(__file__).parents[1] / "docs" / "wfm"
EXAMPLES = DOCS / "examples"
FAST = {"time_limit_s": 5.0, "workers": 2}


def hourly(*groups: tuple[str, dict[int, int]], days: int = 1) -> Requirement:
    """A requirement on an hourly grid: per skill, {hour: agents} (site "main")."""
    required = np.zeros((len(groups), 24 * days), dtype=np.int64)
    for g, (_, by_hour) in enumerate(groups):
        for hour, agents in by_hour.items():
            required[g, hour] = agents
    return Requirement(tuple(MONDAY + timedelta(days=d) for d in range(days)), 60,
                       tuple(("main", skill) for skill, _ in groups), required)


def hours(first: int, last: int, agents: int) -> dict[int, int]:
    return dict.fromkeys(range(first, last), agents)


def at(hour: int) -> datetime:
    return datetime(2026, 3, 2, hour)


# --- the scheduler ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("window_hours", "shifts"), [(5, 4), (3, 5)])
def test_flat_three_agents_with_a_lunch_hour_needs_the_hand_computed_number_of_shifts(window_hours, shifts):
    # 3 agents 09-18, only 9-hour shifts fit, each with an unpaid hour: n shifts cover every hour iff at most
    # n - 3 lunches fall in any hour, i.e. ⌈n / window⌉ <= n - 3: n = 4 for a 5-hour window, 5 for 3 hours
    need = hourly(("all", hours(9, 18, 3)))
    day = ShiftTemplate("day", 9 * 60, 9 * 60, (540,), step_min=60,
                        breaks=(Break(60, 120, 120 + 60 * (window_hours - 1)),))
    result = solve(need, [day], [Site("main", {"mon": [["09:00", "18:00"]]})], **FAST)
    assert result.status == "OPTIMAL"
    assert len(result.shifts) == shifts and result.paid_hours == 8 * shifts
    assert result.under.sum() == 0
    assert all(s.start == at(9) and s.end == at(18) and not s.breaks[0][2] for s in result.shifts)
    lunches = [s.breaks[0][0].hour for s in result.shifts]
    assert max(lunches.count(h) for h in set(lunches)) <= shifts - 3


def test_a_peak_needs_staggered_starts_and_the_solver_matches_brute_force():
    need_by_hour = [1, 3, 3, 1, 2, 2]  # 08:00-14:00
    need = hourly(("all", {8 + i: n for i, n in enumerate(need_by_hour)}))
    template = ShiftTemplate("short", 8 * 60, 13 * 60, (120, 180), step_min=60)
    result = solve(need, [template], [Site("main", {"mon": [["08:00", "14:00"]]})], **FAST)

    kinds = [(start, length) for length in (2, 3) for start in range(6) if start + length <= 6]
    cover = np.array([[start <= t < start + length for t in range(6)] for start, length in kinds], dtype=int)
    counts = np.array(list(itertools.product(range(4), repeat=len(kinds))))
    feasible = ((counts @ cover) >= need_by_hour).all(axis=1)
    best = int((counts[feasible] @ np.array([length for _, length in kinds])).min())

    assert result.status == "OPTIMAL" and result.under.sum() == 0
    assert result.paid_hours == best == sum(need_by_hour)  # no hour is over-staffed: a perfect fit exists
    assert len({s.start for s in result.shifts}) > 1


def test_no_shift_outside_the_sites_opening_hours_and_the_rest_is_reported_under_staffed():
    need = hourly(("all", hours(8, 18, 2)))
    template = ShiftTemplate("flex", 6 * 60, 14 * 60, (240, 300, 360), step_min=60)
    result = solve(need, [template], [Site("main", {"mon": [["10:00", "16:00"]]})], **FAST)
    assert result.shifts and all(s.start >= at(10) and s.end <= at(16) for s in result.shifts)
    assert result.paid_hours == 12
    under = result.under[0]
    assert [h for h in range(24) if under[h]] == [8, 9, 16, 17] and set(under[[8, 9, 16, 17]]) == {2}


def test_the_sites_maximum_caps_the_agents_and_the_excess_demand_is_under_staffing():
    need = hourly(("all", hours(9, 13, 4)))
    template = ShiftTemplate("four", 9 * 60, 9 * 60, (240,))
    result = solve(need, [template], [Site("main", max_agents=2)], **FAST)
    assert result.status == "OPTIMAL" and len(result.shifts) == 2
    assert result.working["main"].max() == 2
    assert list(result.under[0, 9:13]) == [2, 2, 2, 2] and result.under.sum() == 8


def test_a_skill_no_agent_has_is_under_staffed_and_a_multi_skilled_agent_covers_two_groups():
    need = hourly(("motor", hours(9, 13, 1)), ("medical", hours(13, 17, 1)), ("travel", hours(9, 17, 1)))
    template = ShiftTemplate("day", 9 * 60, 9 * 60, (480,))
    blended = [Agent("Ivanova", frozenset({"motor", "medical"}))]
    result = solve(need, [template], agents=blended, **FAST)
    assert [(s.agent, s.skills) for s in result.shifts] == [("Ivanova", frozenset({"motor", "medical"}))]
    assert result.under[0].sum() == 0 and result.under[1].sum() == 0
    assert np.array_equal(result.under[2], need.required[2])  # travel: nobody has the skill

    single = [Agent("Petrov", frozenset({"motor"})), Agent("Sidorova", frozenset({"medical"}))]
    apart = solve(need, [template], agents=single, **FAST)
    assert apart.paid_hours == 16 and {s.agent for s in apart.shifts} == {"Petrov", "Sidorova"}


def test_headcount_one_agent_works_one_shift_a_day():
    need = hourly(("all", hours(8, 20, 2)))
    template = ShiftTemplate("six", 8 * 60, 14 * 60, (360,), step_min=60)
    result = solve(need, [template], agents=[Agent("Only", frozenset({"all"}))], **FAST)
    assert len(result.shifts) == 1 and result.shifts[0].agent == "Only"
    assert result.under.sum() == 24 - 6


def test_a_night_shift_crosses_midnight_but_not_the_end_of_the_horizon():
    need = hourly(("all", {**hours(0, 6, 1), **hours(22, 30, 1), **hours(46, 48, 1)}), days=2)
    night = ShiftTemplate("night", 22 * 60, 22 * 60, (480,))
    early = ShiftTemplate("early", 0, 0, (360,))
    result = solve(need, [night, early], **FAST)
    assert [(s.template, s.start, s.end) for s in result.shifts] == [
        ("early", at(0), at(6)), ("night", at(22), at(22) + timedelta(hours=8))]
    assert result.under.sum() == 2  # the second night would end after the horizon


def test_templates_off_the_interval_grid_or_with_overlapping_break_windows_are_refused():
    need = hourly(("all", hours(9, 17, 1)))
    with pytest.raises(ScheduleError, match="multiple of the 60-minute"):
        solve(need, [ShiftTemplate("odd", 9 * 60 + 30, 9 * 60 + 30, (480,))], **FAST)
    overlapping = (Break(60, 60, 180, paid=True), Break(60, 120, 240))
    with pytest.raises(ScheduleError, match="previous break"):
        solve(need, [ShiftTemplate("x", 9 * 60, 9 * 60, (480,), breaks=overlapping)], **FAST)


# --- the staffing plan ------------------------------------------------------------------------------


def test_the_plans_agents_equal_agents_needed_per_interval_and_shrinkage_gives_the_requirement():
    calls = np.array([0.0, 12, 40, 95, 60, 7])
    starts = [at(9) + timedelta(minutes=30 * i) for i in range(6)]
    voice = QueueParams("motor", aht_s=240, service_level=0.8, answer_within_s=20, max_occupancy=0.9, skill="m")
    other = QueueParams("kasko", aht_s=300, service_level=0.8, answer_within_s=20, skill="m")
    result = plan({"motor": calls, "kasko": calls / 2}, {"motor": voice, "kasko": other}, starts, 1800, 0.2)
    motor = agents_needed("c", calls, 1800, 240, service_level=0.8, answer_within_s=20, max_occupancy=0.9)
    kasko = agents_needed("c", calls / 2, 1800, 300, service_level=0.8, answer_within_s=20)
    assert np.array_equal(result.agents[result.queues.index("motor")], motor)
    assert np.array_equal(result.agents[result.queues.index("kasko")], kasko)
    assert result.groups == (("main", "m"),)
    assert np.array_equal(result.group_agents[0], motor + kasko)
    assert np.array_equal(result.required[0], scheduled_agents(motor + kasko, 0.2))


def test_chat_concurrency_three_divides_the_chat_workload():
    chats = np.array([30.0, 90, 150, 240])
    one = QueueParams("chat", aht_s=600, channel="chat", answer_within_s=60)
    three = QueueParams("chat", aht_s=600, channel="chat", answer_within_s=60, concurrency=3)
    slots = agents_needed("c", chats, 1800, 600, service_level=0.8, answer_within_s=60)
    assert np.array_equal(queue_agents(one, chats, 1800), slots)
    assert np.array_equal(queue_agents(three, chats, 1800), -(-slots // 3))
    load = chats * 600 / 1800
    assert (queue_agents(three, chats, 1800) >= np.ceil(load / 3)).all()
    assert (queue_agents(three, chats, 1800) < queue_agents(one, chats, 1800)).all()


def test_erlang_a_where_customers_abandon_needs_fewer_agents_than_erlang_c():
    calls = np.array([50.0, 100, 200, 400])
    erlang_c = QueueParams("medical", aht_s=300, answer_within_s=30)
    erlang_a = QueueParams("medical", aht_s=300, answer_within_s=30, model="a", patience_s=60)
    a, c = queue_agents(erlang_a, calls, 1800), queue_agents(erlang_c, calls, 1800)
    assert (a <= c).all() and a.sum() < c.sum()


def test_queue_hours_zero_the_plan_outside_them():
    starts = [at(7), at(8), at(17), at(18)]
    queue = QueueParams("spb", aht_s=240, site="spb", hours={"mon": [["08:00", "18:00"]]})
    result = plan({"spb": np.full(4, 30.0)}, {"spb": queue}, starts, 3600)
    assert list(result.agents[0] > 0) == [False, True, True, False] and result.groups == (("spb", "spb"),)


# --- the command ------------------------------------------------------------------------------------

runner = CliRunner()


def test_schedule_from_the_example_requirement_writes_the_schedule_the_coverage_and_json(tmp_path):
    out, cover = tmp_path / "schedule.csv", tmp_path / "coverage.csv"
    result = runner.invoke(app, ["schedule", "--requirement", str(EXAMPLES / "requirement.csv"),
                                 "--templates", str(EXAMPLES / "shifts.yaml"), "--output", str(out),
                                 "--coverage", str(cover), "--json", "--time-limit", "5", "--workers", "2"])
    assert result.exit_code == 0, result.output
    facts = json.loads(result.stdout)
    assert facts["status"] in ("OPTIMAL", "FEASIBLE") and facts["under_agent_hours"] == 0
    shifts = list(csv.DictReader(out.read_text().splitlines()))
    assert len(shifts) == facts["shifts"] and sum(float(s["paid_hours"]) for s in shifts) == facts["paid_hours"]
    assert all(s["agent"] and s["start"][11:16] >= "08:00" and s["end"][11:16] <= "21:00" for s in shifts)
    rows = list(csv.DictReader(cover.read_text().splitlines()))
    assert set(rows[0]) == set(scheduling.COVERAGE_COLUMNS)
    assert all(int(r["scheduled"]) - int(r["required"]) == int(r["over"]) - int(r["under"]) for r in rows)


def test_schedule_from_the_example_forecast_plans_staff_then_schedules(tmp_path):
    out, plan_file = tmp_path / "schedule.csv", tmp_path / "plan.csv"
    result = runner.invoke(app, ["schedule", "--forecast", str(EXAMPLES / "forecast.csv"),
                                 "--queues", str(EXAMPLES / "queues.yaml"), "--templates",
                                 str(EXAMPLES / "shifts.yaml"), "--output", str(out), "--plan", str(plan_file),
                                 "--time-limit", "5", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "paid hours" in result.output and "solver status" in result.output
    # the plan reads back as a requirement, with the same groups and numbers
    again = scheduling.load_requirement(plan_file)
    first, _ = scheduling.load_forecast(EXAMPLES / "forecast.csv", EXAMPLES / "queues.yaml")
    assert again.groups == first.groups and np.array_equal(again.required, first.required)
    assert {s for s, _ in first.groups} == {"moscow", "spb"}


def test_the_json_keys_are_documented():
    need = hourly(("all", hours(9, 13, 1)))
    facts = scheduling.summary(solve(need, [ShiftTemplate("four", 9 * 60, 9 * 60, (240,))], **FAST))
    text = (DOCS / "schedule.md").read_text()
    documented = set(re.findall(r"^\| `(\w+)` \|", text, flags=re.MULTILINE))
    assert set(facts) | set(facts["groups"][0]) <= documented


@pytest.mark.parametrize(("args", "message"), [
    (["--requirement", "bad_column.csv"], "missing column(s) required"),
    (["--requirement", "bad_time.csv"], "line 2: interval_start 'soon'"),
    (["--requirement", "ok.csv", "--forecast", "ok.csv"], "either --requirement, or --forecast"),
])
def test_bad_files_exit_2_with_a_clear_message(tmp_path, args, message):
    (tmp_path / "bad_column.csv").write_text("interval_start,agents\n2026-03-02T09:00,3\n")
    (tmp_path / "bad_time.csv").write_text("interval_start,required\nsoon,3\n")
    (tmp_path / "ok.csv").write_text("interval_start,required\n2026-03-02T09:00,3\n")
    paths = [str(tmp_path / a) if a.endswith(".csv") else a for a in args]
    result = runner.invoke(app, ["schedule", *paths, "--templates", str(EXAMPLES / "shifts.yaml"),
                                 "--output", str(tmp_path / "out.csv")])
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())


def test_a_bad_template_file_exits_2_naming_the_field(tmp_path):
    (tmp_path / "shifts.yaml").write_text("templates:\n  - name: x\n    earliest_start: '09:00'\n")
    result = runner.invoke(app, ["schedule", "--requirement", str(EXAMPLES / "requirement.csv"), "--templates",
                                 str(tmp_path / "shifts.yaml"), "--output", str(tmp_path / "out.csv")])
    assert result.exit_code == 2 and "templates.0.latest_start" in " ".join(result.stderr.split())


def test_the_sites_minimum_staffs_open_hours_even_without_demand():
    need = hourly(("all", hours(9, 13, 1)))
    template = ShiftTemplate("four", 9 * 60, 13 * 60, (240,), step_min=240)
    result = solve(need, [template], [Site("main", {"mon": [["09:00", "17:00"]]}, min_agents=2)], **FAST)
    assert result.paid_hours == 16 and list(result.working["main"][9:17]) == [2] * 8
    assert result.below_minimum["main"].sum() == 0 and result.over[0].sum() == 4 + 8
