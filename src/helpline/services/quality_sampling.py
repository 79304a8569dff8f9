"""The week's sample: the handled interactions quality reviewers evaluate (the QA work list). `draw_sample`
applies the sampling rules (domain/quality.py `draw`) to the interactions handled that week and stores one
task per interaction taken; an interaction already drawn or evaluated is never drawn again."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Table, and_, exists, false, or_, select

from helpline.adapters.db.models import Agent, Base, Case, Interaction, QualityEvaluation, Survey
from helpline.adapters.db.models_quality import QualityTask
from helpline.domain.permissions import Actor
from helpline.domain.quality import Candidate, SampleReason, SamplingRules, draw
from helpline.domain.vocabulary import HEALTH_CASE_TYPES, HEALTH_PRODUCT_LINES
from helpline.services import scope
from helpline.services.quality_schemas import SampleRequest, SampleResult, TaskView
from helpline.services.unit_of_work import UnitOfWork

LOW_SCORE_BELOW = 4  # the Pulse rule: every score below 4 is looked at


def week_bounds(day: date, time_zone: str) -> tuple[date, datetime, datetime]:
    """The Monday of `day`'s week, and the week's start and end in UTC (the centre's time zone)."""
    monday = day - timedelta(days=day.weekday())
    zone = ZoneInfo(time_zone)
    start = datetime.combine(monday, time(), zone).astimezone(UTC)
    end = datetime.combine(monday + timedelta(days=7), time(), zone).astimezone(UTC)
    return monday, start, end


def draw_sample(uow: UnitOfWork, actor: Actor, cmd: SampleRequest, time_zone: str) -> SampleResult:
    """Draw the week's sample with the rules and seed given: the same week, rules and seed always draw the
    same interactions (less those drawn before)."""
    monday, start, end = week_bounds(cmd.week, time_zone)
    complaint = complaint_filter()
    rows = uow.session.execute(
        select(Interaction.id, Interaction.agent_id, Case.type, Case.product_line,
               exists().where(Survey.interaction_id == Interaction.id, Survey.score < LOW_SCORE_BELOW).label("low"),
               (complaint if complaint is not None else false()).label("complaint"))
        .outerjoin(Case, Case.id == Interaction.case_id)
        .where(Interaction.answered_at >= start, Interaction.answered_at < end, Interaction.agent_id.is_not(None),
               scope.interaction_filter(uow, actor)))
    candidates = [Candidate(interaction_id=iid, agent_id=agent_id, low_score=bool(low), complaint=bool(complained),
                            medical=(case_type in HEALTH_CASE_TYPES or product_line in HEALTH_PRODUCT_LINES))
                  for iid, agent_id, case_type, product_line, low, complained in rows if agent_id is not None]
    ids = [c.interaction_id for c in candidates]
    already = _already_drawn_or_evaluated(uow, ids)
    rules = SamplingRules(share_percent=cmd.share_percent, per_agent_min=cmd.per_agent_min,
                          low_scores=cmd.low_scores, complaints=cmd.complaints and complaint is not None,
                          medical=cmd.medical)
    taken = draw(candidates, rules, seed=f"{cmd.seed}:{monday.isoformat()}", already=already)
    agent_of = {c.interaction_id: c.agent_id for c in candidates}
    tasks = [QualityTask(interaction_id=iid, agent_id=agent_of[iid], week=monday, reason=reason.value,
                         created_at=uow.now()) for iid, reason in taken]
    uow.session.add_all(tasks)
    uow.flush()
    by_reason = {r.value: sum(1 for _, reason in taken if reason == r) for r in SampleReason}
    result = SampleResult(week=monday, drawn=len(tasks), by_reason=by_reason, complaints_rule=complaint is not None,
                          tasks=[TaskView.model_validate(t) for t in tasks])
    uow.commit()
    return result


def list_tasks(uow: UnitOfWork, actor: Actor, *, open_only: bool = True, week: date | None = None,
               limit: int = 200, offset: int = 0) -> list[TaskView]:
    """The QA work list: drawn interactions, oldest week first, those not yet evaluated unless asked."""
    query = (select(QualityTask).join(Interaction, Interaction.id == QualityTask.interaction_id)
             .where(scope.interaction_filter(uow, actor)))
    if open_only:
        query = query.where(QualityTask.evaluation_id.is_(None))
    if week is not None:
        query = query.where(QualityTask.week == week - timedelta(days=week.weekday()))
    rows = uow.session.scalars(query.order_by(QualityTask.week, QualityTask.id).limit(limit).offset(offset))
    return [TaskView.model_validate(t) for t in rows]


def agent_names(uow: UnitOfWork, agent_ids: set[int]) -> dict[int, str]:
    if not agent_ids:
        return {}
    return dict(uow.session.execute(select(Agent.id, Agent.display_name).where(Agent.id.in_(agent_ids))).all())


def complaint_filter() -> ColumnElement[bool] | None:
    """Whether the interaction (or its case) has a complaint in the complaint register, or None while the
    register has no table (the rule then takes nothing; SampleResult.complaints_rule says so)."""
    table = Base.metadata.tables.get("complaints")
    if not isinstance(table, Table):
        return None
    links = []
    if "interaction_id" in table.c:
        links.append(table.c.interaction_id == Interaction.id)
    if "case_id" in table.c:
        links.append(and_(Interaction.case_id.is_not(None), table.c.case_id == Interaction.case_id))
    return exists().where(or_(*links)) if links else None


def _already_drawn_or_evaluated(uow: UnitOfWork, ids: list[int]) -> frozenset[int]:
    found: set[int] = set()
    for chunk in (ids[i:i + 5000] for i in range(0, len(ids), 5000)):
        found.update(uow.session.scalars(select(QualityTask.interaction_id)
                                         .where(QualityTask.interaction_id.in_(chunk))))
        found.update(uow.session.scalars(select(QualityEvaluation.interaction_id)
                                         .where(QualityEvaluation.interaction_id.in_(chunk))))
    return frozenset(found)
