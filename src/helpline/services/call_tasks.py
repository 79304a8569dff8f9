"""Outbound call tasks (survey call-backs, complaint call-backs) that agents work from a list.

Supervisors create tasks; an agent takes the next task due for them (a conditional UPDATE claims the row,
so two agents never get the same task) and records each attempt. An attempt where someone answered is an
outbound voice interaction with its events (received, answered, completed, wrap-up ended), so KPI reports
count it like any call, direction out.
"""

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, true, update

from helpline.adapters.db.models import Agent, AgentSkill, CallTask, Case, Client, Customer, Interaction, Site, Skill
from helpline.domain.case_lifecycle import OPEN_STATUSES
from helpline.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import Channel, Direction, Role
from helpline.services import intake, lifecycle
from helpline.services.call_task_schemas import (
    AttemptResult,
    CallTaskView,
    CreateCallTask,
    KindStats,
    RecordAttempt,
    TaskKind,
    TaskStatus,
)
from helpline.services.schemas import AnswerCommand, CompleteCommand, ReceiveInteraction
from helpline.services.unit_of_work import UnitOfWork

ANSWERED = {AttemptResult.REACHED, AttemptResult.CALL_BACK_LATER, AttemptResult.REFUSED,
            AttemptResult.WRONG_NUMBER}  # someone picked up: a conversation took place
CLOSES = {AttemptResult.REACHED: TaskStatus.DONE, AttemptResult.REFUSED: TaskStatus.FAILED,
          AttemptResult.WRONG_NUMBER: TaskStatus.FAILED}
CANDIDATES = 20  # due tasks looked at per claim round


# --- supervisors ----------------------------------------------------------------------------------


def create(uow: UnitOfWork, actor: Actor, commands: list[CreateCallTask]) -> list[CallTaskView]:
    """Create tasks (all or none)."""
    tasks = [new_task(uow, actor, cmd) for cmd in commands]
    uow.session.add_all(tasks)
    uow.commit()
    return [CallTaskView.model_validate(task) for task in tasks]


def new_task(uow: UnitOfWork, actor: Actor, cmd: CreateCallTask) -> CallTask:
    """One call task, added to the unit of work but not committed (a survey campaign plans many at once)."""
    case = uow.session.get(Case, cmd.case_id) if cmd.case_id is not None else None
    if cmd.case_id is not None and case is None:
        raise NotFound("case", cmd.case_id)
    client_id = cmd.client_id if cmd.client_id is not None else (case.client_id if case else None)
    if client_id is None or uow.session.get(Client, client_id) is None:
        raise InvalidInput("give a client_id or a case_id") if client_id is None else NotFound("client", client_id)
    if case is not None and case.client_id != client_id:
        raise InvalidInput(f"case {case.id} belongs to another client")
    customer_id = cmd.customer_id if cmd.customer_id is not None else (case.customer_id if case else None)
    if cmd.customer_id is not None and uow.session.get(Customer, cmd.customer_id) is None:
        raise NotFound("customer", cmd.customer_id)
    site_id = cmd.site_id
    if site_id is not None and (uow.session.get(Site, site_id) is None or not _in_sites(actor, site_id)):
        raise NotFound("site", site_id)
    if site_id is None and actor.role == Role.SUPERVISOR and len(actor.site_ids) == 1:
        site_id = next(iter(actor.site_ids))  # a site supervisor's tasks stay on their site
    skill_id = None
    if cmd.skill is not None:
        skill_id = uow.session.scalar(select(Skill.id).where(Skill.code == cmd.skill))
        if skill_id is None:
            raise NotFound("skill", repr(cmd.skill))
    if cmd.assigned_agent_id is not None:
        agent = uow.session.get(Agent, cmd.assigned_agent_id)
        if agent is None or not _in_sites(actor, agent.site_id):
            raise NotFound("agent", cmd.assigned_agent_id)
    now = uow.now()
    return CallTask(kind=cmd.kind.value, client_id=client_id, site_id=site_id, skill_id=skill_id,
                    customer_id=customer_id, case_id=cmd.case_id, phone=cmd.phone.strip(), reason=cmd.reason,
                    due_at=cmd.due_at or now, priority=cmd.priority, status=TaskStatus.OPEN.value,
                    assigned_agent_id=cmd.assigned_agent_id, attempts=0, max_attempts=cmd.max_attempts,
                    notes=cmd.notes, created_by_user_id=actor.user_id, created_at=now)


def _in_sites(actor: Actor, site_id: int | None) -> bool:
    return actor.role != Role.SUPERVISOR or site_id is None or site_id in actor.site_ids


def _visible(actor: Actor) -> ColumnElement[bool]:
    if actor.role == Role.SUPERVISOR:
        return or_(CallTask.site_id.in_(actor.site_ids), CallTask.site_id.is_(None))
    return true()


