"""Courses, exams and certification: courses and exams per skill (written by MANAGE_TRAINING), agents sitting
exams (graded by the server; a pass grants or renews the certification routing checks), results history, the
certification matrix, and retraining that suspends a certification until the exam is passed again."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, status

from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW, require
from helpline.entrypoints.api.routers.params import NOT_FOUND, IdPath, IdQuery
from helpline.services import training
from helpline.services.training_schemas import (
    AgentTraining,
    AttemptResult,
    AttemptSubmit,
    CertificationMatrix,
    CourseCreate,
    CourseView,
    ExamCreate,
    ExamPaper,
    ExamView,
    MyTraining,
    RetrainingRequest,
    StartedAttempt,
)

router = APIRouter(prefix="/training", tags=["training"])
Manager = Annotated[Actor, Depends(require(P.MANAGE_TRAINING))]
Reader = Annotated[Actor, Depends(require(P.READ_TRAINING))]
ReaderOrAgent = Annotated[Actor, Depends(require(P.READ_TRAINING, P.TAKE_EXAMS))]
Agent = Annotated[Actor, Depends(require(P.TAKE_EXAMS))]
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "Not now: a retake delay, an attempt already submitted, an exam changed"}}


# --- courses --------------------------------------------------------------------------------------------


@router.get("/courses", response_model=list[CourseView], description="An agent sees the active courses only.")
def list_courses(uow: UoW, actor: ReaderOrAgent, skill_id: IdQuery = None) -> list[CourseView]:
    return training.list_courses(uow, skill_id=skill_id, active_only=not actor.can(P.READ_TRAINING))


@router.post("/courses", response_model=CourseView, status_code=status.HTTP_201_CREATED, responses=NOT_FOUND)
def create_course(body: CourseCreate, uow: UoW, actor: Manager) -> CourseView:
    return training.create_course(uow, actor, body)


@router.get("/courses/{course_id}", response_model=CourseView, responses=NOT_FOUND)
def get_course(course_id: IdPath, uow: UoW, actor: ReaderOrAgent) -> CourseView:
    return training.get_course(uow, course_id, active_only=not actor.can(P.READ_TRAINING))


@router.put("/courses/{course_id}", response_model=CourseView, responses=NOT_FOUND)
def update_course(course_id: IdPath, body: CourseCreate, uow: UoW, actor: Manager) -> CourseView:
    return training.update_course(uow, actor, course_id, body)


# --- exams ----------------------------------------------------------------------------------------------


@router.get("/exams", response_model=list[ExamView], description="Exams with their answers.")
def list_exams(uow: UoW, actor: Reader, skill_id: IdQuery = None, active: bool = False) -> list[ExamView]:
    return training.list_exams(uow, skill_id=skill_id, active_only=active)


@router.post("/exams", response_model=ExamView, status_code=status.HTTP_201_CREATED, responses=NOT_FOUND)
def create_exam(body: ExamCreate, uow: UoW, actor: Manager) -> ExamView:
    return training.create_exam(uow, actor, body)


@router.get("/exams/{exam_id}", response_model=ExamView, responses=NOT_FOUND)
def get_exam(exam_id: IdPath, uow: UoW, actor: Reader) -> ExamView:
    return training.get_exam(uow, actor, exam_id)


@router.put("/exams/{exam_id}", response_model=ExamView, responses=NOT_FOUND | CONFLICT,
            description="Replaces the exam; its version grows and an attempt under way must start again.")
def update_exam(exam_id: IdPath, body: ExamCreate, uow: UoW, actor: Manager) -> ExamView:
    return training.update_exam(uow, actor, exam_id, body)


@router.get("/exams/{exam_id}/paper", response_model=ExamPaper, responses=NOT_FOUND,
            description="The active exam's questions and options, without the answers.")
def exam_paper(exam_id: IdPath, uow: UoW, actor: ReaderOrAgent) -> ExamPaper:
    return training.exam_paper(uow, exam_id)


# --- sitting an exam ------------------------------------------------------------------------------------


@router.post("/exams/{exam_id}/attempts", response_model=StartedAttempt, status_code=status.HTTP_201_CREATED,
             responses=NOT_FOUND | CONFLICT,
             description="Starts an attempt (or returns the one under way while its time lasts).")
def start_attempt(exam_id: IdPath, uow: UoW, actor: Agent) -> StartedAttempt:
    return training.start_attempt(uow, actor, exam_id)


@router.get("/attempts/{attempt_id}", response_model=StartedAttempt, responses=NOT_FOUND)
def get_attempt(attempt_id: IdPath, uow: UoW, actor: Agent) -> StartedAttempt:
    return training.get_attempt(uow, actor, attempt_id)


@router.post("/attempts/{attempt_id}/submit", response_model=AttemptResult, responses=NOT_FOUND | CONFLICT,
             description="Graded by the server: a pass (score >= pass mark, in time) grants or renews the "
                         "skill's certification and clears its retraining.")
def submit_attempt(attempt_id: IdPath, body: AttemptSubmit, uow: UoW, actor: Agent) -> AttemptResult:
    return training.submit_attempt(uow, actor, attempt_id, body)


# --- results and retraining -----------------------------------------------------------------------------


@router.get("/me", response_model=MyTraining, description="The agent's courses, exams due, retraining, results.")
def my_training(uow: UoW, actor: Agent) -> MyTraining:
    return training.my_training(uow, actor)


@router.get("/matrix", response_model=CertificationMatrix,
            description="Agents in scope × skills that need an exam: valid, expiring, expired, suspended, none.")
def matrix(uow: UoW, actor: Reader) -> CertificationMatrix:
    return training.certification_matrix(uow, actor)


@router.get("/agents/{agent_id}", response_model=AgentTraining, responses=NOT_FOUND,
            description="Every attempt, certification and suspension; an agent reads only their own.")
def agent_training(agent_id: IdPath, uow: UoW, actor: ReaderOrAgent) -> AgentTraining:
    return training.agent_training(uow, actor, agent_id)


@router.post("/agents/{agent_id}/retraining", response_model=AgentTraining, status_code=status.HTTP_201_CREATED,
             responses=NOT_FOUND,
             description="Suspends the agent's certification in the skill until they pass its exam again.")
def require_retraining(agent_id: IdPath, body: RetrainingRequest, uow: UoW, actor: Manager) -> AgentTraining:
    training.require_retraining(uow, actor, agent_id, body.skill_id, body.reason)
    return training.agent_training(uow, actor, agent_id)
