"""Training and certification: courses and exams per skill, agents sitting exams (graded by the server; a pass
grants or renews the skill's certification that routing checks), results history, and retraining that suspends
a certification until the exam is passed again.

Readers with READ_TRAINING see the agents `scope.agent_filter` allows (a supervisor: their sites); an agent
sees their own results. Certification validity itself is decided in `scope.held_skills` (domain/training.py)."""

from datetime import datetime, timedelta

from sqlalchemy import select

from helpline.adapters.db.models import Agent, Certification, Skill
from helpline.adapters.db.models_training import ExamAttempt, RetrainingRequirement, TrainingCourse, TrainingExam
from helpline.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.domain.training import (
    QuestionKind,
    counts_until,
    expiring_soon,
    grade,
    is_valid,
    renewal,
    retake_from,
)
from helpline.domain.vocabulary import EventType
from helpline.services import audit, event_log, scope
from helpline.services.admin_schemas import column_values
from helpline.services.agents_admin import certification_view
from helpline.services.training_schemas import (
    AgentTraining,
    AttemptResult,
    AttemptSubmit,
    AttemptView,
    CertificationMatrix,
    CourseCreate,
    CourseView,
    ExamCreate,
    ExamDue,
    ExamPaper,
    ExamView,
    MatrixCell,
    MatrixRow,
    MyTraining,
    PaperQuestion,
    QuestionSpec,
    RetrainingView,
    StartedAttempt,
)
from helpline.services.unit_of_work import UnitOfWork

LATE_GRACE_S = 30  # a submission this late after the time limit still counts (the network, a slow click)
MAX_REASON = 2000


# --- retraining -----------------------------------------------------------------------------------------


def require_retraining(uow: UnitOfWork, actor: Actor, agent_id: int, skill_id: int, reason: str) -> None:
    """Suspend the agent's current certification in the skill (who, why, when), and require retraining: the
    requirement is cleared, and the skill counts again, when the agent passes the skill's exam. Records a
    `retraining` row, an audit entry and a `certification_suspended` event (routing re-reads the agent at
    once). Without a current certification the requirement is still recorded. Commits."""
    if not actor.can(P.MANAGE_TRAINING):
        raise Forbidden("requiring retraining needs the manage_training permission")
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON or "\x00" in reason:
        raise InvalidInput(f"give the reason for retraining (1 to {MAX_REASON} characters)")
    agent = _agent(uow, actor, agent_id)
    skill = _skill(uow, skill_id)
    now = uow.now()
    suspended = [c for c in agent.certifications if c.skill_id == skill.id and c.suspended_at is None
                 and (c.expires_at is None or now < c.expires_at)]
    for cert in suspended:
        cert.suspended_at, cert.suspended_by_user_id, cert.suspended_reason = now, actor.user_id, reason
    counted = max(suspended, key=lambda c: c.passed_at, default=None)
    requirement = RetrainingRequirement(agent_id=agent.id, skill_id=skill.id, reason=reason, required_at=now,
                                        required_by_user_id=actor.user_id,
                                        certification_id=counted.id if counted else None)
    uow.session.add(requirement)
    uow.flush()
    audit.record(uow, actor, "require_retraining", "agent", agent.id, skill=skill.code, reason=reason,
                 requirement_id=requirement.id, suspended=[c.id for c in suspended])
    event_log.append(uow, EventType.CERTIFICATION_SUSPENDED, at=now, actor=actor, agent_id=agent.id,
                     skill=skill.code, certification_id=counted.id if counted else None, reason=reason,
                     retraining_id=requirement.id)
    uow.commit()


def open_retraining(uow: UnitOfWork, agent_id: int) -> list[RetrainingRequirement]:
    return list(uow.session.scalars(select(RetrainingRequirement).where(
        RetrainingRequirement.agent_id == agent_id, RetrainingRequirement.cleared_at.is_(None))
        .order_by(RetrainingRequirement.required_at, RetrainingRequirement.id)))


