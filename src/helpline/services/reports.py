"""KPI reports: the request as people write it (`--by queue,interval=30m`), the actor's scope, the
engine's frames from the database, and the result as rows. The CLI and the API call `run_report`."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select

from helpline.adapters.db.models import Queue
from helpline.adapters.reporting import frames
from helpline.domain.errors import InvalidInput
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import Role
from helpline.kpi import DEFAULT_METRICS, ReportError, ReportSpec, report
from helpline.kpi.metrics import DEFAULT_SL_FORMULA
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


def run_report(uow: UnitOfWork, actor: Actor, request: ReportRequest, time_zone: str) -> ReportResult:
    spec = request.spec(time_zone)
    try:
        spec.check()
    except ReportError as error:
        raise InvalidInput(str(error)) from error
    session = uow.session
    queue_ids = _queues_in_scope(uow, actor)
    events = frames.load_events(session, spec.start, spec.end, queue_ids=queue_ids,
                                with_direction="direction" in spec.by, with_case_type="case_type" in spec.by)
    table = report(events, frames.load_queues(session, time_zone), frames.load_agents(session, time_zone), spec)
    return ReportResult(table.columns, table.to_dicts())


def _queues_in_scope(uow: UnitOfWork, actor: Actor) -> list[int] | None:
    """A supervisor's reports cover the queues of their sites; qa and admin see everything."""
    if actor.role != Role.SUPERVISOR:
        return None
    return list(uow.session.scalars(select(Queue.id).where(Queue.site_id.in_(actor.site_ids))))