def listing(uow: UnitOfWork, actor: Actor, *, status: TaskStatus | None = None, kind: TaskKind | None = None,
            agent_id: int | None = None, due_before: datetime | None = None, limit: int = 100,
            offset: int = 0) -> list[CallTaskView]:
    query = select(CallTask).where(_visible(actor))
    if status is not None:
        query = query.where(CallTask.status == status.value)
    if kind is not None:
        query = query.where(CallTask.kind == kind.value)
    if agent_id is not None:
        query = query.where(or_(CallTask.assigned_agent_id == agent_id, CallTask.taken_by_agent_id == agent_id))
    if due_before is not None:
        query = query.where(CallTask.due_at <= due_before)
    rows = uow.session.scalars(query.order_by(CallTask.due_at, CallTask.id).limit(limit).offset(offset))
    return [CallTaskView.model_validate(row) for row in rows]


def stats(uow: UnitOfWork, actor: Actor, since: datetime | None = None) -> list[KindStats]:
    """Per kind: counts by status, completion rate, overdue open tasks, attempts per task done."""
    query = select(CallTask.kind, CallTask.status, func.count(), func.sum(CallTask.attempts)).where(
        _visible(actor)).group_by(CallTask.kind, CallTask.status)
    overdue_query = select(CallTask.kind, func.count()).where(
        _visible(actor), CallTask.status == TaskStatus.OPEN.value, CallTask.due_at < uow.now()).group_by(CallTask.kind)
    if since is not None:
        query = query.where(CallTask.created_at >= since)
        overdue_query = overdue_query.where(CallTask.created_at >= since)
    counts: dict[str, dict[TaskStatus, int]] = {}
    attempts_done: dict[str, int] = {}
    for kind, status, count, attempts in uow.session.execute(query):
        counts.setdefault(kind, {s: 0 for s in TaskStatus})[TaskStatus(status)] = count
        if status == TaskStatus.DONE.value:
            attempts_done[kind] = int(attempts or 0)
    overdue: dict[str, int] = {kind: n for kind, n in uow.session.execute(overdue_query)}
    out = []
    for kind, by_status in sorted(counts.items()):
        done, failed = by_status[TaskStatus.DONE], by_status[TaskStatus.FAILED]
        out.append(KindStats(kind=TaskKind(kind), total=sum(by_status.values()), by_status=by_status,
                             completion_rate=round(done / (done + failed), 4) if done + failed else None,
                             overdue=overdue.get(kind, 0),
                             attempts_per_done=round(attempts_done.get(kind, 0) / done, 3) if done else None))
    return out


def cancel(uow: UnitOfWork, actor: Actor, task_id: int) -> CallTaskView:
    task = _get(uow, actor, task_id)
    if task.status in (TaskStatus.DONE.value, TaskStatus.FAILED.value, TaskStatus.CANCELLED.value):
        raise Conflict(f"call task {task_id} is {task.status}")
    task.status, task.completed_at = TaskStatus.CANCELLED.value, uow.now()
    uow.commit()
    return CallTaskView.model_validate(task)


def _get(uow: UnitOfWork, actor: Actor, task_id: int) -> CallTask:
    task = uow.session.scalar(select(CallTask).where(CallTask.id == task_id, _visible(actor)))
    if task is None:
        raise NotFound("call task", task_id)
    return task


# --- agents ---------------------------------------------------------------------------------------


def _agent_id(actor: Actor) -> int:
    if actor.agent_id is None:
        raise Forbidden("only an agent works call tasks")
    return actor.agent_id


def _due_for(uow: UnitOfWork, agent_id: int) -> ColumnElement[bool]:
    """Open, due now, and for this agent: assigned to them, or unassigned on their site with their skill."""
    now = uow.now()
    agent_site = select(Agent.site_id).where(Agent.id == agent_id).scalar_subquery()
    held = select(AgentSkill.skill_id).where(AgentSkill.agent_id == agent_id)
    return and_(
        CallTask.status == TaskStatus.OPEN.value, CallTask.due_at <= now,
        or_(CallTask.next_attempt_at.is_(None), CallTask.next_attempt_at <= now),
        or_(CallTask.assigned_agent_id == agent_id, and_(
            CallTask.assigned_agent_id.is_(None),
            or_(CallTask.site_id.is_(None), CallTask.site_id == agent_site),
            or_(CallTask.skill_id.is_(None), CallTask.skill_id.in_(held)))))


def due(uow: UnitOfWork, actor: Actor, limit: int = 50) -> list[CallTaskView]:
    """The agent's list: what they may take now, most urgent first, and what they are working on."""
    agent_id = _agent_id(actor)
    mine = and_(CallTask.status == TaskStatus.IN_PROGRESS.value, CallTask.taken_by_agent_id == agent_id)
    rows = uow.session.scalars(select(CallTask).where(or_(mine, _due_for(uow, agent_id))).order_by(
        (CallTask.status == TaskStatus.IN_PROGRESS.value).desc(), CallTask.priority.desc(), CallTask.due_at,
        CallTask.id).limit(limit))
    return [CallTaskView.model_validate(row) for row in rows]


