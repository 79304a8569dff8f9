"""Per-agent time figures (`helpline.kpi.agent_time`) against hand-computed cases and a plain-Python reference."""

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from itertools import pairwise

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpline.domain.capacity import DEFAULT_CAPACITY
from helpline.kpi.agent_time import AGENT_TIME_BASES, OCCUPANCY, SECONDS_COLUMNS, SHRINKAGE, agent_time
from helpline.kpi.engine import EVENT_TYPE

DAY = datetime(2026, 3, 2, tzinfo=UTC)
Q0 = int(DAY.timestamp()) * 1_000_000 // 900_000_000 + 40  # the 10:00 quarter-hour
SCHEMA = {"type": pl.String, "occurred_at": pl.Datetime("us", "UTC"), "agent_id": pl.Int64,
          "interaction_id": pl.Int64, "channel": pl.String, "reason": pl.String}
NO_CAPACITY = pl.DataFrame(schema={"agent_id": pl.Int64, "channel": pl.String, "capacity": pl.Int64})


def at(hh_mm: str) -> datetime:
    h, m = map(int, hh_mm.split(":"))
    return DAY + timedelta(hours=h, minutes=m)


def ev(type_: str, time: str, agent: int = 1, iid: int | None = None, channel: str | None = None,
       reason: str | None = None) -> tuple[object, ...]:
    return (type_, at(time), agent, iid, channel, reason)


