"""The supervisor wallboard's read model (issue 6): per visible queue what waits now and how today and the
current half-hour went, the agents by state, and the alert rule. docs/web/wallboard.md describes it.

The queue figures follow docs/metrics.md exactly, so they agree with the KPI engine (`kpi/engine.py`) for the
same period: an `answered` or `abandoned` event counts in the period in which its interaction *entered the
queue* (its time less `data.wait_s`), `offered` counts `entered_queue` events, service level is the default
formula (exclude-short-abandons: answered within T ÷ (offered − abandoned within S)), T is the queue's own
answer-time threshold, S is 5 s. "Today" and "the current interval" are in the centre's time zone
(`settings.time_zone`, as reports use it).

Cost: one aggregate query over today's events for all visible queues (the `occurred_at` index), one for what
waits now, one for the agents with their active interactions, plus small reference reads. No per-row queries.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Float, and_, case, cast, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from helpline.adapters.db.models import Agent, Event, Interaction, NotReadyReason, Queue, Site
from helpline.domain.capacity import has_room
from helpline.domain.interaction_lifecycle import ACTIVE_STATES
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import InteractionState, PresenceState
from helpline.services import scope
from helpline.services.channels import health
from helpline.services.unit_of_work import UnitOfWork

INTERVAL = timedelta(minutes=30)
SHORT_ABANDON_S = 5.0  # S of docs/metrics.md (the reports' default)
WAIT_WARN_SHARE = 0.8  # alert when the longest wait reaches this share of the queue's answer-time threshold
SL_WARN_MARGIN = 0.1  # a service level this far below target (or less) is amber, further below red

# Alert codes (templates/wallboard/labels.html words them)
NO_AGENT_READY = "no_agent_ready"
WAIT_NEAR_THRESHOLD = "wait_near_threshold"
INTERVAL_SL_BELOW_TARGET = "interval_sl_below_target"

# Agent states on the board, in the order they are shown
READY, NOT_READY, OFFERED, BUSY, WRAP_UP, LOGGED_OUT = "ready", "not_ready", "offered", "busy", "wrap_up", "logged_out"
AGENT_STATES = (READY, NOT_READY, OFFERED, BUSY, WRAP_UP, LOGGED_OUT)
_ACTIVE = [s.value for s in ACTIVE_STATES]


class _EpochMillis(FunctionElement[int]):
    """Whole milliseconds since 1970 of a UTC datetime column, on SQLite and PostgreSQL. Whole numbers, so that a
    moment exactly on a period's boundary compares exactly (waits are recorded to the millisecond)."""

    type = BigInteger()
    inherit_cache = True


@compiles(_EpochMillis, "sqlite")
def _epoch_sqlite(element: _EpochMillis, compiler: SQLCompiler, **kw: Any) -> str:
    # julianday() keeps milliseconds; a double holds them to ~0.05 ms at today's dates, so rounding is exact
    return f"CAST(ROUND((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400000.0) AS INTEGER)"


@compiles(_EpochMillis)
def _epoch_default(element: _EpochMillis, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(ROUND(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) * 1000) AS BIGINT)"


@dataclass(frozen=True)
class Figures:
    """A queue's counts over one period, as docs/metrics.md defines them."""

    offered: int = 0
    answered: int = 0
    answered_within_t: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    wait_answered_s: float = 0.0

    @property
    def service_level(self) -> float | None:
        """exclude-short-abandons: answered_within_t ÷ (offered − short_abandoned); None with nothing offered."""
        base = self.offered - self.short_abandoned
        return self.answered_within_t / base if base > 0 else None

    @property
    def asa_s(self) -> float | None:
        return self.wait_answered_s / self.answered if self.answered else None

    @property
    def settled(self) -> int:
        """Interactions of the period whose service-level outcome is known (answered, or abandoned after S)."""
        return self.answered + self.abandoned - self.short_abandoned


