"""Inputs and views of training and certification (courses, exams, attempts, retraining, results); the REST
API exposes them as is."""

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from helpline.domain.training import Question, QuestionKind, check_question
from helpline.services.admin_schemas import Id, Language, LongText, Name, NoNul
from helpline.services.schemas import Command, View
from helpline.services.staffing_schemas import CertificationView

Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40,
                                       pattern=r"^[a-z0-9_]+$")]
QuestionText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000), NoNul]
OptionText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NoNul]
Link = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500,
                                        pattern=r"^https?://\S+$"), NoNul]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), NoNul]
OptionIndex = Annotated[int, Field(ge=0, le=19)]


class QuestionSpec(Command):
    key: Key  # stable within the exam: answers refer to it
    text: QuestionText
    kind: QuestionKind = QuestionKind.SINGLE
    options: list[OptionText] = Field(min_length=2, max_length=20)
    correct: list[OptionIndex] = Field(min_length=1, max_length=20)  # indexes into options

    @model_validator(mode="after")
    def _consistent(self) -> "QuestionSpec":
        problem = check_question(self.rule())
        if problem:
            raise ValueError(problem)
        return self

    def rule(self) -> Question:
        return Question(self.key, self.kind, len(self.options), frozenset(self.correct))


class ExamCreate(Command):
    skill_id: Id
    title: Name
    language: Language = "ru"
    pass_mark: int = Field(80, ge=1, le=100, description="per cent of the questions to answer right")
    validity_months: int = Field(12, ge=1, le=120, description="how long the certification a pass grants counts")
    time_limit_min: int | None = Field(None, ge=1, le=600)
    retake_delay_h: int = Field(0, ge=0, le=720, description="hours to wait after a failed attempt")
    is_active: bool = True
    questions: list[QuestionSpec] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _keys_unique(self) -> "ExamCreate":
        keys = [q.key for q in self.questions]
        if len(set(keys)) != len(keys):
            raise ValueError("question keys must be unique")
        return self


class ExamView(View):
    """An exam with its answers: for those who manage training."""

    id: int
    skill_id: int
    skill_code: str
    title: str
    language: str
    pass_mark: int
    validity_months: int
    time_limit_min: int | None
    retake_delay_h: int
    is_active: bool
    version: int
    questions: list[QuestionSpec]
    created_at: datetime
    updated_at: datetime


class PaperQuestion(View):
    key: str
    text: str
    kind: QuestionKind
    options: list[str]


class ExamPaper(View):
    """An exam as the agent sits it: the questions without their answers."""

    id: int
    skill_id: int
    skill_code: str
    title: str
    language: str
    pass_mark: int
    validity_months: int
    time_limit_min: int | None
    questions: list[PaperQuestion]


class CourseCreate(Command):
    skill_id: Id
    title: Name
    language: Language = "ru"
    material: LongText = ""
    links: list[Link] = Field(default_factory=list, max_length=20)
    is_active: bool = True


class CourseView(View):
    id: int
    skill_id: int
    skill_code: str
    title: str
    language: str
    material: str
    links: list[str]
    is_active: bool
    created_at: datetime
    updated_at: datetime


class AttemptSubmit(Command):
    answers: dict[Key, list[OptionIndex]] = Field(default_factory=dict, max_length=100,
                                                  description="question key: the chosen option indexes")


class AttemptView(View):
    id: int
    exam_id: int
    exam_title: str
    exam_version: int
    skill_id: int
    skill_code: str
    agent_id: int
    started_at: datetime
    deadline_at: datetime | None
    submitted_at: datetime | None
    score: float | None
    passed: bool | None
    late: bool = False  # submitted after the time limit: failed whatever the score
    certification_id: int | None


class AttemptResult(AttemptView):
    right: int
    total: int
    pass_mark: int
    certification_expires_at: datetime | None


class StartedAttempt(View):
    attempt: AttemptView
    paper: ExamPaper
    answers: dict[str, list[int]] = Field(default_factory=dict)  # the agent's own, once submitted


class RetrainingRequest(Command):
    skill_id: Id
    reason: Reason


class RetrainingView(View):
    id: int
    agent_id: int
    skill_id: int
    skill_code: str
    certification_id: int | None
    reason: str
    required_at: datetime
    required_by_user_id: int | None
    cleared_at: datetime | None
    cleared_by_attempt_id: int | None


class AgentTraining(View):
    """An agent's results: every attempt, certification and suspension, newest first."""

    agent_id: int
    display_name: str
    certifications: list[CertificationView]
    attempts: list[AttemptView]
    retraining: list[RetrainingView]


class ExamDue(View):
    exam_id: int
    title: str
    skill_id: int
    skill_code: str
    why: str  # "uncertified", "expired", "expiring", "retraining"
    expires_at: datetime | None
    retake_from: datetime | None


class MyTraining(View):
    agent_id: int
    courses: list[CourseView]
    exams_due: list[ExamDue]
    retraining: list[RetrainingView]  # open requirements
    results: AgentTraining


class MatrixCell(View):
    status: str  # "valid", "expiring", "expired", "suspended", "none"
    expires_at: datetime | None


class MatrixRow(View):
    agent_id: int
    display_name: str
    cells: dict[str, MatrixCell]  # by skill code
    retraining: list[str]  # skill codes with an open requirement


class CertificationMatrix(View):
    skills: list[str]
    rows: list[MatrixRow]