def frame(rows: list[tuple[object, ...]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def call(iid: int, start: str, end: str, agent: int = 1, channel: str = "voice") -> list[tuple[object, ...]]:
    return [ev("answered", start, agent, iid, channel), ev("wrap_up_ended", end, agent, iid, channel)]


def run(rows: list[tuple[object, ...]], start: str, end: str, capacity: pl.DataFrame = NO_CAPACITY,
        unpaid: frozenset[str] = frozenset()) -> pl.DataFrame:
    return agent_time(frame(rows), capacity, at(start), at(end), unpaid)


def totals(result: pl.DataFrame, agent: int = 1) -> dict[str, float]:
    row = (result.filter(pl.col("agent_id") == agent).select(SECONDS_COLUMNS).sum()
           .with_columns(OCCUPANCY, SHRINKAGE))
    return row.to_dicts()[0]


def quarter(result: pl.DataFrame, q: int, agent: int = 1) -> dict[str, float]:
    rows = result.filter(pl.col("agent_id") == agent, pl.col("_quarter") == Q0 + q).select(SECONDS_COLUMNS)
    assert rows.height == 1
    return rows.to_dicts()[0]


def secs(logged: float = 0, ready: float = 0, paid: float = 0, unpaid: float = 0, handling: float = 0,
         busy: float = 0, available: float = 0) -> dict[str, float]:
    return dict(zip(SECONDS_COLUMNS, map(float, (logged, ready, paid, unpaid, handling, busy, available)),
                    strict=True))


def test_voice_agent_occupancy_and_quarters() -> None:
    rows = [ev("agent_logged_in", "10:00"), ev("agent_ready", "10:00"), *call(1, "10:05", "10:10"),
            ev("agent_logged_out", "10:30")]
    result = run(rows, "10:00", "10:30")
    assert result.columns == ["agent_id", "_quarter", *SECONDS_COLUMNS]
    assert result.get_column("_quarter").to_list() == [Q0, Q0 + 1]
    assert quarter(result, 0) == secs(900, 900, handling=300, busy=300, available=900)
    assert quarter(result, 1) == secs(900, 900, available=900)
    assert totals(result)["occupancy"] == pytest.approx(5 / 30)  # handling ÷ (handling + idle ready)
    assert totals(result)["shrinkage"] == 0.0


def test_chat_agent_concurrency() -> None:
    rows = [ev("agent_ready", "10:00"), *call(1, "10:01", "10:07", channel="chat"),
            *call(2, "10:04", "10:10", channel="chat"), ev("agent_logged_out", "10:15")]
    assert DEFAULT_CAPACITY["chat"] == 3
    # 6 min + 6 min of chat, each a third of the agent; in hand 10:01-10:10
    assert quarter(run(rows, "10:00", "10:15"), 0) == secs(900, 900, handling=540, busy=240, available=900)
    # with a chat capacity of 1 the overlap 10:04-10:07 would weigh 2: it is capped at one full agent
    one = pl.DataFrame({"agent_id": [1], "channel": ["chat"], "capacity": [1]})
    assert quarter(run(rows, "10:00", "10:15", one), 0)["busy_weighted_s"] == 540.0
    # an entry for another agent or channel changes nothing
    other = pl.DataFrame({"agent_id": [2, 1], "channel": ["chat", "email"], "capacity": [1, 1]})
    assert quarter(run(rows, "10:00", "10:15", other), 0)["busy_weighted_s"] == 240.0


def test_intervals_cut_at_quarter_boundaries() -> None:
    rows = [ev("agent_not_ready", "10:10", reason="training"), *call(1, "10:14", "10:16"),
            ev("agent_ready", "10:20"), ev("agent_logged_out", "10:25")]
    result = run(rows, "10:00", "11:00")
    assert quarter(result, 0) == secs(300, paid=300, handling=60, busy=60, available=60)
    assert quarter(result, 1) == secs(600, 300, paid=300, handling=60, busy=60, available=360)
    assert result.height == 2


def test_paid_and_unpaid_not_ready_give_shrinkage() -> None:
    rows = [ev("agent_logged_in", "10:00"), ev("agent_ready", "10:05"), ev("agent_not_ready", "10:20", reason="lunch"),
            ev("agent_not_ready", "10:50", reason="training"), ev("agent_logged_out", "11:00")]
    result = totals(run(rows, "10:00", "11:00", unpaid=frozenset({"lunch"})))
    # just logged in (10:00-10:05) is not ready for no reason: paid
    assert {k: result[k] for k in SECONDS_COLUMNS} == secs(3600, 900, paid=900, unpaid=1800, available=900)
    assert result["shrinkage"] == pytest.approx(900 / (3600 - 1800))
    everything_paid = totals(run(rows, "10:00", "11:00"))
    assert everything_paid["not_ready_paid_s"] == 2700.0
    assert everything_paid["shrinkage"] == pytest.approx(2700 / 3600)


def test_logged_out_time_not_counted() -> None:
    rows = [ev("agent_logged_in", "10:00"), ev("agent_ready", "10:00"), ev("agent_logged_out", "10:10"),
            ev("agent_logged_in", "10:20"), ev("agent_ready", "10:20"), ev("agent_logged_out", "10:25"),
            ev("agent_ready", "09:00", agent=2), ev("agent_logged_out", "09:30", agent=2)]
    result = run(rows, "10:00", "11:00")
    assert quarter(result, 0) == secs(600, 600, available=600)
    assert quarter(result, 1) == secs(300, 300, available=300)
    assert result.height == 2  # agent 2 logged out before the period: no rows


def test_open_state_cut_at_period_end_and_unknown_before_first_event() -> None:
    rows = [ev("agent_ready", "09:00"), *call(1, "09:50", "10:02"), ev("answered", "10:18", iid=2, channel="voice"),
            ev("agent_ready", "10:05", agent=2)]
    result = run(rows, "10:00", "10:20")
    # ready since 09:00 counts from the period start; the call from 09:50 counts 10:00-10:02;
    # the call answered 10:18 with no wrap-up is cut at 10:20
    assert quarter(result, 0) == secs(900, 900, handling=120, busy=120, available=900)
    assert quarter(result, 1) == secs(300, 300, handling=120, busy=120, available=300)
    # agent 2's state before 10:05 is unknown: not counted
    assert quarter(result, 0, agent=2) == secs(600, 600, available=600)


def test_work_while_not_ready_counts_as_handling_and_available() -> None:
    rows = [ev("agent_ready", "10:00"), ev("answered", "10:02", iid=1, channel="voice"),
            ev("agent_not_ready", "10:05", reason="after_call_work"), ev("wrap_up_ended", "10:08", iid=1),
            ev("agent_ready", "10:08"), ev("agent_logged_out", "10:15")]
    result = totals(run(rows, "10:00", "10:15"))
    assert {k: result[k] for k in SECONDS_COLUMNS} == secs(900, 720, paid=180, handling=360, busy=360, available=900)
    assert result["occupancy"] == pytest.approx(360 / 900)


def test_same_instant_login_then_ready_is_ready_and_answer_answered_twice_not_double_counted() -> None:
    rows = [ev("agent_ready", "10:00"), ev("agent_logged_in", "10:00"),  # input order reversed: still ready
            ev("answered", "10:01", iid=1, channel="voice"), ev("answered", "10:03", iid=1, channel="voice"),
            ev("wrap_up_ended", "10:05", iid=1), ev("agent_logged_out", "10:15")]
    result = quarter(run(rows, "10:00", "10:15"), 0)
    assert result == secs(900, 900, handling=240, busy=240, available=900)


def test_enum_type_lazy_input_and_edge_periods() -> None:
    rows = [ev("agent_ready", "10:00"), *call(1, "10:05", "10:10"), ev("received", "10:04", agent=1, iid=1)]
    events = frame(rows).with_columns(pl.col("type").cast(EVENT_TYPE)).lazy()
    result = agent_time(events, NO_CAPACITY.lazy(), at("10:00"), at("10:15"))
    assert quarter(result, 0) == secs(900, 900, handling=300, busy=300, available=900)
    empty = agent_time(frame([]), NO_CAPACITY, at("10:00"), at("10:15"))
    assert empty.height == 0 and empty.columns == ["agent_id", "_quarter", *SECONDS_COLUMNS]
    assert agent_time(events, NO_CAPACITY, at("10:15"), at("10:00")).height == 0
    with pytest.raises(ValueError, match="aware"):
        agent_time(events, NO_CAPACITY, at("10:00").replace(tzinfo=None), at("10:15"))
    assert [name for name, _ in AGENT_TIME_BASES] == list(SECONDS_COLUMNS)


# --- property: sums over quarters equal a plain-Python reference ------------------------------------------

PRESENCE = ("agent_logged_in", "agent_ready", "agent_not_ready", "agent_logged_out")
RANK = {"agent_logged_out": 0, "agent_logged_in": 1, "agent_ready": 2, "agent_not_ready": 2}
CHANNELS = ("voice", "chat", "email")
UNPAID = frozenset({"lunch"})

presence_events = st.lists(st.tuples(st.sampled_from(PRESENCE), st.integers(0, 3600),
                                     st.sampled_from([None, "lunch", "training"])), max_size=6)
interactions = st.lists(st.tuples(st.integers(0, 3600), st.none() | st.integers(0, 1200), st.sampled_from(CHANNELS)),
                        max_size=4)
capacities = st.dictionaries(st.tuples(st.integers(1, 3), st.sampled_from(CHANNELS)), st.integers(1, 4), max_size=3)


def reference(presence: list[tuple[str, int, str | None]], work: list[tuple[int, int | None, str]],
              caps: dict[str, int], start: int, end: int) -> dict[str, float]:
    """Totals for one agent, by walking the segments between consecutive event times."""
    ordered = sorted(((t, RANK[typ], i, typ, reason) for i, (typ, t, reason) in enumerate(presence)))
    spans = [(a, a + d if d is not None else end, ch) for a, d, ch in work]
    cuts = sorted({start, end, *(t for _, t, _ in presence), *(t for a, w, _ in spans for t in (a, w))})
    cuts = [t for t in cuts if start <= t <= end]
    out = dict.fromkeys(SECONDS_COLUMNS, 0.0)
    for a, b in pairwise(cuts):
        state, reason = None, None
        for t, _, _, typ, why in ordered:
            if t <= a:
                state, reason = typ, (why if typ == "agent_not_ready" else None)
        in_hand = [ch for s, w, ch in spans if s <= a < w]
        logged = state in ("agent_logged_in", "agent_ready", "agent_not_ready")
        ready = state == "agent_ready"
        not_ready = state in ("agent_logged_in", "agent_not_ready")
        load = sum((Fraction(1, caps.get(ch, DEFAULT_CAPACITY[ch])) for ch in in_hand), Fraction(0))
        d = b - a
        out["logged_in_s"] += d * logged
        out["ready_s"] += d * ready
        out["not_ready_paid_s"] += d * (not_ready and reason not in UNPAID)
        out["not_ready_unpaid_s"] += d * (not_ready and reason in UNPAID)
        out["handling_s"] += d * bool(in_hand)
        out["busy_weighted_s"] += float(d * min(Fraction(1), load))
        out["available_s"] += d * (ready or bool(in_hand))
    return out


@settings(max_examples=150, deadline=None)
@given(agents=st.dictionaries(st.integers(1, 3), st.tuples(presence_events, interactions), max_size=3),
       caps=capacities, start=st.integers(0, 1800), length=st.integers(1, 3600))
def test_quarter_sums_match_reference(agents: dict[int, tuple[list[tuple[str, int, str | None]],
                                                                   list[tuple[int, int | None, str]]]],
                                      caps: dict[tuple[int, str], int], start: int, length: int) -> None:
    base = at("10:00")
    rows: list[tuple[object, ...]] = []
    iid = 0
    for agent, (presence, work) in agents.items():
        rows += [(typ, base + timedelta(seconds=t), agent, None, None, reason) for typ, t, reason in presence]
        for a, d, ch in work:
            iid += 1
            rows.append(("answered", base + timedelta(seconds=a), agent, iid, ch, None))
            if d is not None:
                rows.append(("wrap_up_ended", base + timedelta(seconds=a + d), agent, iid, ch, None))
    capacity = pl.DataFrame([(a, ch, c) for (a, ch), c in caps.items()], schema=NO_CAPACITY.schema, orient="row")
    end = start + length
    result = agent_time(frame(rows), capacity, base + timedelta(seconds=start), base + timedelta(seconds=end), UNPAID)

    assert (result.select(pl.max_horizontal(SECONDS_COLUMNS).max()).item() or 0.0) <= 900.0  # one quarter at most
    first, last = (base + timedelta(seconds=start)).timestamp(), (base + timedelta(seconds=end - 1)).timestamp()
    assert result.get_column("_quarter").is_between(int(first) // 900, int(last) // 900).all()
    for agent in (1, 2, 3):
        presence, work = agents.get(agent, ([], []))
        agent_caps = {ch: c for (a, ch), c in caps.items() if a == agent}
        expected = reference(presence, work, agent_caps, start, end)
        got = result.filter(pl.col("agent_id") == agent).select(SECONDS_COLUMNS).sum().to_dicts()[0]
        assert got == pytest.approx(expected, abs=1e-6), agent