@dataclass(frozen=True)
class QueueBoard:
    id: int
    code: str
    name: str
    channel: str
    site_name: str | None  # None: shared by every site
    sl_target: float
    threshold_s: int  # T: the answer-time threshold
    waiting: int
    oldest_queued_at: datetime | None
    today: Figures
    interval: Figures
    ready: int  # qualified agents, ready, with room for this queue's channel
    busy: int  # agents with an interaction of this queue offered, connected, on hold or in wrap-up
    alerts: tuple[str, ...]  # codes, in the order of the rule
    wait_alert_at: datetime | None  # when the longest wait reaches WAIT_WARN_SHARE of T (the page ticks to it)

    def longest_wait_s(self, now: datetime) -> float | None:
        return max(0.0, (now - self.oldest_queued_at).total_seconds()) if self.oldest_queued_at else None

    def sl_class(self, value: float | None) -> str:
        return sl_class(value, self.sl_target)


@dataclass(frozen=True)
class AgentBoard:
    id: int
    name: str
    site_name: str
    state: str  # one of AGENT_STATES
    reason: str | None  # the not-ready reason's name
    since: datetime | None  # in this state since
    in_hand: int  # interactions offered or in hand


@dataclass(frozen=True)
class Board:
    now: datetime
    day_start: datetime
    interval_start: datetime
    interval_end: datetime
    time_zone: str
    queues: list[QueueBoard]
    agents: list[AgentBoard]
    channels: list[health.HealthView] | None  # None: the actor may not read channel health
    agents_by_state: dict[str, list[AgentBoard]] = field(default_factory=dict)

    @property
    def alerting(self) -> list[QueueBoard]:
        return [q for q in self.queues if q.alerts]


def sl_class(value: float | None, target: float) -> str:
    if value is None:
        return "sl-none"
    if value >= target:
        return "sl-ok"
    return "sl-warn" if value >= target - SL_WARN_MARGIN else "sl-bad"


def queue_alerts(*, waiting: int, longest_wait_s: float | None, threshold_s: float, ready: int,
                 interval: Figures, sl_target: float) -> tuple[str, ...]:
    """The wallboard's alert rule: a queue is about to miss (or is missing) its target when
    1. interactions wait and no qualified agent is ready for them, or
    2. interactions wait and the longest wait has reached 80 % of the answer-time threshold T, or
    3. the current interval's service level is below target, once at least one interaction of the interval is
       settled (answered, or abandoned after S): interactions still waiting count as offered but not yet answered
       within T, as docs/metrics.md defines it."""
    alerts = []
    if waiting and ready == 0:
        alerts.append(NO_AGENT_READY)
    if waiting and longest_wait_s is not None and longest_wait_s >= WAIT_WARN_SHARE * threshold_s:
        alerts.append(WAIT_NEAR_THRESHOLD)
    level = interval.service_level
    if interval.settled and level is not None and level < sl_target:
        alerts.append(INTERVAL_SL_BELOW_TARGET)
    return tuple(alerts)


def periods(now: datetime, time_zone: str) -> tuple[datetime, datetime, datetime, datetime]:
    """Today [start, end) and the current 30-minute interval [start, end), aware, in `time_zone`."""
    zone = ZoneInfo(time_zone)
    local = now.astimezone(zone)
    day_start = datetime.combine(local.date(), time(), zone)
    day_end = datetime.combine(local.date() + timedelta(days=1), time(), zone)
    interval_start = local.replace(minute=local.minute - local.minute % 30, second=0, microsecond=0)
    interval_start = interval_start.astimezone(UTC).astimezone(zone)  # a valid instant even around DST
    return day_start, day_end, interval_start, interval_start + INTERVAL