# --- courses ----------------------------------------------------------------------------------------------


def create_course(uow: UnitOfWork, actor: Actor, cmd: CourseCreate) -> CourseView:
    _manager(actor)
    _skill(uow, cmd.skill_id)
    now = uow.now()
    course = TrainingCourse(**column_values(cmd), created_at=now, updated_at=now, created_by_user_id=actor.user_id)
    uow.session.add(course)
    uow.flush()
    view = course_view(uow, course)
    uow.commit()
    return view


def update_course(uow: UnitOfWork, actor: Actor, course_id: int, cmd: CourseCreate) -> CourseView:
    _manager(actor)
    course = _course(uow, course_id)
    _skill(uow, cmd.skill_id)
    for name, value in column_values(cmd).items():
        setattr(course, name, value)
    course.updated_at = uow.now()
    uow.flush()
    view = course_view(uow, course)
    uow.commit()
    return view


def list_courses(uow: UnitOfWork, *, skill_id: int | None = None, active_only: bool = False) -> list[CourseView]:
    query = select(TrainingCourse)
    if skill_id is not None:
        query = query.where(TrainingCourse.skill_id == skill_id)
    if active_only:
        query = query.where(TrainingCourse.is_active.is_(True))
    return [course_view(uow, c) for c in uow.session.scalars(query.order_by(TrainingCourse.title, TrainingCourse.id))]


def get_course(uow: UnitOfWork, course_id: int, *, active_only: bool = False) -> CourseView:
    course = _course(uow, course_id)
    if active_only and not course.is_active:
        raise NotFound("course", course_id)
    return course_view(uow, course)


# --- exams ------------------------------------------------------------------------------------------------


def create_exam(uow: UnitOfWork, actor: Actor, cmd: ExamCreate) -> ExamView:
    _manager(actor)
    _skill(uow, cmd.skill_id)
    now = uow.now()
    exam = TrainingExam(**column_values(cmd), version=1, created_at=now, updated_at=now,
                        created_by_user_id=actor.user_id)
    uow.session.add(exam)
    uow.flush()
    view = exam_view(uow, exam)
    uow.commit()
    return view


def update_exam(uow: UnitOfWork, actor: Actor, exam_id: int, cmd: ExamCreate) -> ExamView:
    """Replaces the exam; its version grows, and attempts keep the version they sat."""
    _manager(actor)
    exam = _exam(uow, exam_id)
    _skill(uow, cmd.skill_id)
    if cmd.skill_id != exam.skill_id and uow.session.scalar(
            select(ExamAttempt.id).where(ExamAttempt.exam_id == exam.id).limit(1)) is not None:
        raise Conflict("the exam has been sat: it keeps its skill (make a new exam for another skill)")
    for name, value in column_values(cmd).items():
        setattr(exam, name, value)
    exam.version += 1
    exam.updated_at = uow.now()
    uow.flush()
    view = exam_view(uow, exam)
    uow.commit()
    return view


def list_exams(uow: UnitOfWork, *, skill_id: int | None = None, active_only: bool = False) -> list[ExamView]:
    query = select(TrainingExam)
    if skill_id is not None:
        query = query.where(TrainingExam.skill_id == skill_id)
    if active_only:
        query = query.where(TrainingExam.is_active.is_(True))
    return [exam_view(uow, e) for e in uow.session.scalars(query.order_by(TrainingExam.title, TrainingExam.id))]


def get_exam(uow: UnitOfWork, actor: Actor, exam_id: int) -> ExamView:
    """An exam with its answers: for readers of training (who all manage it), never for an agent."""
    if not actor.can(P.READ_TRAINING):
        raise Forbidden("an exam's answers are for those who manage training")
    return exam_view(uow, _exam(uow, exam_id))


