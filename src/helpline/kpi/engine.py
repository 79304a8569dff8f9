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
from datetime import datetime
from typing import Any

import polars as pl

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
    """One row per group of `spec.by` (one row in all without it), with the dimension and metric columns."""
    spec.check()
    rows = _attributed(events.lazy(), queues, spec)
    if "agent" in spec.by:
        rows = rows.join(agents.lazy().select("agent_id", "agent"), on="agent_id", how="left")
    if "interval" in spec.by:
        rows = rows.with_columns(_interval(queues, spec).alias("interval"))
    bases = [b.expr(spec.short_abandon_s).alias(b.name) for b in BASES]
    grouped = rows.group_by(list(spec.by)).agg(bases) if spec.by else rows.select(bases)
    exprs = {m.name: m.expr for m in METRICS if m.expr is not None}
    exprs["service_level"] = SL_FORMULAS[spec.sl_formula][1]
    computed = [name for name in spec.metrics if name in exprs]
    result = grouped.with_columns([exprs[name].alias(name) for name in computed]).select([*spec.by, *computed])
    if spec.by:
        result = result.sort(list(spec.by), nulls_last=True)
    return result.collect()


def _attributed(events: pl.LazyFrame, queues: pl.DataFrame, spec: ReportSpec) -> pl.LazyFrame:
    """The reported event rows with their queue's dimensions, threshold T and attribution moment `t`."""
    threshold = (pl.lit(float(spec.answer_within_s)) if spec.answer_within_s is not None
                 else pl.col("threshold_s").fill_null(DEFAULT_ANSWER_WITHIN_S))
    wait_attributed = pl.col("type").is_in(_WAIT_ATTRIBUTED) & pl.col("wait_s").is_not_null()
    t = pl.when(wait_attributed).then(pl.col("occurred_at") - pl.duration(
        microseconds=(pl.col("wait_s") * 1_000_000).cast(pl.Int64))).otherwise(pl.col("occurred_at"))
    start, end = _utc(spec.start), _utc(spec.end)
    return (events.filter(pl.col("type").is_in(REPORTED_TYPES))
            .join(queues.lazy(), on="queue_id", how="left")
            .with_columns(threshold.cast(pl.Float64).alias("threshold_s"), t.alias("t"))
            .filter((pl.col("t") >= start) & (pl.col("t") < end)))


def _interval(queues: pl.DataFrame, spec: ReportSpec) -> pl.Expr:
    """The local start of the row's interval, ISO 8601 with its offset, in its queue site's time zone."""
    every = INTERVALS[spec.interval]
    zones = sorted({z for z in queues.get_column("tz").drop_nulls().unique().to_list()} | {spec.time_zone})

    def local(zone: str) -> pl.Expr:
        return (pl.col("t").dt.convert_time_zone(zone).dt.truncate(every)
                .dt.strftime("%Y-%m-%dT%H:%M:%S%:z"))

    expr: Any = pl.when(pl.col("tz").fill_null(spec.time_zone) == zones[0]).then(local(zones[0]))
    for zone in zones[1:]:
        expr = expr.when(pl.col("tz").fill_null(spec.time_zone) == zone).then(local(zone))
    otherwise: pl.Expr = expr.otherwise(local(spec.time_zone))
    return otherwise


def _utc(moment: datetime) -> pl.Expr:
    return pl.lit(moment).dt.convert_time_zone("UTC")
