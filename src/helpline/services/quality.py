"""Quality evaluations of handled interactions, by quality reviewers."""

from sqlalchemy import select

from helpline.adapters.db.models import Interaction, QualityEvaluation
from helpline.domain.errors import InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.services import scope
from helpline.services.admin_schemas import EvaluationCreate, EvaluationView
from helpline.services.unit_of_work import UnitOfWork


def create_evaluation(uow: UnitOfWork, actor: Actor, cmd: EvaluationCreate) -> EvaluationView:
    interaction = uow.session.scalar(select(Interaction).where(
        Interaction.id == cmd.interaction_id, scope.interaction_filter(uow, actor)))
    if interaction is None:
        raise NotFound("interaction", cmd.interaction_id)
    if interaction.answered_at is None:
        raise InvalidInput("only an interaction an agent has handled can be evaluated")
    evaluation = QualityEvaluation(interaction_id=interaction.id, evaluator_user_id=actor.user_id, score=cmd.score,
                                   critical_error=cmd.critical_error, comment=cmd.comment, created_at=uow.now())
    uow.session.add(evaluation)
    uow.flush()
    view = EvaluationView.model_validate(evaluation)
    uow.commit()
    return view


def list_evaluations(uow: UnitOfWork, actor: Actor, *, interaction_id: int | None = None,
                     agent_id: int | None = None, limit: int = 100, offset: int = 0) -> list[EvaluationView]:
    """Evaluations of the interactions the actor may see, newest first."""
    query = (select(QualityEvaluation).join(Interaction, Interaction.id == QualityEvaluation.interaction_id)
             .where(scope.interaction_filter(uow, actor)))
    if interaction_id is not None:
        query = query.where(QualityEvaluation.interaction_id == interaction_id)
    if agent_id is not None:
        query = query.where(Interaction.agent_id == agent_id)
    rows = uow.session.scalars(query.order_by(QualityEvaluation.id.desc()).limit(limit).offset(offset))
    return [EvaluationView.model_validate(row) for row in rows]
