"""The KPI engine against hand-computed figures: every metric and every service-level formula."""

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from helpline.kpi import SL_FORMULAS, ReportError, ReportSpec, report

DAY = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday; Moscow is UTC+3, so 06:00 UTC is 09:00 there
QUEUES = pl.DataFrame({"queue_id": [1, 2], "queue": ["sales", "claims"], "client": ["reso", "reso"],
                       "site": ["Moscow", "Novosibirsk"], "channel": ["voice", "voice"],
                       "product_line": ["osago", None], "threshold_s": [20.0, None],
                       "tz": ["Europe/Moscow", "Asia/Novosibirsk"]})
AGENTS = pl.DataFrame({"agent_id": [7, 8], "agent": ["Ivanova", "Petrov"], "agent_site": ["Moscow", "Moscow"],
                       "agent_tz": ["Europe/Moscow", "Europe/Moscow"]})
COLUMNS = ("type", "occurred_at", "interaction_id", "queue_id", "agent_id", "wait_s", "talk_s", "hold_s", "wrap_s",
           "score", "nps")


def at(hh_mm_ss: str) -> datetime:
    h, m, s = map(int, hh_mm_ss.split(":"))
    return DAY + timedelta(hours=h, minutes=m, seconds=s)


def ev(type_, time, iid=None, queue=1, agent=None, wait=None, talk=None, hold=None, wrap=None, score=None, nps=None):
    return (type_, at(time), iid, queue, agent, wait, talk, hold, wrap, score, nps)


EVENTS = [
    # the 09:00 interval in Moscow
    ev("entered_queue", "06:00:00", 1), ev("answered", "06:00:10", 1, agent=7, wait=10.0),
    ev("wrap_up_ended", "06:05:10", 1, agent=7, talk=200.0, hold=40.0, wrap=60.0),
    ev("entered_queue", "06:01:00", 2), ev("answered", "06:01:30", 2, agent=8, wait=30.0),
    ev("entered_queue", "06:02:00", 3), ev("abandoned", "06:02:03", 3, wait=3.0),
    ev("entered_queue", "06:03:00", 4), ev("abandoned", "06:03:25", 4, wait=25.0),
    ev("entered_queue", "06:04:00", 5), ev("abandoned", "06:04:40", 5, wait=40.0),
    ev("entered_queue", "06:05:00", 6), ev("exited", "06:06:00", 6, wait=60.0),
    ev("entered_queue", "06:07:00", 9), ev("abandoned", "06:07:02", 9, wait=2.0),
    ev("transferred", "06:10:00", 1, agent=7),
    ev("survey_answered", "06:20:00", 1, agent=7, score=5, nps=10),
    ev("survey_answered", "06:21:00", 2, agent=8, score=3, nps=5),
    ev("entered_queue", "06:29:50", 7), ev("answered", "06:30:05", 7, agent=7, wait=15.0),  # counted at entry
    # the 09:30 interval
    ev("entered_queue", "06:31:00", 8), ev("answered", "06:31:05", 8, agent=8, wait=5.0),
    ev("wrap_up_ended", "06:40:00", 2, agent=8, talk=100.0, hold=0.0, wrap=20.0),
    ev("answered", "06:45:00", 2, agent=7),  # a transfer to an agent: no wait, not a queue answer
    ev("agent_ready", "06:00:00", agent=7, queue=None),  # not a queue figure
]


def events(rows=EVENTS):
    return pl.DataFrame(rows, schema={
        "type": pl.String, "occurred_at": pl.Datetime("us", "UTC"), "interaction_id": pl.Int64,
        "queue_id": pl.Int64, "agent_id": pl.Int64, "wait_s": pl.Float64, "talk_s": pl.Float64,
        "hold_s": pl.Float64, "wrap_s": pl.Float64, "score": pl.Int64, "nps": pl.Int64}, orient="row")


def run(**kw):
    spec = ReportSpec(start=DAY, end=DAY + timedelta(days=1), **kw)
    return report(events(), QUEUES, AGENTS, spec).to_dicts()


ALL = ("offered", "answered", "abandoned", "short_abandoned", "other_exits", "answered_within_t", "transfers",
       "handled", "max_wait_s", "service_level", "asa_s", "avg_abandon_wait_s", "abandon_rate", "answer_rate",
       "aht_s", "avg_talk_s", "avg_hold_s", "avg_wrap_s", "csat", "csat_share_4_5", "nps")


