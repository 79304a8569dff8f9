"""The reports page's read model: the filters a person may choose from (within their scope), and one report
shaped for the page — the table as asked, the figures by interval the charts draw, and the volume by
weekday and hour for the heat map. Every figure comes from `run_report`, as in the API and the CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import select

from helpline.adapters.db.models import Agent, Queue, Site
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import Role
from helpline.services.reports import ReportRequest, ReportResult, run_report
from helpline.services.unit_of_work import UnitOfWork

# the figures of the page's table, in order; the charts use some of them
TABLE_METRICS = ("offered", "answered", "abandoned", "short_abandoned", "other_exits", "answered_within_t",
                 "service_level", "asa_s", "avg_abandon_wait_s", "max_wait_s", "abandon_rate", "answer_rate",
                 "aht_s", "transfers", "complaints", "complaint_rate_per_1000", "csat", "csat_share_4_5", "nps")
TREND_METRICS = ("offered", "answered", "abandoned", "service_level", "asa_s", "abandon_rate")
RATES = frozenset({"service_level", "abandon_rate", "answer_rate", "csat_share_4_5"})
HEAT_LEVELS = 10  # heat-0 (nothing) .. heat-9 (the busiest hour)


class Choice(NamedTuple):
    value: str
    text: str


@dataclass(frozen=True)
class FilterOptions:
    """What a person may filter on: the queues, sites and agents of their scope."""

    queues: list[Choice]
    sites: list[Choice]
    agents: list[Choice]


@dataclass(frozen=True)
class Filters:
    queue_id: int | None = None
    site_id: int | None = None
    channel: str | None = None
    product_line: str | None = None
    agent_id: int | None = None

    @property
    def narrows_queues(self) -> bool:
        return any(v is not None for v in (self.queue_id, self.site_id, self.channel, self.product_line))


@dataclass(frozen=True)
class HeatMap:
    """Offered interactions by local weekday (0 = Monday) and hour, with a colour level per cell."""

    counts: list[list[int]]  # [weekday][hour]
    peak: int

    def level(self, weekday: int, hour: int) -> int:
        value = self.counts[weekday][hour]
        if value <= 0 or self.peak <= 0:
            return 0
        return max(1, min(HEAT_LEVELS - 1, -(-value * (HEAT_LEVELS - 1) // self.peak)))


@dataclass(frozen=True)
class ReportView:
    result: ReportResult  # the table as asked (the same rows the CSV and XLSX carry)
    dimensions: list[str]
    metrics: list[str]
    trend: ReportResult  # by interval only: what the charts draw
    heat: HeatMap
    sl_target: float | None  # the queues' service-level target (their mean when they differ)

    @property
    def trend_is_table(self) -> bool:
        return self.dimensions == ["interval"]


def filter_options(uow: UnitOfWork, actor: Actor) -> FilterOptions:
    session = uow.session
    queues = select(Queue.id, Queue.name, Queue.code).order_by(Queue.name)
    sites = select(Site.id, Site.name).order_by(Site.name)
    agents = select(Agent.id, Agent.display_name).order_by(Agent.display_name)
    if actor.role == Role.SUPERVISOR:
        scope = list(actor.site_ids)
        queues = queues.where(Queue.site_id.in_(scope))
        sites = sites.where(Site.id.in_(scope))
        agents = agents.where(Agent.site_id.in_(scope))
    return FilterOptions(
        queues=[Choice(str(i), name if name == code else f"{name} ({code})")
                for i, name, code in session.execute(queues)],
        sites=[Choice(str(i), name) for i, name in session.execute(sites)],
        agents=[Choice(str(i), name) for i, name in session.execute(agents)])


def _chosen_queues(uow: UnitOfWork, filters: Filters) -> list[int] | None:
    if not filters.narrows_queues:
        return None
    query = select(Queue.id)
    if filters.queue_id is not None:
        query = query.where(Queue.id == filters.queue_id)
    if filters.site_id is not None:
        query = query.where(Queue.site_id == filters.site_id)
    if filters.channel is not None:
        query = query.where(Queue.channel == filters.channel)
    if filters.product_line is not None:
        query = query.where(Queue.product_line == filters.product_line)
    return list(uow.session.scalars(query))


def _sl_target(uow: UnitOfWork, actor: Actor, queue_ids: list[int] | None) -> float | None:
    query = select(Queue.sl_target)
    if queue_ids is not None:
        query = query.where(Queue.id.in_(queue_ids))
    if actor.role == Role.SUPERVISOR:
        query = query.where(Queue.site_id.in_(list(actor.site_ids)))
    targets = list(uow.session.scalars(query))
    return round(sum(targets) / len(targets), 4) if targets else None


def build(uow: UnitOfWork, actor: Actor, *, from_date: date, to_date: date, interval: str, by: list[str],
          sl_formula: str, answer_within: float | None, filters: Filters, time_zone: str) -> ReportView:
    """The report, its trend by interval and its heat map, over the same events, filters and scope."""
    queue_ids = _chosen_queues(uow, filters)
    agents = [filters.agent_id] if filters.agent_id is not None else None

    def run(dimensions: list[str], metrics: tuple[str, ...], every: str) -> ReportResult:
        spelled = ",".join(f"interval={every}" if d == "interval" else d for d in dimensions)
        request = ReportRequest(from_date=from_date, to_date=to_date, by=spelled, metrics=",".join(metrics),
                                answer_within=answer_within, sl_formula=sl_formula)
        return run_report(uow, actor, request, time_zone, only_queues=queue_ids, only_agents=agents)

    result = run(by, TABLE_METRICS, interval)
    trend = result if by == ["interval"] else run(["interval"], TREND_METRICS, interval)
    hourly = run(["interval"], ("offered",), "1h")
    return ReportView(result=result, dimensions=list(by), metrics=list(TABLE_METRICS), trend=trend,
                      heat=heat_map(hourly.rows), sl_target=_sl_target(uow, actor, queue_ids))


def heat_map(hourly_rows: list[dict[str, Any]]) -> HeatMap:
    """Rows of `interval` (local ISO start of an hour) and `offered`, summed by weekday and hour."""
    counts = [[0] * 24 for _ in range(7)]
    for row in hourly_rows:
        if row.get("interval") is None:
            continue
        start = datetime.fromisoformat(row["interval"])
        counts[start.weekday()][start.hour] += int(row.get("offered") or 0)
    return HeatMap(counts=counts, peak=max(max(day) for day in counts))
