"""The KPI engine: contact-centre figures from the event log, grouped by any dimensions, with Polars.

Pure: it takes the events as a Polars frame (from the database or a Parquet export, see
`adapters/reporting`) plus small reference frames, and returns one row per group. No row-by-row Python.

events:  type, occurred_at (UTC), interaction_id, queue_id, agent_id, wait_s, talk_s, hold_s, wrap_s, score, nps
         [+ direction, case_type when grouped by them]
queues:  queue_id, queue, client, site, channel, product_line, threshold_s, tz
agents:  agent_id, agent, agent_site, agent_tz
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from helpline.domain.vocabulary import EventType
from helpline.kpi.agent_time import AGENT_TIME_BASES
from helpline.kpi.case_figures import CASE_BASES, CASE_DIMENSIONS
from helpline.kpi.metrics import (
    AGENT_TIME_DIMENSIONS,
    BASES,
    DEFAULT_METRICS,
    DEFAULT_SL_FORMULA,
    METRIC_NAMES,
    METRICS,
    SL_FORMULAS,
    Base,
)

DIMENSIONS = ("interval", "client", "queue", "site", "channel", "direction", "product_line", "agent", "case_type")
INTERVALS = {"15m": "15m", "30m": "30m", "1h": "1h", "hour": "1h", "1d": "1d", "day": "1d", "1w": "1w",
             "week": "1w", "1mo": "1mo", "month": "1mo"}
DEFAULT_ANSWER_WITHIN_S = 20.0
REPORTED_TYPES = ("entered_queue", "answered", "abandoned", "exited", "transferred", "wrap_up_ended",
                  "survey_answered", "complaint_registered")
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
           spec: ReportSpec, agent_time: pl.DataFrame | None = None,
           cases: pl.DataFrame | None = None) -> pl.DataFrame:
    """One row per group of `spec.by` (one row in all without it), with the dimension and metric columns.

    Two stages. First each event type the asked metrics need is aggregated apart, by integer keys only
    (queue, agent, UTC quarter-hour), with only its own sums: that is where the time goes, and an export
    partitioned by event type is read only where needed. The small results then get their names and local
    intervals and are rolled up to the dimensions asked. Every time zone's offset is a whole number of
    quarter-hours, so UTC quarter-hours fall exactly into local ones.

    `agent_time` (from `agent_time.agent_time`) feeds occupancy and shrinkage; they are null when it is not
    given or when grouped by a dimension agent time has not (a queue, a channel...). Likewise `cases` (from
    `case_figures.case_rows`) feeds the case clocks and FCR, by case type, site, client, product line, channel and
    interval.
    """
    spec.check()
    exprs = {m.name: m.expr for m in METRICS if m.expr is not None}
    exprs["service_level"] = SL_FORMULAS[spec.sl_formula][1]
    metrics = [name for name in spec.metrics if name in exprs]
    bases = _needed_bases([exprs[name] for name in metrics])
    fine_keys = ["queue_id", *(_FINE_KEYS[d] for d in spec.by if d in _FINE_KEYS)]
    if "interval" in spec.by:
        fine_keys.append("_quarter")
    threshold = _threshold(queues, spec)
    events = events.lazy()
    per_type = [_fine(events, kind, [b for b in bases if kind in b.source], fine_keys, threshold, spec)
                for kind in REPORTED_TYPES if any(kind in b.source for b in bases)]
    parts = [part for part in pl.collect_all(per_type) if part.height]
    fine = pl.concat(parts, how="diagonal_relaxed") if parts else pl.DataFrame(
        schema={key: pl.Int64 for key in fine_keys})
    fine = fine.join(queues, on="queue_id", how="left")
    if "agent" in spec.by:
        fine = fine.join(agents.select("agent_id", "agent"), on="agent_id", how="left")
    referenced = {name for metric in metrics for name in exprs[metric].meta.root_names()}
    side: list[str] = []
    sources: list[tuple[Callable[[], pl.DataFrame | None], frozenset[str], list[str]]] = [
        (lambda: _agent_rows(agent_time, agents), AGENT_TIME_DIMENSIONS, [n for n, _ in AGENT_TIME_BASES]),
        (lambda: cases, CASE_DIMENSIONS, [n for n, _ in CASE_BASES])]
    for rows, dimensions, names in sources:  # figures not from the queue events: agent time, case clocks
        wanted = [name for name in names if name in referenced]
        side += wanted
        frame = rows() if wanted and set(spec.by) <= dimensions else None
        if frame is not None:
            fine = pl.concat([fine, frame.drop([n for n in names if n not in wanted])], how="diagonal_relaxed")
    fine = fine.with_columns([pl.lit(None, pl.Float64).alias(name) for name in [b.name for b in bases] + side
                              if name not in fine.columns])
    if "interval" in spec.by:
        fine = fine.with_columns(_local_interval(fine, spec).alias("interval"))
    combined = _combined(bases) + [pl.col(name).sum() for name in side]
    grouped = fine.group_by(list(spec.by)).agg(combined) if spec.by else fine.select(combined)
    result = grouped.with_columns([exprs[name].alias(name) for name in metrics]).select([*spec.by, *metrics])
    return result.sort(list(spec.by), nulls_last=True) if spec.by else result


def _agent_rows(agent_time: pl.DataFrame | None, agents: pl.DataFrame) -> pl.DataFrame | None:
    """Agent time named like the event rows: the agent's site and time zone stand for the queue's."""
    if agent_time is None:
        return None
    named = agents.select("agent_id", "agent", pl.col("agent_site").alias("site"), pl.col("agent_tz").alias("tz"))
    return agent_time.join(named, on="agent_id", how="left")


def _needed_bases(metric_exprs: list[pl.Expr]) -> list[Base]:
    names = {name for expr in metric_exprs for name in expr.meta.root_names()}
    return [b for b in BASES if b.name in names]


def _combined(bases: list[Base]) -> list[pl.Expr]:
    """Sums and maxima of the fine rows; a count with nothing to count is 0, a maximum of nothing is null."""
    return [pl.col(b.name).max() if b.combine == "max" else pl.col(b.name).sum().alias(b.name) for b in bases]


def _fine(events: pl.LazyFrame, kind: str, bases: list[Base], keys: list[str], threshold: pl.Expr,
          spec: ReportSpec) -> pl.LazyFrame:
    """The events of one type in the period, aggregated by the integer keys into the sums they feed."""
    rows = events.filter(pl.col("type") == kind)
    moment = pl.col("occurred_at").dt.replace_time_zone(None).cast(pl.Int64)
    if kind in _WAIT_ATTRIBUTED:  # counted when the interaction entered the queue
        moment = moment - (pl.col("wait_s").fill_null(0.0) * 1_000_000).cast(pl.Int64)
    rows = rows.with_columns(moment.alias("_t")).filter(
        (pl.col("_t") >= _micros(spec.start)) & (pl.col("_t") < _micros(spec.end)))
    if any("threshold_s" in b.row(spec.short_abandon_s).meta.root_names() for b in bases):
        rows = rows.with_columns(threshold.alias("threshold_s"))
    rows = rows.with_columns((pl.col("_t") // _QUARTER).alias("_quarter"),
                             *(b.row(spec.short_abandon_s).alias(b.name) for b in bases))
    return rows.group_by(keys).agg(_combined(bases))


def _threshold(queues: pl.DataFrame, spec: ReportSpec) -> pl.Expr:
    """Each row's T: the one asked, else its queue's own target, else 20 s."""
    if spec.answer_within_s is not None:
        return pl.lit(float(spec.answer_within_s))
    # each row picks its queue's T from a dense array indexed by queue id: much cheaper than a join
    by_id = dict(zip(queues.get_column("queue_id").to_list(), queues.get_column("threshold_s").to_list(),
                     strict=True))
    dense = pl.Series([by_id.get(i) for i in range(max(by_id, default=0) + 1)], dtype=pl.Float64)
    within = pl.col("queue_id").is_between(0, len(dense) - 1)
    picked = pl.lit(dense).gather(pl.when(within).then(pl.col("queue_id")).otherwise(0))
    return pl.when(within).then(picked).otherwise(None).fill_null(DEFAULT_ANSWER_WITHIN_S)


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