def exam_paper(uow: UnitOfWork, exam_id: int) -> ExamPaper:
    """The exam as an agent sees it: no answers. Only active exams."""
    exam = _exam(uow, exam_id)
    if not exam.is_active:
        raise NotFound("exam", exam_id)
    return paper(uow, exam)


# --- sitting an exam ----------------------------------------------------------------------------------------


def start_attempt(uow: UnitOfWork, actor: Actor, exam_id: int) -> StartedAttempt:
    """The agent starts (or resumes, while its time lasts) an attempt at an active exam. After a failed
    attempt the exam's retake delay applies."""
    agent = _me(uow, actor)
    exam = _exam(uow, exam_id)
    if not exam.is_active:
        raise NotFound("exam", exam_id)
    now = uow.now()
    attempts = list(uow.session.scalars(select(ExamAttempt).where(
        ExamAttempt.agent_id == agent.id, ExamAttempt.exam_id == exam.id).order_by(ExamAttempt.id.desc())))
    open_ = next((a for a in attempts if a.submitted_at is None), None)
    if open_ is not None and open_.exam_version == exam.version and (
            open_.deadline_at is None or now <= open_.deadline_at):
        return StartedAttempt(attempt=attempt_view(uow, open_), paper=paper(uow, exam))
    last_failed = next((a for a in attempts if a.submitted_at is not None and not a.passed), None)
    allowed = retake_from(last_failed.submitted_at if last_failed else None, exam.retake_delay_h)
    if allowed is not None and now < allowed:
        raise Conflict(f"the exam can be sat again from {allowed.isoformat(timespec='minutes')}")
    if open_ is not None:  # out of time or an older version: it counts as failed
        _close_unanswered(open_, now)
    attempt = ExamAttempt(exam_id=exam.id, exam_version=exam.version, agent_id=agent.id, skill_id=exam.skill_id,
                          started_at=now, answers={},
                          deadline_at=now + timedelta(minutes=exam.time_limit_min) if exam.time_limit_min else None)
    uow.session.add(attempt)
    uow.flush()
    view = StartedAttempt(attempt=attempt_view(uow, attempt), paper=paper(uow, exam))
    uow.commit()
    return view


def submit_attempt(uow: UnitOfWork, actor: Actor, attempt_id: int, cmd: AttemptSubmit) -> AttemptResult:
    """The server grades the answers. A pass (score >= pass mark, in time) grants or renews the skill's
    certification from now for the exam's validity and clears the skill's retraining requirements; a fail is
    recorded with its score."""
    agent = _me(uow, actor)
    attempt = uow.session.get(ExamAttempt, attempt_id)
    if attempt is None or attempt.agent_id != agent.id:
        raise NotFound("attempt", attempt_id)
    if attempt.submitted_at is not None:
        raise Conflict("this attempt has been submitted already")
    exam = _exam(uow, attempt.exam_id)
    if exam.version != attempt.exam_version:
        _close_unanswered(attempt, uow.now())
        uow.commit()
        raise Conflict("the exam changed while you sat it: start it again")
    questions = [QuestionSpec.model_validate(q) for q in exam.questions]
    unknown = set(cmd.answers) - {q.key for q in questions}
    if unknown:
        raise InvalidInput(f"no such question: {', '.join(sorted(unknown))}")
    now = uow.now()
    result = grade([q.rule() for q in questions], cmd.answers, exam.pass_mark)
    late = attempt.deadline_at is not None and (now - attempt.deadline_at).total_seconds() > LATE_GRACE_S
    attempt.submitted_at, attempt.answers = now, {k: sorted(set(v)) for k, v in cmd.answers.items()}
    attempt.score, attempt.passed = result.score, result.passed and not late
    cert: Certification | None = None
    if attempt.passed:
        passed_at, expires_at = renewal(now, exam.validity_months)
        cert = Certification(skill_id=exam.skill_id, passed_at=passed_at, expires_at=expires_at)
        agent.certifications.append(cert)
        uow.flush()
        attempt.certification_id = cert.id
        for requirement in open_retraining(uow, agent.id):
            if requirement.skill_id == exam.skill_id:
                requirement.cleared_at, requirement.cleared_by_attempt_id = now, attempt.id
        event_log.append(uow, EventType.CERTIFICATION_GRANTED, at=now, actor=actor, agent_id=agent.id,
                         skill=_skill(uow, exam.skill_id).code, certification_id=cert.id, attempt_id=attempt.id,
                         score=result.score, expires_at=expires_at.isoformat())
    uow.flush()
    view = AttemptResult(**attempt_view(uow, attempt).model_dump(), right=result.right, total=result.total,
                         pass_mark=exam.pass_mark, certification_expires_at=cert.expires_at if cert else None)
    uow.commit()
    return view


