"""Case figures for the KPI reports: one row per case opened in the period, with its clocks (`case_clock`)
in calendar and business time, ready for the engine to roll up by case type, site, client, product line,
channel and the interval in which the case was opened.

cases: case_id, customer_id, topic, case_type, site, client, product_line, channel (of its first interaction), tz,
       holiday_country
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import polars as pl

from helpline.domain.calendars import WorkingCalendar
from helpline.kpi.business_time import business_seconds_between
from helpline.kpi.case_clock import case_clocks

# A site's calendar comes from `calendars` (its business hours and added dates); a case of no site, or of a
# site not given, counts these hours in its time zone, less its country's holidays.
DEFAULT_BUSINESS_HOURS = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}

CASE_DIMENSIONS = frozenset({"case_type", "site", "client", "product_line", "channel", "interval"})
CASE_BASES: tuple[tuple[str, str], ...] = (
    ("cases_opened", "cases opened (`case_opened`), counted in the interval they were opened"),
    ("cases_responded", "of those, cases with a first response (their first `answered`)"),
    ("first_response_sum_s", "sum of calendar seconds from opening to the first response"),
    ("first_response_business_sum_s", "the same in business time (site hours less the site country's holidays)"),
    ("cases_resolved", "of the opened cases, those resolved now (the final resolution, after any reopening)"),
    ("resolution_sum_s", "sum of calendar seconds from opening to the final resolution"),
    ("resolution_business_sum_s", "the same in business time"),
    ("fcr_cases", "resolved cases with no repeat contact (an inbound contact on the case, or on a case of the "
                  "same customer and topic) from the first contact until 1 day after the resolution"),
)
_QUARTER = 900 * 1_000_000


def case_rows(events: pl.DataFrame, cases: pl.DataFrame, start: datetime, end: datetime,
              window: timedelta = timedelta(days=1),
              calendars: Mapping[str, WorkingCalendar] | None = None) -> pl.DataFrame:
    """One row per case opened in [start, end): its dimensions, `_quarter` of opening and the CASE_BASES.
    `calendars`: the working calendar of each site, by site name."""
    clocks = case_clocks(events, cases.select("case_id", "customer_id", "topic"), window=window)
    clocks = clocks.filter(pl.col("opened_at").is_between(start.astimezone(UTC), end.astimezone(UTC), closed="left"))
    rows = clocks.join(cases, on="case_id", how="left")
    parts = []
    for (site, tz, country), part in rows.partition_by("site", "tz", "holiday_country", as_dict=True).items():
        calendar = (calendars or {}).get(str(site)) if site is not None else None
        if calendar is None:
            calendar = WorkingCalendar(str(tz), DEFAULT_BUSINESS_HOURS, country=str(country) if country else None)
        parts.append(part.with_columns(
            business_seconds_between(calendar, part["opened_at"], part["first_response_at"])
            .alias("first_response_business_s"),
            business_seconds_between(calendar, part["opened_at"], part["resolved_at"])
            .alias("resolution_business_s")))
    if not parts:
        return pl.DataFrame(schema={"case_type": pl.String, "site": pl.String, "client": pl.String,
                                    "product_line": pl.String, "channel": pl.String, "tz": pl.String,
                                    "_quarter": pl.Int64,
                                    **{name: pl.Float64 for name, _ in CASE_BASES}})
    resolved = pl.col("resolved_at").is_not_null()
    return pl.concat(parts).select(
        "case_type", "site", "client", "product_line", "channel", "tz",
        (pl.col("opened_at").dt.replace_time_zone(None).cast(pl.Int64) // _QUARTER).alias("_quarter"),
        pl.lit(1.0).alias("cases_opened"),
        pl.col("first_response_at").is_not_null().cast(pl.Float64).alias("cases_responded"),
        pl.col("first_response_s").alias("first_response_sum_s"),
        pl.col("first_response_business_s").alias("first_response_business_sum_s"),
        resolved.cast(pl.Float64).alias("cases_resolved"),
        pl.col("resolution_s").alias("resolution_sum_s"),
        pl.col("resolution_business_s").alias("resolution_business_sum_s"),
        pl.col("fcr").cast(pl.Float64).alias("fcr_cases"))
