"""Interaction lifecycle use cases: offer, accept, reject, answer, hold, resume, transfer, end, complete,
abandon, exit. Each checks who may act, asks the state machine, updates the row and appends events."""

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import select

from helpline.adapters.db.models import Agent, Case, Event, Interaction, Queue, WrapUpCode
from helpline.domain.capacity import has_room
from helpline.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from helpline.domain.interaction_lifecycle import ACTIVE_STATES, Action, next_state
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import CaseStatus, Direction, EventType, ExitReason, PresenceState, Role
from helpline.services import event_log, scope
from helpline.services.schemas import (
    ActionCommand,
    AnswerCommand,
    CompleteCommand,
    ExitCommand,
    InteractionView,
    OfferCommand,
    TransferCommand,
)
from helpline.services.unit_of_work import UnitOfWork

# Facts about the customer's side, which a channel reports and no agent decides.
_CHANNEL_FACTS = {Action.ABANDON, Action.EXIT}
NO_ANSWER_REASON = "no_answer"


def offer(uow: UnitOfWork, actor: Actor, interaction_id: int, cmd: OfferCommand) -> InteractionView:
    """Offer a queued interaction to an agent (an agent taking it offers it to themself)."""
    interaction = _load(uow, actor, interaction_id, Action.OFFER)
    at = _at(uow, cmd)
    agent = _target_agent(uow, actor, cmd.agent_id)
    if actor.role != Role.INTEGRATION:  # a PBX ringing an agent reports a fact, as with answer
        _ensure_can_take(uow, agent, interaction, at)
    _move(interaction, Action.OFFER)
    interaction.agent_id = agent.id
    event_log.append(uow, EventType.OFFERED, at=at, actor=actor, interaction=interaction)
    return _done(uow, interaction)


def accept(uow: UnitOfWork, actor: Actor, interaction_id: int, cmd: ActionCommand) -> InteractionView:
    interaction = _load(uow, actor, interaction_id, Action.ANSWER)
    if interaction.agent_id is None or interaction.state != "offered":
        raise Conflict(f"interaction {interaction_id} has no pending offer")
    _answer(uow, actor, interaction, _at(uow, cmd))
    return _done(uow, interaction)


def reject(uow: UnitOfWork, actor: Actor, interaction_id: int, cmd: ActionCommand, *,
           no_answer: bool = False) -> InteractionView:
    """Decline an offer (or let it ring out): the interaction returns to its place in the queue.
    An agent who lets an offer ring out is set not ready, as contact centres do."""
    action = Action.NO_ANSWER if no_answer else Action.REJECT
    interaction = _load(uow, actor, interaction_id, action)
    at = _at(uow, cmd)
    agent_id = interaction.agent_id
    _move(interaction, action)
    event_log.append(uow, EventType.OFFER_NOT_ANSWERED if no_answer else EventType.OFFER_REJECTED, at=at,
                     actor=actor, interaction=interaction)
    interaction.agent_id = None  # queued_at is kept: the original position in the queue
    if no_answer and agent_id is not None:
        agent = uow.session.get(Agent, agent_id)
        if agent is not None and agent.presence == PresenceState.READY.value:
            agent.presence, agent.presence_reason, agent.presence_since = "not_ready", NO_ANSWER_REASON, at
            event_log.append(uow, EventType.AGENT_NOT_READY, at=at, actor=actor, agent_id=agent.id,
                             reason=NO_ANSWER_REASON)
    return _done(uow, interaction)


def answer(uow: UnitOfWork, actor: Actor, interaction_id: int, cmd: AnswerCommand) -> InteractionView:
    """Connect an agent: after an offer, directly from the queue (a PBX connect), or an outbound one."""
    interaction = _load(uow, actor, interaction_id, Action.ANSWER)
    at = _at(uow, cmd)
    if interaction.state != "offered":
        agent = _target_agent(uow, actor, cmd.agent_id)
        if actor.role != Role.INTEGRATION:  # a PBX reports a fact; people are held to the rules
            _ensure_can_take(uow, agent, interaction, at)
        interaction.agent_id = agent.id
        if interaction.state == "queued":  # every answer from a queue follows an offer in the log
            event_log.append(uow, EventType.OFFERED, at=at, actor=actor, interaction=interaction)
    elif cmd.agent_id is not None and cmd.agent_id != interaction.agent_id:
        raise Conflict(f"interaction {interaction_id} is offered to agent {interaction.agent_id}")
    _answer(uow, actor, interaction, at)
    return _done(uow, interaction)


