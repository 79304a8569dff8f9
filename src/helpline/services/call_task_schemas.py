"""What the outbound call task use cases accept and return (the REST API exposes the same shapes)."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator


class TaskKind(StrEnum):
    SURVEY_CALLBACK = "survey_callback"
    COMPLAINT_CALLBACK = "complaint_callback"
    OTHER = "other"


class TaskStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class AttemptResult(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"
    CALL_BACK_LATER = "call_back_later"
    REFUSED = "refused"


Phone = Annotated[str, StringConstraints(min_length=3, max_length=40, pattern=r"^\+?[0-9 ()\-]{3,40}$")]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateCallTask(_Command):
    kind: TaskKind
    phone: Phone = Field(description="The number to call (E.164 preferred)")
    client_id: int | None = Field(None, description="Defaults to the case's client")
    customer_id: int | None = Field(None, description="Defaults to the case's customer")
    case_id: int | None = Field(None, description="The case the call-back is about (a complaint, a survey's case)")
    reason: Annotated[str, StringConstraints(max_length=2000)] = ""
    due_at: AwareDatetime | None = Field(None, description="When the call is due; defaults to now")
    priority: int = Field(0, ge=0, le=100, description="Higher is taken first")
    site_id: int | None = Field(None, description="Only agents of this site take it")
    skill: Annotated[str, StringConstraints(max_length=60)] | None = Field(
        None, description="Only agents holding this skill code take it")
    assigned_agent_id: int | None = Field(None, description="Only this agent takes it")
    max_attempts: int = Field(3, ge=1, le=20, description="Unanswered attempts before it fails")
    notes: Annotated[str, StringConstraints(max_length=10_000)] = ""


class CreateCallTasks(_Command):
    tasks: list[CreateCallTask] = Field(min_length=1, max_length=1000)


class RecordAttempt(_Command):
    result: AttemptResult
    talk_s: float = Field(0, ge=0, le=86_400, description="Conversation length, when someone answered")
    call_back_at: AwareDatetime | None = Field(None, description="Required for call_back_later")
    retry_after_s: int = Field(1800, ge=60, le=7 * 86_400,
                               description="After no_answer or busy: when the next attempt is due")
    notes: Annotated[str, StringConstraints(max_length=10_000)] = ""
    wrap_up_code: Annotated[str, StringConstraints(max_length=60)] | None = None

    @model_validator(mode="after")
    def _call_back_time(self) -> "RecordAttempt":
        if self.result == AttemptResult.CALL_BACK_LATER and self.call_back_at is None:
            raise ValueError("call_back_later needs call_back_at")
        return self


class CallTaskView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: TaskKind
    status: TaskStatus
    client_id: int
    customer_id: int | None
    case_id: int | None
    site_id: int | None
    skill_id: int | None
    phone: str
    reason: str
    due_at: datetime
    priority: int
    assigned_agent_id: int | None
    taken_by_agent_id: int | None
    attempts: int
    max_attempts: int
    last_result: AttemptResult | None
    next_attempt_at: datetime | None
    notes: str
    created_at: datetime
    completed_at: datetime | None
    interaction_id: int | None


class KindStats(BaseModel):
    kind: TaskKind
    total: int
    by_status: dict[TaskStatus, int]
    completion_rate: float | None = Field(description="done ÷ (done + failed): of the tasks closed, the share done")
    overdue: int = Field(description="Open tasks past their due time")
    attempts_per_done: float | None = Field(description="Mean attempts of the tasks done")
