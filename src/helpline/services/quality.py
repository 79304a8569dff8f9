"""Quality evaluations of handled interactions: written by quality reviewers on a scorecard (or as a free
score), read, acknowledged or disputed by the agent evaluated (their own only), disputes upheld or revised by
QA, and retraining required for a critical error on a criterion linked to a skill. Every step is kept in the
evaluation's history."""

from typing import Any

from sqlalchemy import ColumnElement, false, select

from helpline.adapters.db.models import Agent, Case, Interaction, QualityEvaluation, Queue, User
from helpline.adapters.db.models_quality import EvaluationEntry, QualityTask, Scorecard
from helpline.domain.errors import IllegalTransition, InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.domain.quality import EvaluationStatus, may_move, weighted_score
from helpline.services import scope
from helpline.services.quality_schemas import (
    AgentReply,
    CriterionAnswer,
    DisputeDecision,
    EvaluationCreate,
    EvaluationDetail,
    EvaluationView,
    HistoryView,
    RetrainingRequest,
    SubjectView,
)
from helpline.services.quality_scorecards import criteria_of
from helpline.services.unit_of_work import UnitOfWork


def create_evaluation(uow: UnitOfWork, actor: Actor, cmd: EvaluationCreate) -> EvaluationView:
    interaction = uow.session.scalar(select(Interaction).where(
        Interaction.id == cmd.interaction_id, scope.interaction_filter(uow, actor)))
    if interaction is None:
        raise NotFound("interaction", cmd.interaction_id)
    if interaction.answered_at is None:
        raise InvalidInput("only an interaction an agent has handled can be evaluated")
    evaluation = QualityEvaluation(interaction_id=interaction.id, evaluator_user_id=actor.user_id,
                                   agent_id=interaction.agent_id, comment=cmd.comment, created_at=uow.now(),
                                   status=EvaluationStatus.SUBMITTED.value)
    if cmd.scorecard_id is not None:
        card = uow.session.get(Scorecard, cmd.scorecard_id)
        if card is None or not card.is_active:
            raise NotFound("scorecard", cmd.scorecard_id)
        evaluation.scorecard_id = card.id
        _score(evaluation, card, cmd.answers or {})
    else:
        assert cmd.score is not None  # the command requires a score without a scorecard
        evaluation.score, evaluation.critical_error = cmd.score, cmd.critical_error
        evaluation.error_free = not cmd.critical_error and cmd.score >= 100
    uow.session.add(evaluation)
    uow.flush()
    task = uow.session.scalar(select(QualityTask).where(QualityTask.interaction_id == interaction.id))
    if task is not None and task.evaluation_id is None:
        task.evaluation_id = evaluation.id
    _note(uow, actor, evaluation, "created", cmd.comment, score=evaluation.score)
    view = EvaluationView.model_validate(evaluation)
    uow.commit()
    return view


def list_evaluations(uow: UnitOfWork, actor: Actor, *, interaction_id: int | None = None,
                     agent_id: int | None = None, status: EvaluationStatus | None = None, limit: int = 100,
                     offset: int = 0) -> list[EvaluationView]:
    """Evaluations the actor may see, newest first: reviewers and supervisors those of the interactions in
    their scope, an agent their own."""
    query = (select(QualityEvaluation).join(Interaction, Interaction.id == QualityEvaluation.interaction_id)
             .where(_visible(uow, actor)))
    if interaction_id is not None:
        query = query.where(QualityEvaluation.interaction_id == interaction_id)
    if agent_id is not None:
        query = query.where(QualityEvaluation.agent_id == agent_id)
    if status is not None:
        query = query.where(QualityEvaluation.status == status.value)
    rows = uow.session.scalars(query.order_by(QualityEvaluation.id.desc()).limit(limit).offset(offset))
    return [EvaluationView.model_validate(row) for row in rows]


