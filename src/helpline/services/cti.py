"""Call events from a PBX (CTI): each one is translated into the intake or lifecycle use case that a person
or channel would call through the API, so the event log is the same whichever way a call is reported.

A call is the voice interaction whose `external_id` is the PBX call id. Every event carries the PBX's own
`event_id`; a processed event id is remembered in `imported_lines` (source `cti`, keyed by a digest of the
posting user and the event id), so a PBX retrying an event changes nothing and gets the call back.
"""

import hashlib
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from helpline.adapters.db.models import ImportedLine, Interaction
from helpline.domain.errors import Forbidden, NotFound
from helpline.domain.permissions import Actor, Permission
from helpline.domain.vocabulary import Channel
from helpline.services import intake, lifecycle, scope
from helpline.services.channels import health
from helpline.services.schemas import (
    ActionCommand,
    AnswerCommand,
    CtiEvent,
    CtiEventKind,
    InteractionView,
    OfferCommand,
    ReceiveInteraction,
    TransferCommand,
)
from helpline.services.unit_of_work import UnitOfWork

SOURCE = "cti"  # the imported_lines source of processed CTI event ids
HEALTH_NAME = "cti"  # the wallboard's "PBX events arriving" indicator

_SIMPLE: dict[CtiEventKind, Callable[[UnitOfWork, Actor, int, ActionCommand], InteractionView]] = {
    CtiEventKind.HELD: lifecycle.hold,
    CtiEventKind.RESUMED: lifecycle.resume,
    CtiEventKind.ENDED: lifecycle.end,
    CtiEventKind.ABANDONED: lifecycle.abandon,
}


def handle_event(uow: UnitOfWork, actor: Actor, event: CtiEvent) -> tuple[InteractionView, bool]:
    """Apply one call event; returns the call and whether this request changed anything (False: the
    event id was processed before). Errors are the use cases' own: NotFound, IllegalTransition, ...
    Each applied event also marks the PBX feed alive in channel health (after the event's own commit)."""
    view, applied = _handle(uow, actor, event)
    if applied:
        health.record_activity(uow, HEALTH_NAME, Channel.VOICE.value)
    return view, applied


def _handle(uow: UnitOfWork, actor: Actor, event: CtiEvent) -> tuple[InteractionView, bool]:
    key = event_key(actor, event.event_id)
    if _seen(uow, key):
        return _current(uow, actor, event.call_id), False
    if event.kind == CtiEventKind.OFFERED:
        return _offered(uow, actor, event, key), True
    interaction_id = _call_id(uow, actor, event.call_id)
    # Remembered in the use case's own transaction: it commits both, or (refusing the event) neither.
    uow.session.add(ImportedLine(source=SOURCE, key=key, imported_at=uow.now()))
    try:
        return _apply(uow, actor, interaction_id, event), True
    except IntegrityError:  # the same event id, processed by a concurrent request a moment ago
        uow.session.rollback()
        return _current(uow, actor, event.call_id), False


def event_key(actor: Actor, event_id: str) -> str:
    """Event ids are unique per PBX: keyed by the posting user too, so two PBXs never collide."""
    return hashlib.sha256(f"{actor.user_id}\x00{event_id}".encode()).hexdigest()


def idempotency_key(call_id: str) -> str:
    return f"cti:{call_id}"


def _offered(uow: UnitOfWork, actor: Actor, event: CtiEvent, key: str) -> InteractionView:
    if not actor.can(Permission.CREATE_INTERACTIONS):
        raise Forbidden(f"the {actor.role.value} role may not create interactions")
    cmd = ReceiveInteraction(channel=Channel.VOICE, queue_id=event.queue_id, external_id=event.call_id,
                             idempotency_key=idempotency_key(event.call_id), from_address=event.from_number,
                             occurred_at=event.at)
    # Intake commits on its own (and answers a refused request after committing nothing of it), so the event
    # id is remembered only once the call exists. Should that second commit be lost, a retry of the event
    # meets the call's idempotency key and gets the same interaction: nothing is received twice.
    view, _created = intake.receive_interaction(uow, actor, cmd)
    try:
        uow.session.add(ImportedLine(source=SOURCE, key=key, imported_at=uow.now()))
        uow.commit()
    except IntegrityError:  # a concurrent request remembered it first
        uow.session.rollback()
    return view


def _apply(uow: UnitOfWork, actor: Actor, interaction_id: int, event: CtiEvent) -> InteractionView:
    if event.kind == CtiEventKind.RINGING:
        return _ringing(uow, actor, interaction_id, event)
    if event.kind == CtiEventKind.ANSWERED:
        return lifecycle.answer(uow, actor, interaction_id, AnswerCommand(agent_id=event.agent_id,
                                                                          occurred_at=event.at))
    if event.kind == CtiEventKind.TRANSFERRED:
        return lifecycle.transfer(uow, actor, interaction_id, TransferCommand(
            queue_id=event.to_queue_id, agent_id=event.agent_id, occurred_at=event.at))
    return _SIMPLE[event.kind](uow, actor, interaction_id, ActionCommand(occurred_at=event.at))


def _ringing(uow: UnitOfWork, actor: Actor, interaction_id: int, event: CtiEvent) -> InteractionView:
    """The call rings at an agent: it is offered to them. A PBX repeating the ring for the same agent (a
    new event id, the same fact) changes nothing but is remembered."""
    call = uow.session.get(Interaction, interaction_id)
    if call is not None and call.state == "offered" and call.agent_id == event.agent_id:
        uow.commit()  # keeps the event id, so the retry of this event is known too
        return InteractionView.model_validate(call)
    return lifecycle.offer(uow, actor, interaction_id, OfferCommand(agent_id=event.agent_id, occurred_at=event.at))


def _seen(uow: UnitOfWork, key: str) -> bool:
    return uow.session.get(ImportedLine, (SOURCE, key)) is not None


def _find(uow: UnitOfWork, actor: Actor, call_id: str) -> Interaction | None:
    """The newest voice interaction with this PBX call id that the actor may see."""
    return uow.session.scalars(
        select(Interaction).where(Interaction.external_id == call_id, Interaction.channel == Channel.VOICE.value,
                                  scope.interaction_filter(uow, actor))
        .order_by(Interaction.id.desc()).limit(1)).first()


def _call_id(uow: UnitOfWork, actor: Actor, call_id: str) -> int:
    found = _find(uow, actor, call_id)
    if found is None:
        raise NotFound("call", repr(call_id))
    return found.id


def _current(uow: UnitOfWork, actor: Actor, call_id: str) -> InteractionView:
    found = _find(uow, actor, call_id)
    if found is None:
        raise NotFound("call", repr(call_id))
    return InteractionView.model_validate(found)