def board(uow: UnitOfWork, actor: Actor, time_zone: str, *, with_channels: bool = True) -> Board:
    now = uow.now()
    day_start, day_end, interval_start, interval_end = periods(now, time_zone)
    session = uow.session
    queue_rows = session.execute(
        select(Queue, Site.name).outerjoin(Site, Site.id == Queue.site_id)
        .where(Queue.is_active.is_(True), scope.queue_filter(uow, actor)).order_by(Queue.name, Queue.id)).all()
    queue_ids = [q.id for q, _ in queue_rows]
    figures = queue_figures(uow, queue_ids, {"today": (day_start, day_end),
                                              "interval": (interval_start, interval_end)})
    waiting = {row.queue_id: (row.waiting, row.oldest) for row in session.execute(
        select(Interaction.queue_id, func.count().label("waiting"), func.min(Interaction.queued_at).label("oldest"))
        .where(Interaction.state == InteractionState.QUEUED.value, Interaction.queue_id.in_(queue_ids))
        .group_by(Interaction.queue_id))} if queue_ids else {}

    agents = list(session.scalars(select(Agent).where(scope.agent_filter(actor)).order_by(Agent.display_name,
                                                                                           Agent.id)))
    active = session.execute(
        select(Interaction.id, Interaction.agent_id, Interaction.queue_id, Interaction.channel, Interaction.state,
               Interaction.answered_at, Interaction.ended_at)
        .where(Interaction.state.in_(_ACTIVE), Interaction.agent_id.in_([a.id for a in agents]))).all() \
        if agents else []
    offered_at = _last_offers(uow, [r.id for r in active if r.state == InteractionState.OFFERED.value])
    sites = {site_id: name for site_id, name in session.execute(select(Site.id, Site.name))}
    reasons = {code: name for code, name in session.execute(select(NotReadyReason.code, NotReadyReason.name))}

    in_hand: dict[int, list[Any]] = defaultdict(list)
    for row in active:
        in_hand[row.agent_id].append(row)
    agent_boards = [_agent_board(a, in_hand.get(a.id, []), offered_at, sites, reasons) for a in agents]

    queues = []
    for queue, site_name in queue_rows:
        count, oldest = waiting.get(queue.id, (0, None))
        ready = sum(1 for a in agents if a.presence == PresenceState.READY.value
                    and has_room(queue.channel, Counter(r.channel for r in in_hand.get(a.id, [])),
                                 {c.channel: c.capacity for c in a.capacities})
                    and scope.agent_qualifies(a, queue, now))
        busy = len({r.agent_id for r in active if r.queue_id == queue.id})
        today, interval = figures.get(queue.id, {}).get("today", Figures()), \
            figures.get(queue.id, {}).get("interval", Figures())
        longest = max(0.0, (now - oldest).total_seconds()) if oldest else None
        alerts = queue_alerts(waiting=count, longest_wait_s=longest, threshold_s=queue.sl_threshold_s, ready=ready,
                              interval=interval, sl_target=queue.sl_target)
        queues.append(QueueBoard(
            id=queue.id, code=queue.code, name=queue.name, channel=queue.channel, site_name=site_name,
            sl_target=queue.sl_target, threshold_s=queue.sl_threshold_s, waiting=count, oldest_queued_at=oldest,
            today=today, interval=interval, ready=ready, busy=busy, alerts=alerts,
            wait_alert_at=oldest + timedelta(seconds=WAIT_WARN_SHARE * queue.sl_threshold_s) if oldest else None))

    by_state: dict[str, list[AgentBoard]] = {state: [] for state in AGENT_STATES}
    for agent in agent_boards:
        by_state[agent.state].append(agent)
    return Board(now=now, day_start=day_start, interval_start=interval_start, interval_end=interval_end,
                 time_zone=time_zone, queues=queues, agents=agent_boards,
                 channels=health.statuses(uow) if with_channels else None, agents_by_state=by_state)


