"""Scorecards: create, list, change (a used version is never changed: the change becomes the next version),
retire, and the scorecard that applies to an interaction."""

from sqlalchemy import func, select

from helpline.adapters.db.models import Client, Interaction, QualityEvaluation, Queue, Skill
from helpline.adapters.db.models_quality import Scorecard
from helpline.domain.errors import Conflict, InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.domain.quality import Criterion
from helpline.services.quality_schemas import ScorecardCreate, ScorecardView
from helpline.services.unit_of_work import UnitOfWork


def create_scorecard(uow: UnitOfWork, actor: Actor, cmd: ScorecardCreate) -> ScorecardView:
    _check_references(uow, cmd)
    if uow.session.scalar(select(Scorecard.id).where(Scorecard.name == cmd.name)) is not None:
        raise Conflict(f"a scorecard named {cmd.name!r} exists; change it to make a new version")
    card = _new(uow, actor, cmd, version=1)
    view = ScorecardView.model_validate(card)
    uow.commit()
    return view


def update_scorecard(uow: UnitOfWork, actor: Actor, scorecard_id: int, cmd: ScorecardCreate) -> ScorecardView:
    """Change a scorecard: in place while no evaluation uses it, else as its next version (the old one retired,
    its evaluations kept on it)."""
    card = _get(uow, scorecard_id)
    if not card.is_active:
        raise InvalidInput("a retired scorecard version cannot be changed; change the current version")
    _check_references(uow, cmd)
    if cmd.name != card.name and uow.session.scalar(select(Scorecard.id).where(Scorecard.name == cmd.name)):
        raise Conflict(f"a scorecard named {cmd.name!r} exists")
    used = uow.session.scalar(select(func.count()).select_from(QualityEvaluation)
                              .where(QualityEvaluation.scorecard_id == card.id))
    if used:
        card.is_active = False
        latest = uow.session.scalar(select(func.max(Scorecard.version)).where(Scorecard.name == cmd.name)) or 0
        card = _new(uow, actor, cmd, version=latest + 1)
    else:
        card.name, card.client_id, card.queue_id = cmd.name, cmd.client_id, cmd.queue_id
        card.channel, card.critical_cap = cmd.channel, cmd.critical_cap
        card.criteria = [c.model_dump() for c in cmd.criteria]
        uow.flush()
    view = ScorecardView.model_validate(card)
    uow.commit()
    return view


def retire_scorecard(uow: UnitOfWork, scorecard_id: int) -> ScorecardView:
    card = _get(uow, scorecard_id)
    card.is_active = False
    view = ScorecardView.model_validate(card)
    uow.commit()
    return view


def list_scorecards(uow: UnitOfWork, *, active_only: bool = False) -> list[ScorecardView]:
    query = select(Scorecard).order_by(Scorecard.name, Scorecard.version.desc())
    if active_only:
        query = query.where(Scorecard.is_active.is_(True))
    return [ScorecardView.model_validate(card) for card in uow.session.scalars(query)]


def get_scorecard(uow: UnitOfWork, scorecard_id: int) -> ScorecardView:
    return ScorecardView.model_validate(_get(uow, scorecard_id))


def scorecard_for(uow: UnitOfWork, interaction: Interaction) -> ScorecardView | None:
    """The active scorecard that fits the interaction best: one naming its queue, else its client, else its
    channel, else one for everything; ties go to the newest."""
    best: tuple[int, int] | None = None
    chosen = None
    for card in uow.session.scalars(select(Scorecard).where(Scorecard.is_active.is_(True))):
        if ((card.queue_id is not None and card.queue_id != interaction.queue_id)
                or (card.client_id is not None and card.client_id != interaction.client_id)
                or (card.channel is not None and card.channel != interaction.channel)):
            continue
        rank = (4 * (card.queue_id is not None) + 2 * (card.client_id is not None) + (card.channel is not None),
                card.id)
        if best is None or rank > best:
            best, chosen = rank, card
    return ScorecardView.model_validate(chosen) if chosen is not None else None


def scorecard_for_interaction(uow: UnitOfWork, interaction_id: int) -> ScorecardView | None:
    interaction = uow.session.get(Interaction, interaction_id)
    return scorecard_for(uow, interaction) if interaction is not None else None


def criteria_of(card: Scorecard | ScorecardView) -> list[Criterion]:
    items = card.criteria
    return [Criterion(key=c["key"] if isinstance(c, dict) else c.key,
                      weight=float(c["weight"] if isinstance(c, dict) else c.weight),
                      critical=bool(c["critical"] if isinstance(c, dict) else c.critical),
                      skill_id=c.get("skill_id") if isinstance(c, dict) else c.skill_id) for c in items]


def _new(uow: UnitOfWork, actor: Actor, cmd: ScorecardCreate, *, version: int) -> Scorecard:
    card = Scorecard(name=cmd.name, version=version, client_id=cmd.client_id, queue_id=cmd.queue_id,
                     channel=cmd.channel, critical_cap=cmd.critical_cap,
                     criteria=[c.model_dump() for c in cmd.criteria], is_active=True, created_at=uow.now(),
                     created_by_user_id=actor.user_id)
    uow.session.add(card)
    uow.flush()
    return card


def _get(uow: UnitOfWork, scorecard_id: int) -> Scorecard:
    card = uow.session.get(Scorecard, scorecard_id)
    if card is None:
        raise NotFound("scorecard", scorecard_id)
    return card


def _check_references(uow: UnitOfWork, cmd: ScorecardCreate) -> None:
    if cmd.client_id is not None and uow.session.get(Client, cmd.client_id) is None:
        raise NotFound("client", cmd.client_id)
    if cmd.queue_id is not None and uow.session.get(Queue, cmd.queue_id) is None:
        raise NotFound("queue", cmd.queue_id)
    for c in cmd.criteria:
        if c.skill_id is not None and uow.session.get(Skill, c.skill_id) is None:
            raise NotFound("skill", c.skill_id)
