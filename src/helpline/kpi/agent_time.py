"""Per-agent time figures from the event log, per UTC quarter-hour, with Polars (no row-by-row Python).

Pure: it takes the events as a Polars frame plus a capacity frame, and returns seconds per agent and
quarter-hour. The figures are *bases* (sums of seconds) so they roll up to any interval by adding; the
rates are computed from the sums afterwards (`OCCUPANCY`, `SHRINKAGE`).

events:    type, occurred_at (UTC), agent_id, interaction_id, channel, reason
capacity:  agent_id, channel, capacity — missing pairs use `helpline.domain.capacity.DEFAULT_CAPACITY`

Time model
  Presence: each presence event starts a state that lasts until the agent's next presence event.
  `agent_logged_in` starts *not ready* (reason null) — a `agent_ready` at the same instant wins, since at
  one instant only the last event counts (order: logged out, logged in, then ready / not ready, then
  input order). `agent_logged_out` ends logged-in time. Before an agent's first presence event the state is
  unknown and nothing is counted; a state still open at the period end is cut at `end`.
  Work: an interaction is in the agent's hands from its `answered` (agent set) to the first
  `wrap_up_ended` of the same interaction and agent at or after it (or the agent's next answer of the same
  interaction, whichever is first); with no wrap-up it is cut at `end`. Work counts whatever the presence
  state (an agent in wrap-up may be not ready) and even with no presence event known.
  Every interval is clipped to the period [start, end) and cut at UTC quarter-hour boundaries;
  `_quarter` = UTC microseconds since the epoch // 900_000_000.

Bases (seconds, Float64) — see `AGENT_TIME_BASES`.

Metrics
  occupancy = busy_weighted_s ÷ available_s: the share of available time spent working, a chat of
    capacity 3 weighing a third of a call. For voice-only agents it equals handling ÷ (handling + idle
    ready). Null when available_s is 0.
  shrinkage = not_ready_paid_s ÷ (logged_in_s − not_ready_unpaid_s): paid time not available ÷ paid time,
    paid time being logged-in time less unpaid breaks (reasons in `unpaid_reasons`, e.g. lunch). Null when
    paid time is 0.
"""

from __future__ import annotations

import math
from collections.abc import Set
from datetime import UTC, datetime

import polars as pl

from helpline.domain.capacity import DEFAULT_CAPACITY
from helpline.domain.vocabulary import EventType

QUARTER_US = 900_000_000  # a quarter-hour in microseconds
_US_PER_S = 1_000_000.0

AGENT_TIME_BASES: tuple[tuple[str, str], ...] = (
    ("logged_in_s", "time logged in, ready or not ready (from `agent_logged_in` / a presence event to "
                    "`agent_logged_out`)"),
    ("ready_s", "time in ready (`agent_ready` until the next presence event)"),
    ("not_ready_paid_s", "time not ready for a paid reason (any reason not in the unpaid list; just logged "
                         "in counts here)"),
    ("not_ready_unpaid_s", "time not ready for an unpaid reason (e.g. lunch)"),
    ("handling_s", "time with at least one interaction in hand (`answered` to `wrap_up_ended`), whatever "
                   "the presence state"),
    ("busy_weighted_s", "∫ min(1, Σ 1/capacity(channel) over interactions in hand) dt: one chat of capacity 3 "
                        "for 60 s gives 20 s, a call (capacity 1) counts fully"),
    ("available_s", "time ready or handling (their union)"),
)
SECONDS_COLUMNS = tuple(name for name, _ in AGENT_TIME_BASES)

OCCUPANCY: pl.Expr = (pl.when(pl.col("available_s") > 0)
                      .then(pl.col("busy_weighted_s") / pl.col("available_s")).otherwise(None).alias("occupancy"))
_PAID = pl.col("logged_in_s") - pl.col("not_ready_unpaid_s")
SHRINKAGE: pl.Expr = (pl.when(_PAID > 0).then(pl.col("not_ready_paid_s") / _PAID).otherwise(None)
                      .alias("shrinkage"))

_PRESENCE_RANK = {  # at one instant, the last event sets the state
    EventType.AGENT_LOGGED_OUT.value: 0, EventType.AGENT_LOGGED_IN.value: 1,
    EventType.AGENT_READY.value: 2, EventType.AGENT_NOT_READY.value: 2,
}
_LEVELS = ("logged", "ready", "paid", "unpaid", "work", "units")  # piecewise-constant levels of the sweep


