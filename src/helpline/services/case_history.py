"""A case's history: its own events and those of its interactions, in recording order."""

from sqlalchemy import or_, select

from helpline.adapters.db.models import Case, Event, Interaction
from helpline.domain.errors import NotFound
from helpline.domain.permissions import Actor
from helpline.services import scope
from helpline.services.schemas import EventView
from helpline.services.unit_of_work import UnitOfWork


def case_events(uow: UnitOfWork, actor: Actor, case_id: int, limit: int = 2000) -> list[EventView]:
    """Events recorded against the case or any interaction in it, ordered by seq; NotFound outside scope."""
    visible = uow.session.scalar(select(Case.id).where(Case.id == case_id, scope.case_filter(uow, actor)))
    if visible is None:
        raise NotFound("case", case_id)
    in_case = select(Interaction.id).where(Interaction.case_id == case_id)
    rows = uow.session.scalars(select(Event).where(
        or_(Event.case_id == case_id, Event.interaction_id.in_(in_case))).order_by(Event.seq).limit(limit))
    return [EventView.model_validate(r) for r in rows]
