"""The engine's state rebuilt from the database when routing starts (or takes over): the queues, the
interactions waiting in their original order, the agents logged in with their presence, and the work they
hold, offers in flight included (their alert timeout counts from the original offer)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpline.adapters.db.models import Agent, Customer, Event, Interaction
from helpline.domain.interaction_lifecycle import ACTIVE_STATES
from helpline.domain.vocabulary import EventType, InteractionState, PresenceState
from helpline.routing import Decision, RoutingEngine
from helpline.services.live_routing.setup import (
    agent_profile,
    channel_queue_id,
    queue_configs,
    seconds,
)


def rebuild(engine: RoutingEngine, session: Session, now: datetime, languages: frozenset[str]) -> list[Decision]:
    """Load everything into a fresh engine; returns the decisions made once the ready agents are back."""
    configs = queue_configs(session)
    for config in configs:  # every queue first, so an overflow step can name any of them
        engine.configure_queue(replace(config, expansion=()))
    for config in configs:
        engine.configure_queue(config)
    at = float("-inf")
    for iid, queue_id, queued_at, priority, language, vip in session.execute(
            select(Interaction.id, Interaction.queue_id, func.coalesce(Interaction.queued_at, Interaction.created_at),
                   Interaction.priority, Interaction.language, func.coalesce(Customer.vip_tier, 0))
            .outerjoin(Customer, Customer.id == Interaction.customer_id)
            # imported history was routed by the system it came from
            .where(Interaction.state == InteractionState.QUEUED.value, Interaction.queue_id.is_not(None),
                   Interaction.routed_elsewhere.is_(False))
            .order_by(func.coalesce(Interaction.queued_at, Interaction.created_at), Interaction.id)):
        at = max(at, seconds(queued_at))
        engine.interaction_arrived(str(iid), str(queue_id), at, priority, vip,
                                   language if language in languages else None)
    now_s = max(at, seconds(now))
    agents = list(session.scalars(select(Agent).where(Agent.presence != PresenceState.LOGGED_OUT.value)
                                  .order_by(Agent.presence_since, Agent.id)))
    for agent in agents:
        engine.agent_logged_in(agent_profile(agent, now), now_s)
        if agent.presence_reason:
            engine.agent_not_ready(str(agent.id), agent.presence_reason, now_s)
    _restore_work(engine, session, now_s, languages)
    out: list[Decision] = []
    for agent in agents:
        if agent.presence == PresenceState.READY.value:
            out += engine.agent_ready(str(agent.id), now_s)
    return out + engine.tick(now_s)


def _restore_work(engine: RoutingEngine, session: Session, now_s: float, languages: frozenset[str]) -> None:
    working = session.execute(
        select(Interaction.id, Interaction.agent_id, Interaction.queue_id, Interaction.channel, Interaction.state,
               Interaction.language)
        .where(Interaction.agent_id.is_not(None), Interaction.state.in_([s.value for s in ACTIVE_STATES]))
        .order_by(Interaction.id)).all()
    offered = [row.id for row in working if row.state == InteractionState.OFFERED.value]
    offered_at = dict(session.execute(
        select(Event.interaction_id, func.max(Event.occurred_at))
        .where(Event.type == EventType.OFFERED.value, Event.interaction_id.in_(offered))
        .group_by(Event.interaction_id)).all()) if offered else {}
    for iid, agent_id, queue_id, channel, state, language in working:
        since = offered_at.get(iid)
        if state == InteractionState.OFFERED.value:
            since_s: float | None = min(seconds(since), now_s) if since is not None else now_s
        else:
            since_s = None
        engine.interaction_assigned(
            str(iid), str(agent_id), now_s, str(queue_id) if queue_id is not None else channel_queue_id(channel),
            offered_at=since_s, language=language if language in languages else None)
        if state == InteractionState.WRAP_UP.value:
            engine.wrap_up_started(str(agent_id), str(iid), now_s)