def take_next(uow: UnitOfWork, actor: Actor) -> CallTaskView | None:
    """Claim the most urgent task due for the agent; None when there is none. The claim is an UPDATE that
    only succeeds while the task is still open: of two agents racing for a task, one gets it and the other
    moves on to the next candidate."""
    agent_id = _agent_id(actor)
    while True:
        candidates = list(uow.session.scalars(select(CallTask.id).where(_due_for(uow, agent_id)).order_by(
            CallTask.priority.desc(), CallTask.due_at, CallTask.id).limit(CANDIDATES)))
        if not candidates:
            return None
        for task_id in candidates:
            claimed = uow.session.execute(update(CallTask).where(
                CallTask.id == task_id, CallTask.status == TaskStatus.OPEN.value).values(
                status=TaskStatus.IN_PROGRESS.value, taken_by_agent_id=agent_id).execution_options(
                synchronize_session=False))
            uow.commit()
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                task = uow.session.get(CallTask, task_id)
                assert task is not None
                uow.session.refresh(task)
                return CallTaskView.model_validate(task)


def record_attempt(uow: UnitOfWork, actor: Actor, task_id: int, cmd: RecordAttempt) -> CallTaskView:
    """The result of the agent's call. Someone answering makes an outbound voice interaction; reached closes
    the task done, refused or wrong number closes it failed, call-back-later and no answer or busy put it back
    in the list at its next time (no answer and busy only `max_attempts` times, then it fails)."""
    agent_id = _agent_id(actor)
    task = uow.session.get(CallTask, task_id)
    if task is None or task.taken_by_agent_id != agent_id:
        raise NotFound("call task", task_id)
    if task.status != TaskStatus.IN_PROGRESS.value:
        raise Conflict(f"call task {task_id} is {task.status}, not in progress: take it first")
    now = uow.now()
    if cmd.result == AttemptResult.CALL_BACK_LATER and cmd.call_back_at is not None and cmd.call_back_at <= now:
        raise InvalidInput("call_back_at must be in the future")
    attempt = task.attempts + 1
    if cmd.result in ANSWERED:
        task.interaction_id = _conversation(uow, actor, task, attempt, cmd)
        task = uow.session.get(CallTask, task_id) or task
    task.attempts, task.last_result = attempt, cmd.result.value
    if cmd.notes:
        task.notes = f"{task.notes}\n{cmd.notes}".strip()
    closing = CLOSES.get(cmd.result)
    if closing is None and cmd.result != AttemptResult.CALL_BACK_LATER and attempt >= task.max_attempts:
        closing = TaskStatus.FAILED
    if closing is not None:
        task.status, task.completed_at, task.next_attempt_at = closing.value, now, None
    else:
        task.status = TaskStatus.OPEN.value
        task.next_attempt_at = cmd.call_back_at or now + timedelta(seconds=cmd.retry_after_s)
    uow.commit()
    return CallTaskView.model_validate(task)


def _conversation(uow: UnitOfWork, actor: Actor, task: CallTask, attempt: int, cmd: RecordAttempt) -> int:
    """The outbound call as an interaction: received and answered when the conversation began (talk_s ago),
    completed now. The agent's own user acts, reporting as a dialer does (like a PBX): the presence and
    capacity rules meant for inbound work do not refuse the record of a call already made, and the call joins
    the task's case even where the agent may not read it. A case already resolved is not reopened by it."""
    key = f"call_task:{task.id}:{attempt}"
    made = uow.session.scalar(select(Interaction.id).where(Interaction.idempotency_key == key))
    if made is not None:  # a retry of this attempt after a failure past the interaction's commits
        return made
    now = uow.now()
    began = now - timedelta(seconds=cmd.talk_s)
    dialer = Actor(user_id=actor.user_id, username=f"call-tasks:{actor.username}", role=Role.INTEGRATION,
                   agent_id=actor.agent_id)
    case = uow.session.get(Case, task.case_id) if task.case_id is not None else None
    open_case = case is not None and case.status in {s.value for s in OPEN_STATUSES}
    view, _ = intake.receive_interaction(uow, dialer, ReceiveInteraction(
        channel=Channel.VOICE, direction=Direction.OUTBOUND, client_id=task.client_id, customer_id=task.customer_id,
        case_id=task.case_id if open_case else None, from_address=task.phone,
        idempotency_key=key, topic=f"call_task:{task.kind}",
        subject=task.reason[:300], occurred_at=began))
    lifecycle.answer(uow, dialer, view.id, AnswerCommand(agent_id=actor.agent_id, occurred_at=began))
    lifecycle.complete(uow, dialer, view.id, CompleteCommand(
        wrap_up_code=cmd.wrap_up_code, notes=f"{cmd.result.value}: {cmd.notes}".strip(), occurred_at=now))
    return view.id