def queue_figures(uow: UnitOfWork, queue_ids: list[int],
                  periods: dict[str, tuple[datetime, datetime]]) -> dict[int, dict[str, Figures]]:
    """Each queue's figures for each named period [start, end), in one aggregate query over the events since the
    earliest start (events cannot count in a period before they happened: waits are never negative)."""
    if not queue_ids or not periods:
        return {}
    wait = Event.data["wait_s"].as_float()
    # when the interaction entered the queue, in whole milliseconds
    attributed = _EpochMillis(Event.occurred_at) - cast(func.round(func.coalesce(wait, 0.0) * 1000), BigInteger)
    columns = []
    for name, (start, end) in periods.items():
        entered = and_(Event.type == "entered_queue", Event.occurred_at >= start, Event.occurred_at < end)
        in_period = and_(attributed >= _millis(start), attributed < _millis(end))
        answered = and_(Event.type == "answered", wait.is_not(None), in_period)
        abandoned = and_(Event.type == "abandoned", in_period)
        columns += [
            func.sum(case((entered, 1), else_=0)).label(f"{name}_offered"),
            func.sum(case((answered, 1), else_=0)).label(f"{name}_answered"),
            func.sum(case((and_(answered, wait <= Queue.sl_threshold_s), 1), else_=0)).label(f"{name}_within"),
            func.sum(case((abandoned, 1), else_=0)).label(f"{name}_abandoned"),
            func.sum(case((and_(abandoned, wait <= SHORT_ABANDON_S), 1), else_=0)).label(f"{name}_short"),
            func.sum(case((answered, cast(wait, Float)), else_=0.0)).label(f"{name}_wait"),
        ]
    since = min(start for start, _ in periods.values())
    rows = uow.session.execute(
        select(Event.queue_id, *columns).join(Queue, Queue.id == Event.queue_id)
        .where(Event.occurred_at >= since, Event.type.in_(("entered_queue", "answered", "abandoned")),
               Event.queue_id.in_(queue_ids))
        .group_by(Event.queue_id)).mappings()
    return {row["queue_id"]: {name: Figures(
        offered=int(row[f"{name}_offered"] or 0), answered=int(row[f"{name}_answered"] or 0),
        answered_within_t=int(row[f"{name}_within"] or 0), abandoned=int(row[f"{name}_abandoned"] or 0),
        short_abandoned=int(row[f"{name}_short"] or 0), wait_answered_s=float(row[f"{name}_wait"] or 0.0))
        for name in periods} for row in rows}


def _millis(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def _last_offers(uow: UnitOfWork, interaction_ids: list[int]) -> dict[int, datetime]:
    """When each offered interaction was last offered (one grouped query)."""
    if not interaction_ids:
        return {}
    rows = uow.session.execute(
        select(Event.interaction_id, func.max(Event.occurred_at))
        .where(Event.interaction_id.in_(interaction_ids), Event.type == "offered").group_by(Event.interaction_id))
    return {interaction_id: at for interaction_id, at in rows if interaction_id is not None}


def _agent_board(agent: Agent, in_hand: list[Any], offered_at: dict[int, datetime], sites: dict[int, str],
                 reasons: dict[str, str]) -> AgentBoard:
    """Work outranks presence: talking (connected or on hold), then ringing (offered), then wrap-up; an agent
    with nothing in hand is ready, not ready (with the reason) or logged out, since the last presence change."""
    talking = [r for r in in_hand if r.state in (InteractionState.CONNECTED.value, InteractionState.ON_HOLD.value)]
    ringing = [r for r in in_hand if r.state == InteractionState.OFFERED.value]
    wrapping = [r for r in in_hand if r.state == InteractionState.WRAP_UP.value]
    state, since, reason = agent.presence, agent.presence_since, None
    if talking:
        state, since = BUSY, _earliest(r.answered_at for r in talking)
    elif ringing:
        state, since = OFFERED, _earliest(offered_at.get(r.id) for r in ringing)
    elif wrapping:
        state, since = WRAP_UP, _earliest(r.ended_at for r in wrapping)
    elif agent.presence == PresenceState.NOT_READY.value:
        reason = reasons.get(agent.presence_reason or "", agent.presence_reason)
    if state not in AGENT_STATES:
        state = LOGGED_OUT
    return AgentBoard(id=agent.id, name=agent.display_name, site_name=sites.get(agent.site_id, ""), state=state,
                      reason=reason, since=since, in_hand=len(in_hand))


def _earliest(moments: Any) -> datetime | None:
    found = [m for m in moments if m is not None]
    return min(found) if found else None
