"""Inputs and views for agents (skills, certifications, capacity) and queues."""

from datetime import datetime
from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints, model_validator

from helpline.domain.vocabulary import Channel, PresenceState, ProductLine
from helpline.services.admin_schemas import Id, Name, Patch, unique_by
from helpline.services.schemas import Code, Command, View

# --- agents -------------------------------------------------------------------------------------

EmployeeNo = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.\-/]+$")]


class AgentCreate(Command):
    employee_no: EmployeeNo
    display_name: Name
    site_id: Id
    team_id: Id | None = Field(None, description="A team of the same site")
    user_id: Id | None = Field(None, description="The user who signs in as this agent")


class AgentUpdate(Patch):
    nullable = frozenset({"team_id", "user_id"})
    employee_no: EmployeeNo | None = None
    display_name: Name | None = None
    site_id: Id | None = None
    team_id: Id | None = None
    user_id: Id | None = None


class AgentSkillIn(Command):
    skill_id: Id
    proficiency: int = Field(ge=1, le=10)


AgentSkills = Annotated[list[AgentSkillIn], Field(max_length=500), unique_by("skill_id")]
Capacities = Annotated[dict[Channel, Annotated[int, Field(ge=0, le=50)]], Field(max_length=len(Channel))]


class CertificationCreate(Command):
    skill_id: Id
    passed_at: AwareDatetime
    expires_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _expires_after_passing(self) -> "CertificationCreate":
        if self.expires_at is not None and self.expires_at <= self.passed_at:
            raise ValueError("expires_at must be after passed_at")
        return self


class AgentSkillView(View):
    skill_id: int
    code: str
    proficiency: int


class CertificationView(View):
    id: int
    skill_id: int
    skill_code: str
    passed_at: datetime
    expires_at: datetime | None
    valid_now: bool
    suspended_at: datetime | None = None  # suspended until retraining (services/training.py)
    suspended_reason: str | None = None


class AgentView(View):
    id: int
    user_id: int | None
    employee_no: str
    display_name: str
    site_id: int
    team_id: int | None
    presence: PresenceState
    presence_reason: str | None
    presence_since: datetime | None
    skills: list[AgentSkillView]
    certifications: list[CertificationView]
    capacities: dict[str, int]


# --- queues -------------------------------------------------------------------------------------

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ClockTime = Annotated[str, StringConstraints(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")]
Spans = Annotated[list[tuple[ClockTime, ClockTime]], Field(max_length=24)]


def _hours(value: dict[str, list[tuple[str, str]]]) -> dict[str, list[tuple[str, str]]]:
    hours = {day: sorted(spans) for day, spans in value.items()}
    for day, spans in hours.items():
        if any(start >= end for start, end in spans):
            raise ValueError(f"{day}: each span must end after it starts")
        if any(later[0] < earlier[1] for earlier, later in pairwise(spans)):
            raise ValueError(f"{day}: spans overlap")
    return hours


BusinessHours = Annotated[dict[Weekday, Spans], AfterValidator(_hours),
                          Field(description='{"mon": [["09:00", "18:00"]], ...}; empty means open 24/7')]


class QueueSkillIn(Command):
    skill_id: Id
    min_proficiency: int = Field(1, ge=1, le=10)


QueueSkills = Annotated[list[QueueSkillIn], Field(max_length=100), unique_by("skill_id")]
SlTarget = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False, description="Share answered within T")]
SlThreshold = Annotated[int, Field(ge=1, le=30 * 86400, description="The answer-time target T in seconds")]
Priority = Annotated[int, Field(ge=0, le=100)]


class ExpansionStepIn(Command):
    """A routing step applied `after_s` seconds after the interaction entered the queue: relax minimum
    proficiencies and/or open the queue to every site, or move the interaction to another queue."""

    after_s: float = Field(gt=0, le=7 * 86400, allow_inf_nan=False)
    min_proficiency: dict[Code, Annotated[int, Field(ge=1, le=10)]] | None = Field(
        None, description="New minimum per skill code; only skills the queue requires")
    any_site: bool = False
    move_to_queue: Code | None = Field(None, description="Code of a queue of the same client and channel")

    @model_validator(mode="after")
    def one_kind_of_step(self) -> "ExpansionStepIn":
        if self.move_to_queue is not None and (self.min_proficiency or self.any_site):
            raise ValueError("a step either moves the interaction or relaxes the rule, not both")
        if self.move_to_queue is None and not self.min_proficiency and not self.any_site:
            raise ValueError("a step must relax a minimum, open other sites or move the interaction")
        return self


def _increasing(steps: list[ExpansionStepIn]) -> list[ExpansionStepIn]:
    if any(later.after_s <= earlier.after_s for earlier, later in pairwise(steps)):
        raise ValueError("expansion steps must come in strictly increasing order of after_s")
    return steps


ExpansionSteps = Annotated[list[ExpansionStepIn], Field(max_length=20), AfterValidator(_increasing)]
AgentChoice = Literal["best_proficiency", "longest_idle", "least_occupied", "round_robin"]


class QueueCreate(Command):
    code: Code
    name: Name
    client_id: Id
    site_id: Id | None = Field(None, description="None: shared by every site")
    channel: Channel
    product_line: ProductLine | None = None
    priority: Priority = 0
    sl_threshold_s: SlThreshold = 20
    sl_target: SlTarget = 0.8
    business_hours: BusinessHours = {}
    is_active: bool = True
    required_skills: QueueSkills = []
    agent_choice: AgentChoice = "best_proficiency"
    expansion: ExpansionSteps = []


class QueueUpdate(Patch):
    nullable = frozenset({"site_id", "product_line"})
    name: Name | None = None
    client_id: Id | None = None
    site_id: Id | None = None
    channel: Channel | None = None
    product_line: ProductLine | None = None
    priority: Priority | None = None
    sl_threshold_s: SlThreshold | None = None
    sl_target: SlTarget | None = None
    business_hours: BusinessHours | None = None
    is_active: bool | None = None
    required_skills: QueueSkills | None = None
    agent_choice: AgentChoice | None = None
    expansion: ExpansionSteps | None = None


class QueueSkillView(View):
    skill_id: int
    code: str
    min_proficiency: int


class QueueView(View):
    id: int
    code: str
    name: str
    client_id: int
    site_id: int | None
    channel: Channel
    product_line: ProductLine | None
    priority: int
    sl_threshold_s: int
    sl_target: float
    business_hours: dict[str, Any]
    is_active: bool
    required_skills: list[QueueSkillView]
    agent_choice: AgentChoice
    expansion: list[ExpansionStepIn]