def get_evaluation(uow: UnitOfWork, actor: Actor, evaluation_id: int) -> EvaluationDetail:
    evaluation = _visible_evaluation(uow, actor, evaluation_id)
    history = uow.session.scalars(select(EvaluationEntry).where(EvaluationEntry.evaluation_id == evaluation.id)
                                  .order_by(EvaluationEntry.id))
    return EvaluationDetail.model_validate({**EvaluationView.model_validate(evaluation).model_dump(),
                                            "history": [HistoryView.model_validate(h) for h in history]})


def reply(uow: UnitOfWork, actor: Actor, evaluation_id: int, cmd: AgentReply) -> EvaluationView:
    """The agent acknowledges or disputes their own evaluation."""
    evaluation = _visible_evaluation(uow, actor, evaluation_id)
    if actor.agent_id is None or evaluation.agent_id != actor.agent_id:
        raise NotFound("evaluation", evaluation_id)  # only the agent evaluated answers it
    to = EvaluationStatus.ACKNOWLEDGED if cmd.decision == "acknowledge" else EvaluationStatus.DISPUTED
    if not may_move(evaluation.status, to, by_agent=True):
        raise IllegalTransition("evaluation", evaluation.status, cmd.decision)
    evaluation.status, evaluation.updated_at = to.value, uow.now()
    _note(uow, actor, evaluation, to.value, cmd.comment)
    view = EvaluationView.model_validate(evaluation)
    uow.commit()
    return view


def decide_dispute(uow: UnitOfWork, actor: Actor, evaluation_id: int, cmd: DisputeDecision) -> EvaluationView:
    """QA upholds a disputed evaluation, or revises it (new answers, or a new score on the free form)."""
    evaluation = _visible_evaluation(uow, actor, evaluation_id)
    to = EvaluationStatus.UPHELD if cmd.decision == "uphold" else EvaluationStatus.REVISED
    if not may_move(evaluation.status, to, by_agent=False):
        raise IllegalTransition("evaluation", evaluation.status, cmd.decision)
    before = {"score": evaluation.score, "critical_error": evaluation.critical_error,
              "answers": evaluation.answers}
    if to == EvaluationStatus.REVISED:
        if evaluation.scorecard_id is not None:
            if cmd.answers is None:
                raise InvalidInput("give the revised answer to every criterion")
            card = uow.session.get(Scorecard, evaluation.scorecard_id)
            assert card is not None
            _score(evaluation, card, cmd.answers)
        else:
            if cmd.score is None:
                raise InvalidInput("give the revised score")
            evaluation.score = cmd.score
            evaluation.critical_error = bool(cmd.critical_error)
            evaluation.error_free = not evaluation.critical_error and cmd.score >= 100
    evaluation.status, evaluation.updated_at = to.value, uow.now()
    _note(uow, actor, evaluation, to.value, cmd.comment,
          **({"before": before, "score": evaluation.score} if to == EvaluationStatus.REVISED else {}))
    view = EvaluationView.model_validate(evaluation)
    uow.commit()
    return view


def retraining_skills(uow: UnitOfWork, evaluation: EvaluationView | QualityEvaluation) -> list[int]:
    """The skills whose criteria this evaluation failed critically: retraining may be required in them."""
    if evaluation.scorecard_id is None or not evaluation.answers:
        return []
    card = uow.session.get(Scorecard, evaluation.scorecard_id)
    assert card is not None
    answers = {k: CriterionAnswer.model_validate(v) for k, v in evaluation.answers.items()}
    score = weighted_score(criteria_of(card), {k: a.answer for k, a in answers.items()},
                           critical_cap=card.critical_cap)
    return sorted({c.skill_id for c in criteria_of(card)
                   if c.key in score.failed_critical and c.skill_id is not None})


