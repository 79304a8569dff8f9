"""Volume forecasts of a queue (issue 7): its offered contacts per interval, counted by the KPI engine from
the event log (the `offered` metric of `run_report`, so a forecast reads the same figures as a report),
then `wfm.forecast` with the holidays of the queue site's country."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import func, select

from helpline.adapters.db.models import Event, Queue, Site
from helpline.domain.errors import InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import Role
from helpline.services.reports import ReportRequest, run_report
from helpline.services.unit_of_work import UnitOfWork
from helpline.wfm.forecast import DAY_S, NotEnoughHistory, regular_series

# the intervals the KPI engine counts in (kpi.engine.INTERVALS), in seconds
REPORT_INTERVALS = {900: "15m", 1_800: "30m", 3_600: "1h", DAY_S: "1d"}
READER = Actor(user_id=None, username="forecast", role=Role.ADMIN)


@dataclass(frozen=True)
class QueueHistory:
    queue: str
    time_zone: str
    country: str | None  # the site's holiday country; None for a queue of no site
    series: pd.Series  # offered per interval, local interval starts, gap-free


def queue_history(uow: UnitOfWork, queue_code: str, interval_s: int, default_time_zone: str, *,
                  since: date | None = None, history_s: int | None = None,
                  actor: Actor = READER) -> QueueHistory:
    """Offered per interval of `queue_code` over whole local days, from the first day with a contact (or
    `since`) to the last one before today, at most `history_s` back from the last day."""
    every = REPORT_INTERVALS.get(interval_s)
    if every is None:
        raise InvalidInput(f"the KPI history is counted per {', '.join(REPORT_INTERVALS.values())}; "
                           f"{interval_s} s is not one of them")
    row = uow.session.execute(select(Queue.id, Queue.code, Site.time_zone, Site.holiday_country)
                              .outerjoin(Site, Site.id == Queue.site_id).where(Queue.code == queue_code)).first()
    if row is None:
        raise NotFound("queue", queue_code)
    queue_id, code, zone_name, country = row
    zone_name = zone_name or default_time_zone
    zone = ZoneInfo(zone_name)
    first, last = uow.session.execute(select(func.min(Event.occurred_at), func.max(Event.occurred_at))
                                      .where(Event.queue_id == queue_id, Event.type == "entered_queue")).one()
    if first is None or last is None:
        raise NotEnoughHistory(f"queue {code} has no offered contacts in the event log")
    today = _local_day(uow.now(), zone)  # today is not over: its later intervals are not zero yet
    start, end = _local_day(first, zone), min(_local_day(last, zone) + timedelta(days=1), today)
    if since is not None:
        start = max(start, since)
    if history_s is not None:
        start = max(start, end - timedelta(days=max(1, history_s // DAY_S)))
    if start >= end:
        raise NotEnoughHistory(f"queue {code} has no offered contacts since {start}")
    result = run_report(uow, actor, ReportRequest(from_date=start, to_date=end, by=f"interval={every}",
                                                  metrics="offered"), zone_name, only_queues=[queue_id])
    times = [row["interval"] for row in result.rows]
    counts = [float(row["offered"] or 0) for row in result.rows]
    series = regular_series(pd.to_datetime(times, utc=True), counts, interval_s, time_zone=zone_name,
                            start=pd.Timestamp(datetime.combine(start, datetime.min.time(), zone)),
                            end=pd.Timestamp(datetime.combine(end, datetime.min.time(), zone)))
    return QueueHistory(code, zone_name, country, series)


def _local_day(moment: datetime, zone: ZoneInfo) -> date:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone).date()