def agent_time(events: pl.DataFrame | pl.LazyFrame, capacity: pl.DataFrame | pl.LazyFrame, start: datetime,
               end: datetime, unpaid_reasons: Set[str] = frozenset()) -> pl.DataFrame:
    """Seconds per agent and UTC quarter-hour over [start, end): agent_id, _quarter, then `SECONDS_COLUMNS`.

    Only agent-quarters with some logged-in or handling time appear. Events before `start` matter (they set
    the state at `start`), so pass the log from a little earlier than the period.
    """
    start_us, end_us = _epoch_us(start), _epoch_us(end)
    events = events.lazy().with_columns(
        pl.col("type").cast(pl.String), pl.col("occurred_at").dt.epoch("us").alias("t"),
        pl.col("agent_id").cast(pl.Int64), pl.col("interaction_id").cast(pl.Int64),
    ).filter(pl.col("agent_id").is_not_null())
    if end_us <= start_us:
        return _empty()
    caps = _capacities(capacity)
    lcm = math.lcm(*DEFAULT_CAPACITY.values(), 1, *caps.get_column("capacity").unique().to_list())
    deltas = pl.concat([
        _presence_deltas(_presence_intervals(events, start_us, end_us, unpaid_reasons)),
        _work_deltas(_work_intervals(events, caps.lazy(), start_us, end_us, lcm)),
    ], how="diagonal")
    segments = _segments(deltas)
    return _by_quarter(segments, lcm).collect()


def _epoch_us(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // _ONE_US


_ONE_US = datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema={"agent_id": pl.Int64, "_quarter": pl.Int64,
                                **dict.fromkeys(SECONDS_COLUMNS, pl.Float64)})