def require_retraining(uow: UnitOfWork, actor: Actor, evaluation_id: int, cmd: RetrainingRequest) -> None:
    """QA's finding feeds training: the skill's certification is suspended until the agent passes its exam
    again (services/training.py)."""
    from helpline.services import training  # the training area owns certifications, exams and retraining

    evaluation = _visible_evaluation(uow, actor, evaluation_id)
    if evaluation.agent_id is None or cmd.skill_id not in retraining_skills(uow, evaluation):
        raise InvalidInput("retraining follows a critical error on a criterion linked to that skill")
    _note(uow, actor, evaluation, "retraining", cmd.reason, skill_id=cmd.skill_id)
    uow.flush()
    training.require_retraining(uow, actor, evaluation.agent_id, cmd.skill_id,
                                f"quality evaluation {evaluation.id}: {cmd.reason}")
    uow.commit()


def evaluation_subject(uow: UnitOfWork, actor: Actor, interaction_id: int) -> SubjectView:
    """The interaction to evaluate, if the actor may see it and an agent handled it."""
    row = uow.session.execute(
        select(Interaction, Queue.name, Agent.display_name, Case.type)
        .outerjoin(Queue, Queue.id == Interaction.queue_id).outerjoin(Agent, Agent.id == Interaction.agent_id)
        .outerjoin(Case, Case.id == Interaction.case_id)
        .where(Interaction.id == interaction_id, scope.interaction_filter(uow, actor))).first()
    if row is None:
        raise NotFound("interaction", interaction_id)
    interaction, queue_name, agent_name, case_type = row
    if interaction.answered_at is None:
        raise InvalidInput("only an interaction an agent has handled can be evaluated")
    return SubjectView(interaction_id=interaction.id, channel=interaction.channel, direction=interaction.direction,
                       queue_name=queue_name, agent_id=interaction.agent_id, agent_name=agent_name,
                       answered_at=interaction.answered_at, ended_at=interaction.ended_at,
                       subject=interaction.subject, case_id=interaction.case_id, case_type=case_type,
                       wrap_up_code=interaction.wrap_up_code)


def user_names(uow: UnitOfWork, ids: set[int]) -> dict[int, str]:
    """Who wrote each step of an evaluation's history, by name."""
    if not ids:
        return {}
    rows = uow.session.execute(select(User.id, User.username, User.full_name).where(User.id.in_(ids)))
    return {uid: full or name for uid, name, full in rows}


# --- helpers ------------------------------------------------------------------------------------------


def _score(evaluation: QualityEvaluation, card: Scorecard, answers: dict[str, CriterionAnswer]) -> None:
    criteria = criteria_of(card)
    expected = {c.key for c in criteria}
    if set(answers) != expected:
        missing = sorted(expected - set(answers)) or sorted(set(answers) - expected)
        raise InvalidInput(f"answer exactly the scorecard's criteria (check {', '.join(missing)})")
    result = weighted_score(criteria, {k: a.answer for k, a in answers.items()}, critical_cap=card.critical_cap)
    evaluation.answers = {k: a.model_dump(mode="json") for k, a in answers.items()}
    evaluation.score, evaluation.critical_error, evaluation.error_free = (
        result.score, result.critical_error, result.error_free)


def _visible(uow: UnitOfWork, actor: Actor) -> ColumnElement[bool]:
    if actor.can(P.READ_QUALITY):
        return scope.interaction_filter(uow, actor)
    if actor.can(P.ACKNOWLEDGE_QUALITY) and actor.agent_id is not None:
        return QualityEvaluation.agent_id == actor.agent_id
    return false()


def _visible_evaluation(uow: UnitOfWork, actor: Actor, evaluation_id: int) -> QualityEvaluation:
    evaluation = uow.session.scalar(
        select(QualityEvaluation).join(Interaction, Interaction.id == QualityEvaluation.interaction_id)
        .where(QualityEvaluation.id == evaluation_id, _visible(uow, actor)))
    if evaluation is None:
        raise NotFound("evaluation", evaluation_id)
    return evaluation


def _note(uow: UnitOfWork, actor: Actor, evaluation: QualityEvaluation, action: str, comment: str,
          **data: Any) -> None:
    uow.session.add(EvaluationEntry(evaluation_id=evaluation.id, at=uow.now(), user_id=actor.user_id,
                                    action=action, comment=comment, data=data))