def hold(uow: UnitOfWork, actor: Actor, interaction_id: int, cmd: ActionCommand) -> InteractionView:
    return _simple(uow, actor, interaction_id, cmd, Action.HOLD, EventType.HELD)


def resume(uow: UnitOfWork, actor: Actor, interaction_id: int, cmd: ActionCommand) -> InteractionView:
    return _simple(uow, actor, interaction_id, cmd, Action.RESUME, EventType.RESUMED)


def end(uow: UnitOfWork, actor: Actor, interaction_id: int, cmd: ActionCommand) -> InteractionView:
    """The conversation ended; the agent is now in wrap-up."""
    interaction = _load(uow, actor, interaction_id, Action.END)
    at = _at(uow, cmd)
    _close_hold(uow, actor, interaction, at)
    _move(interaction, Action.END)
    interaction.ended_at = at
    event_log.append(uow, EventType.COMPLETED, at=at, actor=actor, interaction=interaction)
    return _done(uow, interaction)


def complete(uow: UnitOfWork, actor: Actor, interaction_id: int, cmd: CompleteCommand) -> InteractionView:
    """Finish with a wrap-up code and notes (ending the conversation first if it is still going)."""
    interaction = _load(uow, actor, interaction_id, Action.COMPLETE)
    at = _at(uow, cmd)
    known_code = select(WrapUpCode.id).where(WrapUpCode.code == cmd.wrap_up_code, WrapUpCode.is_active)
    if cmd.wrap_up_code and uow.session.scalar(known_code) is None:
        raise InvalidInput(f"unknown or inactive wrap-up code {cmd.wrap_up_code!r}")
    if interaction.state != "wrap_up":
        _close_hold(uow, actor, interaction, at)
        interaction.ended_at = at
        event_log.append(uow, EventType.COMPLETED, at=at, actor=actor, interaction=interaction)
    _move(interaction, Action.COMPLETE)
    interaction.completed_at, interaction.wrap_up_code = at, cmd.wrap_up_code
    interaction.notes = cmd.notes
    event_log.append(uow, EventType.WRAP_UP_ENDED, at=at, actor=actor, interaction=interaction,
                     data=_handling_times(uow, interaction, at), wrap_up_code=cmd.wrap_up_code)
    return _done(uow, interaction)


def _handling_times(uow: UnitOfWork, interaction: Interaction, at: datetime) -> dict[str, Any]:
    """talk_s, hold_s and wrap_s of a handled interaction, carried by its `wrap_up_ended` event so that
    handle-time KPIs are one scan of the log (docs/metrics.md)."""
    if interaction.answered_at is None or interaction.ended_at is None:
        return {}
    hold = 0.0
    held_since: datetime | None = None
    for kind, moment in uow.session.execute(
            select(Event.type, Event.occurred_at).where(
                Event.interaction_id == interaction.id, Event.type.in_([EventType.HELD, EventType.RESUMED]),
                Event.occurred_at >= interaction.answered_at).order_by(Event.seq)):
        if kind == EventType.HELD:
            held_since = moment
        elif held_since is not None:
            hold += (moment - held_since).total_seconds()
            held_since = None
    conversation = (interaction.ended_at - interaction.answered_at).total_seconds()
    return {"talk_s": round(max(conversation - hold, 0.0), 3), "hold_s": round(hold, 3),
            "wrap_s": round(max((at - interaction.ended_at).total_seconds(), 0.0), 3)}


def transfer(uow: UnitOfWork, actor: Actor, interaction_id: int, cmd: TransferCommand) -> InteractionView:
    if (cmd.queue_id is None) == (cmd.agent_id is None):
        raise InvalidInput("transfer to exactly one of queue_id or agent_id")
    action = Action.TRANSFER_TO_QUEUE if cmd.queue_id is not None else Action.TRANSFER_TO_AGENT
    interaction = _load(uow, actor, interaction_id, action)
    at = _at(uow, cmd)
    if cmd.queue_id is not None:
        queue = uow.session.get(Queue, cmd.queue_id)
        if queue is None or queue.client_id != interaction.client_id:
            raise NotFound("queue", cmd.queue_id)
        if queue.channel != interaction.channel:
            raise InvalidInput(f"queue {queue.code} takes {queue.channel}, not {interaction.channel}")
        _close_hold(uow, actor, interaction, at)
        event_log.append(uow, EventType.TRANSFERRED, at=at, actor=actor, interaction=interaction,
                         to_queue_id=queue.id, note=cmd.note or None)
        _move(interaction, action)
        interaction.agent_id, interaction.queue_id, interaction.queued_at = None, queue.id, at
        event_log.append(uow, EventType.ENTERED_QUEUE, at=at, actor=actor, interaction=interaction)
    else:
        agent = _target_agent(uow, actor, cmd.agent_id, any_agent=True)
        if agent.id == interaction.agent_id:
            raise InvalidInput("the interaction is already with that agent")
        _ensure_can_take(uow, agent, interaction, at)
        _close_hold(uow, actor, interaction, at)
        event_log.append(uow, EventType.TRANSFERRED, at=at, actor=actor, interaction=interaction,
                         to_agent_id=agent.id, note=cmd.note or None)
        _move(interaction, action)
        interaction.agent_id = agent.id
        event_log.append(uow, EventType.OFFERED, at=at, actor=actor, interaction=interaction)
    return _done(uow, interaction)


