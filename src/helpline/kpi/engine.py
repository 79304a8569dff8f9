"""The KPI engine: contact-centre figures from the event log, grouped by any dimensions, with Polars.

Pure: it takes the events as a Polars frame (from the database or a Parquet export, see
`adapters/reporting`) plus small reference frames, and returns one row per group. No row-by-row Python.

events:  type, occurred_at (UTC), interaction_id, queue_id, agent_id, wait_s, talk_s, hold_s, wrap_s, score, nps
         [+ direction, case_type when grouped by them]
queues:  queue_id, queue, client, site, channel, product_line, threshold_s, tz
agents:  agent_id, agent, agent_site, agent_tz
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from helpline.domain.vocabulary import EventType
from helpline.kpi.metrics import (
    BASES,
    DEFAULT_METRICS,
    DEFAULT_SL_FORMULA,
    METRIC_NAMES,
    METRICS,
    SL_FORMULAS,
)

DIMENSIONS = ("interval", "client", "queue", "site", "channel", "direction", "product_line", "agent", "case_type")
INTERVALS = {"15m": "15m", "30m": "30m", "1h": "1h", "hour": "1h", "1d": "1d", "day": "1d", "1w": "1w",
             "week": "1w", "1mo": "1mo", "month": "1mo"}
DEFAULT_ANSWER_WITHIN_S = 20.0
REPORTED_TYPES = ("entered_queue", "answered", "abandoned", "exited", "transferred", "wrap_up_ended",
                  "survey_answered")
_WAIT_ATTRIBUTED = ("answered", "abandoned", "exited")  # counted when the interaction entered the queue
_FINE_KEYS = {"agent": "agent_id", "direction": "direction", "case_type": "case_type"}  # event columns


# The event type as a Polars enum: compared as small integers, stored dictionary-encoded in Parquet.
EVENT_TYPE = pl.Enum([t.value for t in EventType])


class ReportError(ValueError):
    """A report asked for something that does not exist (a metric, dimension, interval or formula)."""


@dataclass(frozen=True)
class ReportSpec:
    start: datetime  # aware; `end` is exclusive
    end: datetime
    by: tuple[str, ...] = ()
    interval: str = "30m"
    metrics: tuple[str, ...] = DEFAULT_METRICS
    answer_within_s: float | None = None  # None: each queue's own target
    short_abandon_s: float = 5.0
    sl_formula: str = DEFAULT_SL_FORMULA
    time_zone: str = "Europe/Moscow"  # for events of no queue; intervals are in the queue site's zone

    def check(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ReportError("the period needs aware datetimes")
        if not self.start < self.end:
            raise ReportError("the period must end after it starts")
        for problem, known, wanted in (("dimension", DIMENSIONS, self.by), ("metric", METRIC_NAMES, self.metrics)):
            unknown = [w for w in wanted if w not in known]
            if unknown:
                raise ReportError(f"unknown {problem} {', '.join(unknown)}; known: {', '.join(known)}")
        if len(set(self.by)) != len(self.by):
            raise ReportError("a dimension is named twice")
        if self.interval not in INTERVALS:
            raise ReportError(f"unknown interval {self.interval}; known: {', '.join(INTERVALS)}")
        if self.sl_formula not in SL_FORMULAS:
            raise ReportError(f"unknown service-level formula {self.sl_formula}; known: {', '.join(SL_FORMULAS)}")
        if self.short_abandon_s < 0 or (self.answer_within_s is not None and self.answer_within_s <= 0):
            raise ReportError("time limits must be positive")


def report(events: pl.LazyFrame | pl.DataFrame, queues: pl.DataFrame, agents: pl.DataFrame,
           spec: ReportSpec) -> pl.DataFrame:
    """One row per group of `spec.by` (one row in all without it), with the dimension and metric columns.

    Two stages: the event rows are aggregated by integer keys only (queue, agent, UTC quarter-hour), which
    is where the time goes; the small result then gets its names and local intervals and is rolled up to
    the dimensions asked. Every time zone's offset is a whole number of quarter-hours, so UTC quarter-hours
    fall exactly into local ones.
    """
    spec.check()
    fine_keys = ["queue_id", *(_FINE_KEYS[d] for d in spec.by if d in _FINE_KEYS)]
    if "interval" in spec.by:
        fine_keys.append("_quarter")
    rows = _attributed(events.lazy(), queues, spec).with_columns(
        [b.row(spec.short_abandon_s).alias(b.name) for b in BASES])
    fine = rows.group_by(fine_keys).agg(_combined()).collect()
    fine = fine.join(queues, on="queue_id", how="left")
    if "agent" in spec.by:
        fine = fine.join(agents.select("agent_id", "agent"), on="agent_id", how="left")
    if "interval" in spec.by:
        fine = fine.with_columns(_local_interval(fine, spec).alias("interval"))
    grouped = fine.group_by(list(spec.by)).agg(_combined()) if spec.by else fine.select(_combined())
    exprs = {m.name: m.expr for m in METRICS if m.expr is not None}
    exprs["service_level"] = SL_FORMULAS[spec.sl_formula][1]
    computed = [name for name in spec.metrics if name in exprs]
    result = grouped.with_columns([exprs[name].alias(name) for name in computed]).select([*spec.by, *computed])
    return result.sort(list(spec.by), nulls_last=True) if spec.by else result


def _combined() -> list[pl.Expr]:
    return [(pl.col(b.name).max() if b.combine == "max" else pl.col(b.name).sum()).alias(b.name) for b in BASES]


def _attributed(events: pl.LazyFrame, queues: pl.DataFrame, spec: ReportSpec) -> pl.LazyFrame:
    """The reported event rows with their threshold T and attribution moment `t` (and its UTC quarter-hour)."""
    if spec.answer_within_s is not None:
        threshold = pl.lit(float(spec.answer_within_s))
    else:  # a dictionary lookup per row: cheaper than a join
        mapping = dict(zip(queues.get_column("queue_id").to_list(), queues.get_column("threshold_s").to_list(),
                           strict=True))
        threshold = pl.col("queue_id").replace_strict(mapping, default=None, return_dtype=pl.Float64)
    wait_attributed = pl.col("type").is_in(_WAIT_ATTRIBUTED) & pl.col("wait_s").is_not_null()
    micros = pl.col("occurred_at").dt.replace_time_zone(None).cast(pl.Int64) - pl.when(wait_attributed).then(
        (pl.col("wait_s") * 1_000_000).cast(pl.Int64)).otherwise(0)
    start, end = _micros(spec.start), _micros(spec.end)
    if events.collect_schema()["type"] != EVENT_TYPE:
        events = events.with_columns(pl.col("type").cast(EVENT_TYPE))
    return (events.filter(pl.col("type").is_in(REPORTED_TYPES))
            .with_columns(threshold.fill_null(DEFAULT_ANSWER_WITHIN_S).alias("threshold_s"), micros.alias("_t"))
            .filter((pl.col("_t") >= start) & (pl.col("_t") < end))
            .with_columns((pl.col("_t") // _QUARTER).alias("_quarter")))


_QUARTER = 900 * 1_000_000  # microseconds


def _local_interval(fine: pl.DataFrame, spec: ReportSpec) -> pl.Expr:
    """The local start of each row's interval, ISO 8601 with its offset, in its queue site's time zone."""
    every = INTERVALS[spec.interval]
    zone = pl.col("tz").fill_null(spec.time_zone)
    utc = (pl.col("_quarter") * _QUARTER).cast(pl.Datetime("us", "UTC"))

    def iso(name: str) -> pl.Expr:
        local = utc.dt.convert_time_zone(name).dt.replace_time_zone(None).dt.truncate(every)
        return local.dt.replace_time_zone(name, ambiguous="earliest", non_existent="null").dt.strftime(
            "%Y-%m-%dT%H:%M:%S%:z")

    zones = sorted(set(fine.get_column("tz").drop_nulls().unique().to_list()) | {spec.time_zone})
    expr: Any = pl.when(zone == zones[0]).then(iso(zones[0]))
    for name in zones[1:]:
        expr = expr.when(zone == name).then(iso(name))
    chained: pl.Expr = expr.otherwise(None)
    return chained


def _micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch, as the event times are compared."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
