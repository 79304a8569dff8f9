"""Agent presence: logged out, ready, not ready with a reason. Changes are events in the same log."""

from sqlalchemy import select

from helpline.adapters.db.models import Agent, Interaction, NotReadyReason
from helpline.domain.errors import Conflict, InvalidInput, NotFound
from helpline.domain.interaction_lifecycle import ACTIVE_STATES
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import EventType, PresenceState, Role
from helpline.services import event_log
from helpline.services.schemas import PresenceChange, PresenceView
from helpline.services.unit_of_work import UnitOfWork


def change_presence(uow: UnitOfWork, actor: Actor, agent_id: int, cmd: PresenceChange) -> PresenceView:
    agent = uow.session.get(Agent, agent_id)
    if agent is None or not _may_change(actor, agent):
        raise NotFound("agent", agent_id)
    at = uow.now()
    state = cmd.state
    if state == PresenceState.NOT_READY:
        if not cmd.reason:
            raise InvalidInput("not ready needs a reason")
        if not not_ready_reason_exists(uow, cmd.reason):
            raise InvalidInput(f"unknown or inactive not-ready reason {cmd.reason!r}")
    elif cmd.reason:
        raise InvalidInput("a reason is given only with not_ready")
    if state == PresenceState.LOGGED_OUT and _busy(uow, agent.id):
        raise Conflict("finish or transfer your interactions before logging out")
    if agent.presence == state.value and agent.presence_reason == cmd.reason:
        return PresenceView(agent_id=agent.id, presence=state, presence_reason=cmd.reason,
                            presence_since=agent.presence_since)
    if agent.presence == PresenceState.LOGGED_OUT.value:
        event_log.append(uow, EventType.AGENT_LOGGED_IN, at=at, actor=actor, agent_id=agent.id)
    event_type = {PresenceState.READY: EventType.AGENT_READY, PresenceState.NOT_READY: EventType.AGENT_NOT_READY,
                  PresenceState.LOGGED_OUT: EventType.AGENT_LOGGED_OUT}[state]
    event_log.append(uow, event_type, at=at, actor=actor, agent_id=agent.id, reason=cmd.reason)
    agent.presence, agent.presence_reason, agent.presence_since = state.value, cmd.reason, at
    uow.commit()
    return PresenceView(agent_id=agent.id, presence=state, presence_reason=cmd.reason, presence_since=at)


def _may_change(actor: Actor, agent: Agent) -> bool:
    if actor.role == Role.AGENT:
        return agent.id == actor.agent_id
    if actor.role == Role.SUPERVISOR:
        return agent.site_id in actor.site_ids
    return actor.role == Role.ADMIN


def _busy(uow: UnitOfWork, agent_id: int) -> bool:
    return uow.session.scalar(select(Interaction.id).where(
        Interaction.agent_id == agent_id, Interaction.state.in_([s.value for s in ACTIVE_STATES])).limit(1)) is not None


def not_ready_reason_exists(uow: UnitOfWork, code: str) -> bool:
    active = select(NotReadyReason.id).where(NotReadyReason.code == code, NotReadyReason.is_active)
    return uow.session.scalar(active) is not None
