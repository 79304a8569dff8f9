"""Inputs and views of quality control (scorecards, sampling, evaluations, acknowledgement, agent scores); the
REST API exposes them as is."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from helpline.domain.quality import Answer, EvaluationStatus, SampleReason
from helpline.domain.vocabulary import Channel
from helpline.services.admin_schemas import BigIdValue, Id, LongText, Name, NoNul
from helpline.services.schemas import Command, View

Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40,
                                       pattern=r"^[a-z0-9_]+$")]
CriterionText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), NoNul]
GroupName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100), NoNul]
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), NoNul]


class CriterionSpec(Command):
    key: Key  # stable within a scorecard's versions: answers and statistics refer to it
    text: CriterionText
    group: GroupName = ""
    weight: float = Field(gt=0, le=100, allow_inf_nan=False)
    critical: bool = False
    skill_id: Id | None = None  # a critical error here may require retraining in this skill


class ScorecardCreate(Command):
    name: Name
    client_id: Id | None = None
    queue_id: Id | None = None
    channel: Channel | None = None
    critical_cap: float = Field(default=0.0, ge=0, le=100, allow_inf_nan=False)
    criteria: list[CriterionSpec] = Field(min_length=1, max_length=60)

    @model_validator(mode="after")
    def _keys_unique(self) -> "ScorecardCreate":
        keys = [c.key for c in self.criteria]
        if len(set(keys)) != len(keys):
            raise ValueError("criterion keys must be unique")
        return self


class ScorecardView(View):
    id: int
    name: str
    version: int
    client_id: int | None
    queue_id: int | None
    channel: str | None
    critical_cap: float
    criteria: list[CriterionSpec]
    is_active: bool
    created_at: datetime


class CriterionAnswer(Command):
    answer: Answer
    comment: Comment = ""


class EvaluationCreate(Command):
    """With a scorecard, the answers give the score and the critical error; without one (the older free form)
    the score and critical error are given."""

    interaction_id: BigIdValue
    scorecard_id: Id | None = None
    answers: dict[Key, CriterionAnswer] | None = None
    score: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    critical_error: bool = False
    comment: LongText = ""

    @model_validator(mode="after")
    def _scored(self) -> "EvaluationCreate":
        if self.scorecard_id is None and self.score is None:
            raise ValueError("give a scorecard with its answers, or a score")
        if self.scorecard_id is not None and self.answers is None:
            raise ValueError("give the answer to every criterion of the scorecard")
        return self


class EvaluationView(View):
    id: int
    interaction_id: int
    evaluator_user_id: int
    agent_id: int | None
    scorecard_id: int | None
    answers: dict[str, CriterionAnswer] | None
    score: float
    critical_error: bool
    error_free: bool
    status: EvaluationStatus
    comment: str
    created_at: datetime
    updated_at: datetime | None


class HistoryView(View):
    at: datetime
    user_id: int | None
    action: str
    comment: str
    data: dict[str, object]


class EvaluationDetail(EvaluationView):
    history: list[HistoryView]


class AgentReply(Command):
    """The agent's answer to an evaluation: acknowledge it, or dispute it (a comment is then required)."""

    decision: Literal["acknowledge", "dispute"]
    comment: Comment = ""

    @model_validator(mode="after")
    def _dispute_says_why(self) -> "AgentReply":
        if self.decision == "dispute" and not self.comment:
            raise ValueError("say why you dispute the evaluation")
        return self


class DisputeDecision(Command):
    """QA's decision on a dispute: uphold the evaluation, or revise it with new answers (or a new score on the
    free form)."""

    decision: Literal["uphold", "revise"]
    comment: Comment = Field(min_length=1)
    answers: dict[Key, CriterionAnswer] | None = None
    score: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    critical_error: bool | None = None


class RetrainingRequest(Command):
    skill_id: Id
    reason: Comment = Field(min_length=1, max_length=1900)  # training keeps 2000 with the evaluation's number


class SampleRequest(Command):
    week: date  # any day of the week; the week runs Monday to Sunday in the centre's time zone
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    share_percent: float = Field(default=5.0, ge=0, le=100, allow_inf_nan=False)
    per_agent_min: int = Field(default=0, ge=0, le=100)
    low_scores: bool = True
    complaints: bool = True
    medical: bool = True


class TaskView(View):
    id: int
    interaction_id: int
    agent_id: int
    week: date
    reason: SampleReason
    created_at: datetime
    evaluation_id: int | None


class SampleResult(View):
    week: date
    drawn: int
    by_reason: dict[str, int]
    complaints_rule: bool  # False while there is no complaint register to look in
    tasks: list[TaskView]


class WeekFigure(View):
    week: date
    evaluations: int
    mean_score: float
    error_free_share: float


class QualityFigures(View):
    """One agent's (or team's or site's) quality: the mean score, the share of error-free evaluations, and the
    same by week."""

    key: int | None
    name: str
    evaluations: int
    mean_score: float
    error_free_share: float
    critical_errors: int
    weeks: list[WeekFigure]


class CriterionFigure(View):
    """How often one scorecard criterion was not met in the period (which criteria fail most)."""

    scorecard: str  # the scorecard's name: its versions count together
    key: str
    text: str  # as the latest version seen words it
    critical: bool
    answered: int = Field(description="Evaluations that answered it met or not met (n/a left out)")
    not_met: int
    not_applicable: int
    not_met_share: float = Field(description="not_met / answered, 0 when none answered")


class QualityReport(View):
    group_by: Literal["agent", "team", "site"]
    date_from: date
    date_to: date
    total: QualityFigures
    rows: list[QualityFigures]
    criteria: list[CriterionFigure] = Field(default_factory=list,
                                            description="Per criterion, the most often not met first")


class SubjectView(View):
    """The handled interaction being evaluated, as the scorecard form shows it."""

    interaction_id: int
    channel: str
    direction: str
    queue_name: str | None
    agent_id: int | None
    agent_name: str | None
    answered_at: datetime | None
    ended_at: datetime | None
    subject: str
    case_id: int | None
    case_type: str | None
    wrap_up_code: str | None