def abandon(uow: UnitOfWork, actor: Actor, interaction_id: int, cmd: ActionCommand) -> InteractionView:
    interaction = _load(uow, actor, interaction_id, Action.ABANDON)
    at = _at(uow, cmd)
    _move(interaction, Action.ABANDON)
    event_log.append(uow, EventType.ABANDONED, at=at, actor=actor, interaction=interaction,
                     wait_s=_wait_s(interaction, at))
    interaction.agent_id = None
    return _done(uow, interaction)


def exit_queue(uow: UnitOfWork, actor: Actor, interaction_id: int, cmd: ExitCommand) -> InteractionView:
    """Leave the queue other than by answer or abandon (timeout, key press, ...): counted apart."""
    interaction = _load(uow, actor, interaction_id, Action.EXIT)
    at = _at(uow, cmd)
    _move(interaction, Action.EXIT)
    interaction.exit_reason = cmd.reason.value
    event_log.append(uow, EventType.EXITED, at=at, actor=actor, interaction=interaction, reason=cmd.reason.value,
                     wait_s=_wait_s(interaction, at))
    return _done(uow, interaction)


def overflow(uow: UnitOfWork, actor: Actor, interaction_id: int, to_queue_id: int) -> InteractionView:
    """Routing moves a waiting interaction on to another queue (an overflow step): it exits the first queue
    with reason `overflow`, counted apart from abandons, and enters the next keeping its arrival time, so it
    keeps its place by how long the customer has waited."""
    interaction = _load(uow, actor, interaction_id, Action.EXIT)
    if interaction.state != "queued":
        raise Conflict(f"interaction {interaction_id} is {interaction.state}, not waiting in a queue")
    queue = uow.session.get(Queue, to_queue_id)
    if queue is None or queue.client_id != interaction.client_id or queue.channel != interaction.channel:
        raise NotFound("queue", to_queue_id)
    at = uow.now()
    event_log.append(uow, EventType.EXITED, at=at, actor=actor, interaction=interaction,
                     reason=ExitReason.OVERFLOW.value, wait_s=_wait_s(interaction, at), to_queue_id=queue.id)
    from_queue_id, interaction.queue_id = interaction.queue_id, queue.id
    event_log.append(uow, EventType.ENTERED_QUEUE, at=at, actor=actor, interaction=interaction,
                     from_queue_id=from_queue_id)
    return _done(uow, interaction)


# --- shared steps -------------------------------------------------------------------------------


def _load(uow: UnitOfWork, actor: Actor, interaction_id: int, action: Action) -> Interaction:
    interaction = uow.session.scalar(select(Interaction).where(
        Interaction.id == interaction_id, scope.interaction_filter(uow, actor)))
    if interaction is None:
        raise NotFound("interaction", interaction_id)
    if actor.role == Role.AGENT:
        if action in _CHANNEL_FACTS:
            raise Forbidden("abandons and queue exits are reported by the channel, not by an agent")
        if action not in (Action.OFFER, Action.ANSWER) and interaction.agent_id != actor.agent_id:
            raise Forbidden(f"interaction {interaction_id} is not assigned to you")
        if action == Action.ANSWER and interaction.state == "offered" and interaction.agent_id != actor.agent_id:
            raise Forbidden(f"interaction {interaction_id} is offered to another agent")
    next_state(interaction.state, action)  # refuse an illegal transition before doing anything
    return interaction


def _move(interaction: Interaction, action: Action) -> None:
    interaction.state = next_state(interaction.state, action).value


