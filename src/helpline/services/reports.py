"""KPI reports: the request as people write it (`--by queue,interval=30m`), the actor's scope, the
engine's frames from the database, and the result as rows. The CLI and the API call `run_report`."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select

from helpline.adapters.db.models import Queue
from helpline.adapters.reporting import export, frames
from helpline.domain.errors import InvalidInput
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import Role
from helpline.kpi import DEFAULT_METRICS, ReportError, ReportSpec, report
from helpline.kpi.agent_time import agent_time
from helpline.kpi.case_figures import case_rows
from helpline.kpi.metrics import DEFAULT_SL_FORMULA
from helpline.services import reference
from helpline.services.unit_of_work import UnitOfWork


class ReportRequest(BaseModel):
    """A report over the days [from_date, to_date) in the centre's time zone."""

    from_date: date
    to_date: date = Field(description="Exclusive")
    by: str = Field("", description='Dimensions, comma separated; "interval=30m" sets the interval length '
                                    "(15m, 30m, 1h, 1d, 1w, 1mo)")
    metrics: str = Field("", description="Metric names, comma separated; empty for the default set")
    answer_within: float | None = Field(None, gt=0, le=30 * 86400, description="T in seconds (default: each "
                                                                                "queue's own target, else 20)")
    short_abandon: float = Field(5.0, ge=0, le=3600, description="S in seconds")
    sl_formula: str = DEFAULT_SL_FORMULA

    @model_validator(mode="after")
    def period_in_order(self) -> ReportRequest:
        if self.to_date <= self.from_date:
            raise ValueError("to_date must come after from_date (it is exclusive)")
        return self

    def spec(self, time_zone: str) -> ReportSpec:
        by: list[str] = []
        interval = "30m"
        for part in filter(None, (p.strip() for p in self.by.split(","))):
            name, _, value = part.partition("=")
            if name == "interval" and value:
                interval = value
            by.append(name)
        metrics = tuple(filter(None, (m.strip() for m in self.metrics.split(",")))) or DEFAULT_METRICS
        zone = ZoneInfo(time_zone)
        return ReportSpec(start=datetime.combine(self.from_date, time(), zone),
                          end=datetime.combine(self.to_date, time(), zone), by=tuple(by), interval=interval,
                          metrics=metrics, answer_within_s=self.answer_within, short_abandon_s=self.short_abandon,
                          sl_formula=self.sl_formula, time_zone=time_zone)


@dataclass(frozen=True)
class ReportResult:
    columns: list[str]  # the dimensions, then the metrics, in the order asked
    rows: list[dict[str, Any]]

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=self.columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        return out.getvalue()

    def xlsx(self) -> bytes:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "KPI"
        sheet.append(self.columns)
        for row in self.rows:
            sheet.append([row[c] for c in self.columns])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()


def run_report(uow: UnitOfWork, actor: Actor, request: ReportRequest, time_zone: str,
               exported: Path | None = None, *, only_queues: Collection[int] | None = None,
               only_agents: Collection[int] | None = None) -> ReportResult:
    """The report from the database, or from an export of the event log (`exported`, see `export_events`).
    `only_queues` narrows the queue events to those queues (within the actor's scope); `only_agents` keeps
    only the events of those agents (answers, handling, transfers: offers and abandons belong to no agent)."""
    spec = request.spec(time_zone)
    try:
        spec.check()
    except ReportError as error:
        raise InvalidInput(str(error)) from error
    session = uow.session
    queue_ids = _queues_in_scope(uow, actor)
    if only_queues is not None:
        chosen = set(only_queues)
        queue_ids = [q for q in (queue_ids if queue_ids is not None else chosen) if q in chosen]
    events: pl.LazyFrame | pl.DataFrame
    if exported is None:
        events = frames.load_events(session, spec.start, spec.end, queue_ids=queue_ids,
                                    with_direction="direction" in spec.by, with_case_type="case_type" in spec.by)
    else:
        try:
            events = export.scan(exported, spec.start, spec.end + frames.LONGEST_WAIT)
        except FileNotFoundError as error:
            raise InvalidInput(str(error)) from error
        if queue_ids is not None:
            events = events.filter(pl.col("queue_id").is_in(queue_ids))
    if only_agents is not None:
        events = events.filter(pl.col("agent_id").is_in(list(only_agents)))
    table = report(events, frames.load_queues(session, time_zone), frames.load_agents(session, time_zone), spec,
                   agent_time=_agent_time(uow, actor, spec), cases=_cases(uow, actor, spec))
    return ReportResult(table.columns, table.to_dicts())


def _agent_time(uow: UnitOfWork, actor: Actor, spec: ReportSpec) -> pl.DataFrame | None:
    """Seconds per agent and quarter-hour, when an asked metric needs them (occupancy, shrinkage)."""
    if not {"occupancy", "shrinkage"} & set(spec.metrics):
        return None
    session = uow.session
    sites = actor.site_ids if actor.role == Role.SUPERVISOR else None
    events = frames.load_agent_events(session, spec.start, spec.end, site_ids=sites)
    return agent_time(events, frames.load_capacities(session), spec.start, spec.end,
                      unpaid_reasons=frames.unpaid_reasons(session))


def _cases(uow: UnitOfWork, actor: Actor, spec: ReportSpec) -> pl.DataFrame | None:
    """One row per case opened in the period, when an asked metric needs the case clocks."""
    if not set(CASE_METRICS) & set(spec.metrics):
        return None
    sites = actor.site_ids if actor.role == Role.SUPERVISOR else None
    cases, events = frames.load_case_frames(uow.session, spec.start, spec.end, spec.time_zone, site_ids=sites)
    return case_rows(events, cases, spec.start, spec.end, calendars=reference.site_calendars(uow))


CASE_METRICS = ("cases_opened", "avg_first_response_s", "avg_first_response_business_s", "avg_resolution_s",
                "avg_resolution_business_s", "fcr")


def export_events(uow: UnitOfWork, directory: Path, first_month: date, last_month: date,
                  progress: Callable[[int, int], None] | None = None) -> int:
    """Write the reported events of the UTC months first_month..last_month (inclusive) to the Parquet dataset
    at `directory`, one month at a time, each replacing its earlier export. Returns the events written."""
    if last_month < first_month:
        raise InvalidInput("the last month comes before the first")
    months = export.months_between(datetime(first_month.year, first_month.month, 1, tzinfo=UTC),
                                   datetime(last_month.year, last_month.month, 2, tzinfo=UTC))
    written = 0
    for done, month in enumerate(months, start=1):
        start = datetime(month.year, month.month, 1, tzinfo=UTC)
        end = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=UTC)
        events = frames.load_events(uow.session, start, end, with_direction=True, with_case_type=True,
                                    exact_end=True)
        directory.mkdir(parents=True, exist_ok=True)
        written += export.write_month(events, directory, export.month_key(start))
        if progress:
            progress(done, len(months))
    return written


def _queues_in_scope(uow: UnitOfWork, actor: Actor) -> list[int] | None:
    """A supervisor's reports cover the queues of their sites; qa and admin see everything."""
    if actor.role != Role.SUPERVISOR:
        return None
    return list(uow.session.scalars(select(Queue.id).where(Queue.site_id.in_(actor.site_ids))))
