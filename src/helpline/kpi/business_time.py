"""Business time over Polars columns: the working seconds between two instants, per row, without a row loop.

The calendar is laid out once per local day of the range the data spans (a Python loop per *day*): the working
seconds accumulated before the day, and the day's working intervals as UTC instants. A timestamp t of local
day D then has the cumulative business time W(t) = cum[D] + Σ_k clip(t − start_k, 0, end_k − start_k), and the
business time between two instants is W(end) − W(start) (negative when end < start, like
`WorkingCalendar.business_seconds`). Arithmetic is in integer microseconds, converted to seconds last, so the
figures equal the pure calendar's exactly.
"""

from __future__ import annotations

import operator
from datetime import UTC, date, datetime, timedelta
from functools import reduce

import polars as pl

from helpline.domain.calendars import WorkingCalendar

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def cumulative_business_seconds(calendar: WorkingCalendar, series: pl.Series) -> pl.Series:
    """W(t) per timestamp: working seconds from the local midnight starting the series' earliest local date up to
    t. The origin depends on the data, so only differences between values of one call are meaningful.

    `series` is Datetime (naive = UTC, any other zone is converted); nulls stay null."""
    return _seconds(_cumulative_us(calendar, series)).alias(series.name)


def business_seconds_between(calendar: WorkingCalendar, starts: pl.Series, ends: pl.Series) -> pl.Series:
    """Working seconds between `starts[i]` and `ends[i]` (Float64, named "business_s"; null if either is null)."""
    if len(starts) != len(ends):
        raise ValueError(f"starts and ends differ in length: {len(starts)} != {len(ends)}")
    both = pl.concat([_utc(starts), _utc(ends)])  # one origin for both
    cumulative = _cumulative_us(calendar, both)
    n = len(starts)
    return _seconds(cumulative.slice(n, n) - cumulative.slice(0, n)).alias("business_s")


def business_seconds_expr(calendar: WorkingCalendar, start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """`business_seconds_between` as an expression, for `with_columns` / `select` (not for group-wise contexts)."""
    return pl.struct(start.alias("start"), end.alias("end")).map_batches(
        lambda pair: business_seconds_between(calendar, pair.struct.field("start"), pair.struct.field("end")),
        return_dtype=pl.Float64)


def _seconds(microseconds: pl.Series) -> pl.Series:
    """µs → s, correctly rounded like Python's int / int (a division by a scalar becomes a multiplication by its
    inverse, off by an ulp: 5 µs would be 4.9999999999999996e-06 s)."""
    return microseconds.cast(pl.Float64) / pl.repeat(1e6, len(microseconds), dtype=pl.Float64, eager=True)


def _utc(series: pl.Series) -> pl.Series:
    if not isinstance(series.dtype, pl.Datetime):
        raise TypeError(f"{series.name!r} must be a Datetime column, not {series.dtype}")
    if series.dtype.time_zone is None:
        series = series.dt.replace_time_zone("UTC")
    return series.dt.convert_time_zone("UTC").cast(pl.Datetime("us", "UTC"))


def _cumulative_us(calendar: WorkingCalendar, series: pl.Series) -> pl.Series:
    series = _utc(series)
    local_day = series.dt.convert_time_zone(calendar.time_zone).dt.date()
    first, last = local_day.min(), local_day.max()
    if not isinstance(first, date) or not isinstance(last, date):  # empty or all null
        return pl.Series(series.name, [None] * len(series), dtype=pl.Int64)
    days = _day_table(calendar, first, last)
    spans = (len(days.columns) - 1) // 2
    index = (local_day - first).dt.total_days()
    frame = days.select(pl.all().gather(index)).with_columns(t=series.dt.epoch("us"))
    worked = [(pl.col("t") - pl.col(f"s{k}")).clip(0, pl.col(f"e{k}") - pl.col(f"s{k}")) for k in range(spans)]
    total = reduce(operator.add, worked, pl.col("cum"))  # `+`, not sum_horizontal: a null t stays null
    return frame.select(total.alias(series.name)).to_series()


def _day_table(calendar: WorkingCalendar, first: date, last: date) -> pl.DataFrame:
    """One row per local day: working µs before it ("cum"), its intervals as epoch µs (s0, e0, s1, e1, ...)."""
    intervals: list[list[tuple[int, int]]] = []
    day = first
    while day <= last:
        intervals.append([((begins - _EPOCH) // _US, (ends - _EPOCH) // _US)
                          for begins, ends in calendar.working_intervals(day)])
        day += timedelta(days=1)
    cum, total = [], 0
    for spans in intervals:
        cum.append(total)
        total += sum(end - start for start, end in spans)
    columns: dict[str, list[int]] = {"cum": cum}
    for k in range(max(len(spans) for spans in intervals)):
        columns[f"s{k}"] = [spans[k][0] if k < len(spans) else 0 for spans in intervals]
        columns[f"e{k}"] = [spans[k][1] if k < len(spans) else 0 for spans in intervals]
    return pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.Int64))