def _capacities(capacity: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """The (small) capacity frame, collected: its distinct capacities set the integer unit of work weight."""
    return (capacity.lazy()
            .select(pl.col("agent_id").cast(pl.Int64), pl.col("channel").cast(pl.String),
                    pl.col("capacity").cast(pl.Int64).clip(lower_bound=1))
            .unique(["agent_id", "channel"], keep="last").collect())


def _clip(lo: pl.Expr, hi: pl.Expr, start_us: int, end_us: int) -> list[pl.Expr]:
    return [pl.max_horizontal(lo, pl.lit(start_us)).alias("s"), pl.min_horizontal(hi, pl.lit(end_us)).alias("e")]


def _presence_intervals(events: pl.LazyFrame, start_us: int, end_us: int, unpaid: Set[str]) -> pl.LazyFrame:
    """One row per presence state: [s, e) clipped to the period, with the state's flags (logged-out time
    is dropped: it counts for nothing)."""
    typ = pl.col("type")
    ordered = (events.filter(typ.is_in(list(_PRESENCE_RANK)))
               .with_row_index("_row")
               .with_columns(typ.replace_strict(_PRESENCE_RANK, return_dtype=pl.Int8).alias("_rank"))
               .sort("agent_id", "t", "_rank", "_row")
               .with_columns(pl.col("t").shift(-1).over("agent_id").fill_null(end_us).alias("_next")))
    not_ready = typ.is_in([EventType.AGENT_LOGGED_IN.value, EventType.AGENT_NOT_READY.value])
    reason = pl.when(typ == EventType.AGENT_NOT_READY.value).then(pl.col("reason")).otherwise(None)
    unpaid_reason = reason.is_in(list(unpaid)).fill_null(False)
    return (ordered.filter(typ != EventType.AGENT_LOGGED_OUT.value)
            .select("agent_id", *_clip(pl.col("t"), pl.col("_next"), start_us, end_us),
                    (typ == EventType.AGENT_READY.value).cast(pl.Int64).alias("ready"),
                    (not_ready & ~unpaid_reason).cast(pl.Int64).alias("paid"),
                    (not_ready & unpaid_reason).cast(pl.Int64).alias("unpaid"))
            .filter(pl.col("s") < pl.col("e")))


def _work_intervals(events: pl.LazyFrame, caps: pl.LazyFrame, start_us: int, end_us: int,
                    lcm: int) -> pl.LazyFrame:
    """One row per interaction in an agent's hands: [s, e) clipped to the period, with its weight in integer
    units of 1/lcm (exact sums: three chats of capacity 3 make exactly one full agent)."""
    key = ["interaction_id", "agent_id"]
    answers = (events.filter(pl.col("type") == EventType.ANSWERED.value, pl.col("interaction_id").is_not_null())
               .select(*key, "t", pl.col("channel").cast(pl.String))
               .sort("t")
               # a second answer of the same interaction by the same agent ends the first (no double count)
               .with_columns(pl.col("t").shift(-1).over(key).alias("_next_answer")))
    wraps = (events.filter(pl.col("type") == EventType.WRAP_UP_ENDED.value, pl.col("interaction_id").is_not_null())
             .select(*key, pl.col("t").alias("_wrap"), pl.col("t").alias("_on")).sort("_on"))
    default_cap = pl.col("channel").replace_strict({str(k): v for k, v in DEFAULT_CAPACITY.items()}, default=1,
                                                   return_dtype=pl.Int64)
    return (answers.join_asof(wraps, left_on="t", right_on="_on", by=key, strategy="forward",
                               check_sortedness=False)  # sorted by time above; `by` groups defeat the check
            .join(caps, on=["agent_id", "channel"], how="left")
            .select("agent_id",
                    *_clip(pl.col("t"), pl.min_horizontal("_wrap", "_next_answer", pl.lit(end_us)), start_us, end_us),
                    (pl.lit(lcm) // pl.coalesce("capacity", default_cap)).alias("units"))
            .filter(pl.col("s") < pl.col("e")))


def _presence_deltas(intervals: pl.LazyFrame) -> pl.LazyFrame:
    flags = ("ready", "paid", "unpaid")
    rises = intervals.select("agent_id", pl.col("s").alias("t"), pl.lit(1, pl.Int64).alias("logged"), *flags)
    falls = intervals.select("agent_id", pl.col("e").alias("t"), pl.lit(-1, pl.Int64).alias("logged"),
                             *(-pl.col(f) for f in flags))
    return pl.concat([rises, falls])


def _work_deltas(intervals: pl.LazyFrame) -> pl.LazyFrame:
    rises = intervals.select("agent_id", pl.col("s").alias("t"), pl.lit(1, pl.Int64).alias("work"), "units")
    falls = intervals.select("agent_id", pl.col("e").alias("t"), pl.lit(-1, pl.Int64).alias("work"),
                             -pl.col("units"))
    return pl.concat([rises, falls])


def _segments(deltas: pl.LazyFrame) -> pl.LazyFrame:
    """Sweep: sorted by time, the running sums of the +/- deltas are the levels that hold from each change
    point to the agent's next one. Segments where the agent is neither logged in nor working are dropped."""
    return (deltas.with_columns(pl.col(c).fill_null(0) for c in _LEVELS)
            .group_by("agent_id", "t").agg(pl.col(c).sum() for c in _LEVELS)
            .sort("agent_id", "t")
            .with_columns(*(pl.col(c).cum_sum().over("agent_id") for c in _LEVELS),
                          pl.col("t").shift(-1).over("agent_id").alias("t_next"))
            .filter(pl.col("t_next").is_not_null(), (pl.col("logged") > 0) | (pl.col("work") > 0)))


def _by_quarter(segments: pl.LazyFrame, lcm: int) -> pl.LazyFrame:
    """Cut each segment at quarter-hour boundaries and add up its levels × duration per agent and quarter."""
    t, t_next, q = pl.col("t"), pl.col("t_next"), pl.col("_quarter")
    pieces = (segments.with_columns(pl.int_ranges(t // QUARTER_US, (t_next - 1) // QUARTER_US + 1).alias("_quarter"))
              .explode("_quarter")
              .with_columns(((pl.min_horizontal(t_next, (q + 1) * QUARTER_US)
                              - pl.max_horizontal(t, q * QUARTER_US)) / _US_PER_S).alias("_d")))
    d = pl.col("_d")

    def on(level: str) -> pl.Expr:
        return pl.col(level) > 0

    return (pieces.group_by("agent_id", "_quarter").agg(
        d.filter(on("logged")).sum().alias("logged_in_s"),
        d.filter(on("ready")).sum().alias("ready_s"),
        d.filter(on("paid")).sum().alias("not_ready_paid_s"),
        d.filter(on("unpaid")).sum().alias("not_ready_unpaid_s"),
        d.filter(on("work")).sum().alias("handling_s"),
        (d * pl.min_horizontal(pl.col("units"), pl.lit(lcm)) / lcm).sum().alias("busy_weighted_s"),
        d.filter(on("ready") | on("work")).sum().alias("available_s"),
    ).with_columns(pl.col(c).cast(pl.Float64) for c in SECONDS_COLUMNS)
     .sort("agent_id", "_quarter"))