def get_attempt(uow: UnitOfWork, actor: Actor, attempt_id: int) -> StartedAttempt:
    """An attempt with its paper, for the agent who sits it."""
    agent = _me(uow, actor)
    attempt = uow.session.get(ExamAttempt, attempt_id)
    if attempt is None or attempt.agent_id != agent.id:
        raise NotFound("attempt", attempt_id)
    return StartedAttempt(attempt=attempt_view(uow, attempt), paper=paper(uow, _exam(uow, attempt.exam_id)),
                          answers=dict(attempt.answers))


# --- results ----------------------------------------------------------------------------------------------


def agent_training(uow: UnitOfWork, actor: Actor, agent_id: int) -> AgentTraining:
    """Every attempt, certification and retraining of an agent: for READ_TRAINING within scope, or the agent."""
    if actor.agent_id == agent_id:
        agent = uow.session.get(Agent, agent_id)
    elif actor.can(P.READ_TRAINING):
        agent = uow.session.scalar(select(Agent).where(Agent.id == agent_id, scope.agent_filter(actor)))
    else:
        raise Forbidden("you see only your own training results")
    if agent is None:
        raise NotFound("agent", agent_id)
    now = uow.now()
    attempts = uow.session.scalars(select(ExamAttempt).where(ExamAttempt.agent_id == agent.id)
                                   .order_by(ExamAttempt.started_at.desc(), ExamAttempt.id.desc()))
    retraining = uow.session.scalars(select(RetrainingRequirement).where(RetrainingRequirement.agent_id == agent.id)
                                     .order_by(RetrainingRequirement.required_at.desc(),
                                               RetrainingRequirement.id.desc()))
    return AgentTraining(
        agent_id=agent.id, display_name=agent.display_name,
        certifications=[certification_view(c, now) for c in
                        sorted(agent.certifications, key=lambda c: (c.passed_at, c.id), reverse=True)],
        attempts=[attempt_view(uow, a) for a in attempts],
        retraining=[retraining_view(uow, r) for r in retraining])


def my_training(uow: UnitOfWork, actor: Actor) -> MyTraining:
    """The agent's page: courses of the skills they hold, exams due, open retraining, their results."""
    agent = _me(uow, actor)
    now = uow.now()
    held = {s.skill_id for s in agent.skills}
    results = agent_training(uow, actor, agent.id)
    retraining = [retraining_view(uow, r) for r in open_retraining(uow, agent.id)]
    courses = [c for c in list_courses(uow, active_only=True) if c.skill_id in held or c.skill_id in
               {r.skill_id for r in retraining}]
    due: list[ExamDue] = []
    for exam in list_exams(uow, active_only=True):
        why, expires = _due(agent, exam.skill_id, now, {r.skill_id for r in retraining})
        if why is None or (exam.skill_id not in held and why != "retraining"):
            continue
        last = uow.session.scalar(select(ExamAttempt.submitted_at).where(
            ExamAttempt.agent_id == agent.id, ExamAttempt.exam_id == exam.id, ExamAttempt.passed.is_(False))
            .order_by(ExamAttempt.submitted_at.desc()).limit(1))
        again = retake_from(last, exam.retake_delay_h)
        due.append(ExamDue(exam_id=exam.id, title=exam.title, skill_id=exam.skill_id, skill_code=exam.skill_code,
                           why=why, expires_at=expires, retake_from=again if again and again > now else None))
    return MyTraining(agent_id=agent.id, courses=courses, exams_due=due, retraining=retraining, results=results)