def _at(uow: UnitOfWork, cmd: ActionCommand) -> datetime:
    return cmd.occurred_at or uow.now()


def _done(uow: UnitOfWork, interaction: Interaction) -> InteractionView:
    uow.commit()
    return InteractionView.model_validate(interaction)


def _simple(uow: UnitOfWork, actor: Actor, interaction_id: int, cmd: ActionCommand, action: Action,
            event: EventType) -> InteractionView:
    interaction = _load(uow, actor, interaction_id, action)
    at = _at(uow, cmd)
    _move(interaction, action)
    event_log.append(uow, event, at=at, actor=actor, interaction=interaction)
    return _done(uow, interaction)


def _close_hold(uow: UnitOfWork, actor: Actor, interaction: Interaction, at: datetime) -> None:
    """Ending or transferring a held interaction ends the hold first, so hold time is measurable."""
    if interaction.state == "on_hold":
        _move(interaction, Action.RESUME)
        event_log.append(uow, EventType.RESUMED, at=at, actor=actor, interaction=interaction)


def _wait_s(interaction: Interaction, at: datetime) -> float | None:
    return round((at - interaction.queued_at).total_seconds(), 3) if interaction.queued_at else None


def _answer(uow: UnitOfWork, actor: Actor, interaction: Interaction, at: datetime) -> None:
    # An answer from a queue carries its wait; a colleague taking over a conversation transferred to them
    # does not, so queue KPIs count the interaction once per queue it entered.
    last_move = uow.session.scalar(
        select(Event.type).where(Event.interaction_id == interaction.id,
                                 Event.type.in_([EventType.ENTERED_QUEUE, EventType.TRANSFERRED]))
        .order_by(Event.seq.desc()).limit(1))
    from_queue = last_move != EventType.TRANSFERRED
    _move(interaction, Action.ANSWER)
    interaction.answered_at = at
    event_log.append(uow, EventType.ANSWERED, at=at, actor=actor, interaction=interaction,
                     wait_s=_wait_s(interaction, at) if from_queue else None)
    case = uow.session.get(Case, interaction.case_id) if interaction.case_id else None
    if case is None:
        return
    if interaction.direction == Direction.INBOUND.value and case.first_response_at is None:
        case.first_response_at = at
    if case.assigned_agent_id is None:
        case.assigned_agent_id = interaction.agent_id
    if case.status == CaseStatus.NEW.value:
        event_log.append(uow, EventType.CASE_STATUS_CHANGED, at=at, actor=actor, case_id=case.id,
                         data={"from": case.status, "to": CaseStatus.OPEN.value, "reason": "answered"})
        case.status = CaseStatus.OPEN.value
    case.updated_at = at


def _target_agent(uow: UnitOfWork, actor: Actor, agent_id: int | None, *, any_agent: bool = False) -> Agent:
    """The agent to receive work. Agents may only take work themselves (or transfer to a colleague);
    supervisors assign within their sites."""
    if agent_id is None:
        if actor.agent_id is None:
            raise InvalidInput("agent_id is required")
        agent_id = actor.agent_id
    if actor.role == Role.AGENT and agent_id != actor.agent_id and not any_agent:
        raise Forbidden("an agent can only take interactions for themself")
    agent = uow.session.get(Agent, agent_id)
    if agent is None:
        raise NotFound("agent", agent_id)
    if actor.role == Role.SUPERVISOR and agent.site_id not in actor.site_ids:
        raise NotFound("agent", agent_id)
    return agent


def _ensure_can_take(uow: UnitOfWork, agent: Agent, interaction: Interaction, at: datetime) -> None:
    queue = uow.session.get(Queue, interaction.queue_id) if interaction.queue_id else None
    if queue is not None and not scope.agent_qualifies(agent, queue, at):
        raise Conflict(f"agent {agent.id} lacks a required skill, proficiency or valid certification for "
                       f"queue {queue.code}")
    if agent.presence != PresenceState.READY.value:
        raise Conflict(f"agent {agent.id} is {agent.presence.replace('_', ' ')}, not ready")
    active = Counter(uow.session.scalars(select(Interaction.channel).where(
        Interaction.agent_id == agent.id, Interaction.state.in_([s.value for s in ACTIVE_STATES]),
        Interaction.id != interaction.id)))
    if not has_room(interaction.channel, active, {c.channel: c.capacity for c in agent.capacities}):
        raise Conflict(f"agent {agent.id} has no free {interaction.channel} capacity")