def test_every_metric_per_half_hour_against_a_hand_count():
    first, second = run(by=("interval",), metrics=ALL)
    assert first == pytest.approx({
        "interval": "2026-03-02T09:00:00+03:00", "offered": 8, "answered": 3, "abandoned": 4, "short_abandoned": 2,
        "other_exits": 1, "answered_within_t": 2, "transfers": 1, "handled": 1, "max_wait_s": 60.0,
        "service_level": 2 / 6, "asa_s": 55 / 3, "avg_abandon_wait_s": 70 / 4, "abandon_rate": 4 / 8,
        "answer_rate": 3 / 8, "aht_s": 300.0, "avg_talk_s": 200.0, "avg_hold_s": 40.0, "avg_wrap_s": 60.0,
        "csat": 4.0, "csat_share_4_5": 0.5, "nps": 0.0})
    assert second == pytest.approx({
        "interval": "2026-03-02T09:30:00+03:00", "offered": 1, "answered": 1, "abandoned": 0, "short_abandoned": 0,
        "other_exits": 0, "answered_within_t": 1, "transfers": 0, "handled": 1, "max_wait_s": 5.0,
        "service_level": 1.0, "asa_s": 5.0, "avg_abandon_wait_s": None, "abandon_rate": 0.0, "answer_rate": 1.0,
        "aht_s": 120.0, "avg_talk_s": 100.0, "avg_hold_s": 0.0, "avg_wrap_s": 20.0, "csat": None,
        "csat_share_4_5": None, "nps": None})


@pytest.mark.parametrize(("formula", "expected"), [
    ("exclude-short-abandons", 2 / (8 - 2)), ("answered-only", 2 / 3), ("abandon-negative", 2 / (3 + 4)),
    ("abandon-ignored-within-t", 2 / (3 + 4 - 2)), ("abandon-positive", (2 + 2) / (3 + 4))])
def test_each_service_level_formula(formula, expected):
    assert run(by=("interval",), metrics=("service_level",), sl_formula=formula)[0]["service_level"] == \
        pytest.approx(expected)


def test_every_formula_is_tested():
    assert set(SL_FORMULAS) == {"exclude-short-abandons", "answered-only", "abandon-negative",
                                "abandon-ignored-within-t", "abandon-positive"}


def test_answer_within_and_short_abandon_limits_are_parameters():
    wider = run(by=("interval",), metrics=("answered_within_t", "service_level"), answer_within_s=30,
                sl_formula="answered-only")[0]
    assert (wider["answered_within_t"], wider["service_level"]) == (3, 1.0)
    assert run(by=("interval",), metrics=("short_abandoned",), short_abandon_s=2)[0]["short_abandoned"] == 1
    assert run(by=("interval",), metrics=("short_abandoned",), short_abandon_s=3)[0]["short_abandoned"] == 2


def test_whole_period_without_grouping_and_by_hour_and_day():
    (whole,) = run(metrics=("offered", "answered", "handled"))
    assert whole == {"offered": 9, "answered": 4, "handled": 2}
    assert [r["interval"] for r in run(by=("interval",), interval="1h", metrics=("offered",))] == [
        "2026-03-02T09:00:00+03:00"]
    assert run(by=("interval",), interval="day", metrics=("offered",)) == [
        {"interval": "2026-03-02T00:00:00+03:00", "offered": 9}]


def test_by_agent_and_queue_dimensions():
    by_agent = {r["agent"]: r for r in run(by=("agent",), metrics=("answered", "aht_s", "csat"))}
    assert by_agent["Ivanova"] == {"agent": "Ivanova", "answered": 2, "aht_s": 300.0, "csat": 5.0}
    assert by_agent["Petrov"] == {"agent": "Petrov", "answered": 2, "aht_s": 120.0, "csat": 3.0}
    rows = run(by=("queue", "site", "product_line"), metrics=("offered",))
    assert rows == [{"queue": "sales", "site": "Moscow", "product_line": "osago", "offered": 9}]


def test_a_queue_without_its_own_target_uses_20_seconds_and_its_sites_time_zone():
    rows = [ev("entered_queue", "06:00:00", 1, queue=2), ev("answered", "06:00:19", 1, queue=2, wait=19.0),
            ev("entered_queue", "06:01:00", 2, queue=2), ev("answered", "06:01:21", 2, queue=2, wait=21.0)]
    spec = ReportSpec(start=DAY, end=DAY + timedelta(days=1), by=("queue", "interval"), interval="1h",
                      metrics=("answered_within_t",))
    (row,) = report(events(rows), QUEUES, AGENTS, spec).to_dicts()
    assert row == {"queue": "claims", "interval": "2026-03-02T13:00:00+07:00", "answered_within_t": 1}


def test_the_period_is_half_open_on_the_attribution_moment():
    spec = ReportSpec(start=at("06:30:00"), end=at("06:31:00"), metrics=("offered", "answered"))
    assert report(events(), QUEUES, AGENTS, spec).to_dicts() == [{"offered": 0, "answered": 0}]


@pytest.mark.parametrize("wrong", [{"by": ("colour",)}, {"metrics": ("happiness",)}, {"interval": "7m"},
                                   {"sl_formula": "generous"}, {"by": ("queue", "queue")}, {"answer_within_s": 0}])
def test_unknown_names_are_refused_with_a_clear_error(wrong):
    with pytest.raises(ReportError):
        run(**wrong)