def certification_matrix(uow: UnitOfWork, actor: Actor) -> CertificationMatrix:
    """Agents in scope × skills that need an exam: valid, expiring soon, expired, suspended or none."""
    if not actor.can(P.READ_TRAINING):
        raise Forbidden("the certification matrix needs the read_training permission")
    now = uow.now()
    skills = list(uow.session.scalars(select(Skill).where(Skill.requires_certification.is_(True))
                                      .order_by(Skill.code)))
    agents = list(uow.session.scalars(select(Agent).where(scope.agent_filter(actor))
                                      .order_by(Agent.display_name, Agent.id)))
    open_by_agent: dict[int, set[int]] = {}
    for r in uow.session.scalars(select(RetrainingRequirement).where(RetrainingRequirement.cleared_at.is_(None))):
        open_by_agent.setdefault(r.agent_id, set()).add(r.skill_id)
    codes = {s.id: s.code for s in skills}
    rows = []
    for agent in agents:
        relevant = {s.skill_id for s in agent.skills} | {c.skill_id for c in agent.certifications}
        cells = {codes[sid]: _cell(agent, sid, now) for sid in sorted(relevant) if sid in codes}
        rows.append(MatrixRow(agent_id=agent.id, display_name=agent.display_name, cells=cells,
                              retraining=sorted(codes[s] for s in open_by_agent.get(agent.id, ()) if s in codes)))
    return CertificationMatrix(skills=[s.code for s in skills], rows=rows)


def skill_options(uow: UnitOfWork) -> list[tuple[int, str]]:
    """Every skill as (id, name), for the forms' selects."""
    return [(s.id, s.name) for s in uow.session.scalars(select(Skill).order_by(Skill.name, Skill.id))]


# --- views --------------------------------------------------------------------------------------------------


def course_view(uow: UnitOfWork, course: TrainingCourse) -> CourseView:
    return CourseView(id=course.id, skill_id=course.skill_id, skill_code=_skill(uow, course.skill_id).code,
                      title=course.title, language=course.language, material=course.material,
                      links=list(course.links), is_active=course.is_active, created_at=course.created_at,
                      updated_at=course.updated_at)


def exam_view(uow: UnitOfWork, exam: TrainingExam) -> ExamView:
    return ExamView(id=exam.id, skill_id=exam.skill_id, skill_code=_skill(uow, exam.skill_id).code,
                    title=exam.title, language=exam.language, pass_mark=exam.pass_mark,
                    validity_months=exam.validity_months, time_limit_min=exam.time_limit_min,
                    retake_delay_h=exam.retake_delay_h, is_active=exam.is_active, version=exam.version,
                    questions=[QuestionSpec.model_validate(q) for q in exam.questions],
                    created_at=exam.created_at, updated_at=exam.updated_at)


def paper(uow: UnitOfWork, exam: TrainingExam) -> ExamPaper:
    return ExamPaper(id=exam.id, skill_id=exam.skill_id, skill_code=_skill(uow, exam.skill_id).code,
                     title=exam.title, language=exam.language, pass_mark=exam.pass_mark,
                     validity_months=exam.validity_months, time_limit_min=exam.time_limit_min,
                     questions=[PaperQuestion(key=q["key"], text=q["text"], kind=QuestionKind(q["kind"]),
                                              options=list(q["options"])) for q in exam.questions])


