"""What the satisfaction survey use cases accept and return (the REST API exposes the same shapes)."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator


class SurveyChannel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    CHAT = "chat"
    VOICE = "voice"  # a survey_callback call task; the agent records the answer


class ReviewResult(StrEnum):
    RESOLVED = "resolved"
    NOT_RESOLVED = "not_resolved"
    NOT_REACHED = "not_reached"


class CampaignSource(StrEnum):
    INTERACTIONS = "interactions"  # handled interactions that ended in the period
    CASES = "cases"  # cases resolved in the period


Comment = Annotated[str, StringConstraints(max_length=2000)]
Note = Annotated[str, StringConstraints(max_length=4000)]
Required = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SendSurvey(_Command):
    interaction_id: int | None = Field(None, ge=1, description="The interaction the survey is about")
    case_id: int | None = Field(None, ge=1, description="Or the (resolved) case it is about")
    channel: SurveyChannel
    ask_nps: bool = Field(False, description="Also ask the 0-10 recommendation question")
    expires_in_days: int = Field(14, ge=1, le=90, description="The answer link works this long")

    @model_validator(mode="after")
    def _about(self) -> "SendSurvey":
        if self.interaction_id is None and self.case_id is None:
            raise ValueError("give interaction_id or case_id")
        return self


class AnswerSurvey(_Command):
    score: int = Field(ge=1, le=5, description="1 (very bad) to 5 (excellent)")
    nps: int | None = Field(None, ge=0, le=10, description="How likely to recommend, 0-10 (when asked)")
    comment: Comment = ""


class CallbackAnswer(AnswerSurvey):
    talk_s: float = Field(0, ge=0, le=86_400, description="Length of the call-back conversation")


class ReviewNote(_Command):
    comment: Required


class CloseReview(_Command):
    result: ReviewResult
    customer_contacted: bool = False
    cause: Required = Field(description="The cause found")
    action: Required = Field(description="The action taken")
    comment: Note = ""


class CreateCampaign(_Command):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    client_id: int = Field(ge=1)
    queue_id: int | None = Field(None, ge=1)
    channel: SurveyChannel = SurveyChannel.VOICE
    source: CampaignSource = CampaignSource.INTERACTIONS
    period_from: AwareDatetime
    period_to: AwareDatetime
    ask_nps: bool = False
    limit: int = Field(1000, ge=1, le=10_000, description="At most this many surveys")

    @model_validator(mode="after")
    def _period(self) -> "CreateCampaign":
        if self.period_to <= self.period_from:
            raise ValueError("period_to must be after period_from")
        return self


class SurveyView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    client_id: int
    interaction_id: int | None
    case_id: int | None
    customer_id: int | None
    agent_id: int | None
    queue_id: int | None
    channel: SurveyChannel
    sent_at: datetime
    expires_at: datetime | None
    answered_at: datetime | None
    score: int | None
    nps: int | None
    comment: str
    language: str | None
    ask_nps: bool
    campaign_id: int | None
    call_task_id: int | None


class SentSurvey(SurveyView):
    link: str | None = Field(description="The customer's answer link (shown once: only its digest is stored)")


class PublicSurvey(BaseModel):
    """What the answer page shows: nothing about the customer, only whether it may be answered."""

    state: str = Field(description="open, answered or expired")
    ask_nps: bool
    language: str
    client_name: str


class ReviewEntryView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    user_id: int | None
    kind: str
    comment: str
    detail: dict[str, object]


class ReviewView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    survey_id: int
    client_id: int
    agent_id: int | None
    site_id: int | None
    assigned_user_id: int | None
    score: int
    status: str
    customer_contacted: bool
    cause: str
    action: str
    result: ReviewResult | None
    comment: str
    created_at: datetime
    closed_at: datetime | None
    closed_by_user_id: int | None


class ReviewDetail(ReviewView):
    survey: SurveyView
    history: list[ReviewEntryView]


class Figures(BaseModel):
    sent: int
    reached: int | None = Field(None, description="Call-backs where the customer answered the phone; messages "
                                                   "delivered or sent for the other channels")
    answered: int
    response_rate: float | None = Field(description="answered ÷ sent")
    csat: float | None = Field(description="CSI: the mean 1-5 score")
    csat_share_4_5: float | None = Field(description="CSAT: share of scores that are 4 or 5")
    nps: float | None = Field(description="(promoters − detractors) ÷ NPS answers, −1 to 1")
    low_scores: int = Field(description="Scores below 4 (each opened a review)")


class CampaignView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    client_id: int
    queue_id: int | None
    channel: SurveyChannel
    source: CampaignSource
    period_from: datetime
    period_to: datetime
    ask_nps: bool
    selected: int
    skipped: int
    created_at: datetime


class CampaignReport(CampaignView):
    figures: Figures