def attempt_view(uow: UnitOfWork, a: ExamAttempt) -> AttemptView:
    exam = _exam(uow, a.exam_id)
    late = (a.deadline_at is not None and a.submitted_at is not None
            and (a.submitted_at - a.deadline_at).total_seconds() > LATE_GRACE_S)
    return AttemptView(id=a.id, exam_id=a.exam_id, exam_title=exam.title, exam_version=a.exam_version,
                       skill_id=a.skill_id, skill_code=_skill(uow, a.skill_id).code, agent_id=a.agent_id,
                       started_at=a.started_at, deadline_at=a.deadline_at, submitted_at=a.submitted_at,
                       score=a.score, passed=a.passed, late=late, certification_id=a.certification_id)


def retraining_view(uow: UnitOfWork, r: RetrainingRequirement) -> RetrainingView:
    return RetrainingView(id=r.id, agent_id=r.agent_id, skill_id=r.skill_id, skill_code=_skill(uow, r.skill_id).code,
                          certification_id=r.certification_id, reason=r.reason, required_at=r.required_at,
                          required_by_user_id=r.required_by_user_id, cleared_at=r.cleared_at,
                          cleared_by_attempt_id=r.cleared_by_attempt_id)


# --- helpers ------------------------------------------------------------------------------------------------


def _cell(agent: Agent, skill_id: int, now: datetime) -> MatrixCell:
    certs = sorted((c for c in agent.certifications if c.skill_id == skill_id), key=lambda c: (c.passed_at, c.id))
    valid = [c for c in certs if is_valid(c.passed_at, c.expires_at, c.suspended_at, now)]
    if valid:
        until = max((counts_until(c.expires_at, c.suspended_at) for c in valid),
                    key=lambda d: d or datetime.max.replace(tzinfo=now.tzinfo))
        return MatrixCell(status="expiring" if expiring_soon(until, now) else "valid", expires_at=until)
    if not certs:
        return MatrixCell(status="none", expires_at=None)
    last = certs[-1]
    if last.suspended_at is not None and (last.expires_at is None or last.suspended_at < last.expires_at):
        return MatrixCell(status="suspended", expires_at=last.expires_at)
    return MatrixCell(status="expired", expires_at=last.expires_at)


def _due(agent: Agent, skill_id: int, now: datetime, retraining: set[int]) -> tuple[str | None, datetime | None]:
    if skill_id in retraining:
        return "retraining", None
    cell = _cell(agent, skill_id, now)
    return {"none": "uncertified", "expired": "expired", "suspended": "retraining",
            "expiring": "expiring"}.get(cell.status), cell.expires_at


def _close_unanswered(attempt: ExamAttempt, now: datetime) -> None:
    attempt.submitted_at, attempt.score, attempt.passed = now, 0.0, False


def _manager(actor: Actor) -> None:
    if not actor.can(P.MANAGE_TRAINING):
        raise Forbidden("writing courses and exams needs the manage_training permission")


def _me(uow: UnitOfWork, actor: Actor) -> Agent:
    if not actor.can(P.TAKE_EXAMS) or actor.agent_id is None:
        raise Forbidden("only an agent sits exams")
    agent = uow.session.get(Agent, actor.agent_id)
    if agent is None:
        raise NotFound("agent", actor.agent_id)
    return agent


def _agent(uow: UnitOfWork, actor: Actor, agent_id: int) -> Agent:
    agent = uow.session.scalar(select(Agent).where(Agent.id == agent_id, scope.agent_filter(actor)))
    if agent is None:
        raise NotFound("agent", agent_id)
    return agent


def _skill(uow: UnitOfWork, skill_id: int) -> Skill:
    skill = uow.session.get(Skill, skill_id)
    if skill is None:
        raise NotFound("skill", skill_id)
    return skill


def _course(uow: UnitOfWork, course_id: int) -> TrainingCourse:
    course = uow.session.get(TrainingCourse, course_id)
    if course is None:
        raise NotFound("course", course_id)
    return course


def _exam(uow: UnitOfWork, exam_id: int) -> TrainingExam:
    exam = uow.session.get(TrainingExam, exam_id)
    if exam is None:
        raise NotFound("exam", exam_id)
    return exam

