"""What use cases accept and return. The REST API exposes these same shapes."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from helpline.domain.vocabulary import (
    CasePriority,
    CaseStatus,
    CaseType,
    Channel,
    Direction,
    EventType,
    ExitReason,
    InteractionState,
    PolicyStatus,
    PresenceState,
    ProductLine,
)

ShortText = Annotated[str, StringConstraints(max_length=300)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_.\-]+$")]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid")


class View(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- interactions -------------------------------------------------------------------------------


class ReceiveInteraction(Command):
    channel: Channel
    direction: Direction = Direction.INBOUND
    queue_id: int | None = Field(None, description="The queue to wait in; inbound interactions need one")
    client_id: int | None = Field(None, description="Defaults to the queue's client")
    customer_id: int | None = None
    case_id: int | None = Field(None, description="Attach to this case instead of finding or opening one")
    case_type: CaseType = CaseType.ENQUIRY
    policy_number: Annotated[str, StringConstraints(max_length=60)] | None = None
    from_address: Annotated[str, StringConstraints(max_length=254)] | None = Field(
        None, description="Phone number (E.164) or e-mail address of the customer")
    to_address: Annotated[str, StringConstraints(max_length=254)] | None = None
    external_id: Annotated[str, StringConstraints(max_length=200)] | None = None
    idempotency_key: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        None, description="The same key twice returns the same interaction (also accepted as Idempotency-Key header)")
    topic: Annotated[str, StringConstraints(max_length=100)] = ""
    subject: ShortText = ""
    body: Annotated[str, StringConstraints(max_length=100_000)] = ""
    priority: int = Field(0, ge=0, le=100)
    language: Annotated[str, StringConstraints(max_length=8)] | None = None
    occurred_at: AwareDatetime | None = Field(None, description="When it happened, if earlier than now (PBX, import)")


class ActionCommand(Command):
    occurred_at: AwareDatetime | None = Field(None, description="When it happened, if reported later by a channel")


class OfferCommand(ActionCommand):
    agent_id: int | None = Field(None, description="Defaults to the acting agent")


class AnswerCommand(ActionCommand):
    agent_id: int | None = Field(None, description="Who answered, when the interaction was not offered first")


class TransferCommand(ActionCommand):
    queue_id: int | None = None
    agent_id: int | None = None
    note: ShortText = ""


class CompleteCommand(ActionCommand):
    wrap_up_code: Code | None = None
    notes: Annotated[str, StringConstraints(max_length=10_000)] = ""


class ExitCommand(ActionCommand):
    reason: ExitReason


class InteractionView(View):
    id: int
    client_id: int
    channel: Channel
    direction: Direction
    state: InteractionState
    customer_id: int | None
    queue_id: int | None
    agent_id: int | None
    case_id: int | None
    external_id: str | None
    idempotency_key: str | None
    from_address: str | None
    topic: str
    subject: str
    priority: int
    exit_reason: str | None
    wrap_up_code: str | None
    notes: str
    created_at: datetime
    queued_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    completed_at: datetime | None


class EventView(View):
    seq: int
    type: EventType
    occurred_at: datetime
    recorded_at: datetime
    interaction_id: int | None
    case_id: int | None
    agent_id: int | None
    queue_id: int | None
    actor_user_id: int | None
    data: dict[str, Any]


# --- cases --------------------------------------------------------------------------------------


class CaseUpdate(Command):
    subject: ShortText | None = None
    notes: Annotated[str, StringConstraints(max_length=50_000)] | None = None
    priority: CasePriority | None = None
    type: CaseType | None = None
    product_line: ProductLine | None = None
    policy_id: int | None = None
    details: dict[str, Any] | None = None


class CaseStatusChange(Command):
    status: CaseStatus
    note: ShortText = ""


class CaseView(View):
    id: int
    client_id: int
    customer_id: int | None
    policy_id: int | None
    site_id: int | None
    assigned_agent_id: int | None
    type: CaseType
    status: CaseStatus
    priority: CasePriority
    product_line: ProductLine | None
    topic: str
    subject: str
    notes: str
    details: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None


# --- presence -----------------------------------------------------------------------------------


class PresenceChange(Command):
    state: PresenceState
    reason: Code | None = Field(None, description="A not-ready reason code; required for not_ready")


class PresenceView(View):
    agent_id: int
    presence: PresenceState
    presence_reason: str | None
    presence_since: datetime | None


# --- customers and policies (used by reference services) ----------------------------------------


class PolicyView(View):
    id: int
    client_id: int
    customer_id: int
    number: str
    product_line: ProductLine
    status: PolicyStatus
    starts_on: date | None
    ends_on: date | None
    insured_objects: list[Any]


# --- telephony (CTI) ----------------------------------------------------------------------------


class CtiEventKind(StrEnum):
    OFFERED = "offered"
    RINGING = "ringing"
    ANSWERED = "answered"
    HELD = "held"
    RESUMED = "resumed"
    TRANSFERRED = "transferred"
    ENDED = "ended"
    ABANDONED = "abandoned"


class CtiEvent(Command):
    """One call event from a PBX integration (POST /cti/events)."""

    event_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="The PBX's unique id for this event: posting it again changes nothing")
    call_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="The PBX call id; stored as the interaction's external_id")
    kind: CtiEventKind
    at: AwareDatetime | None = Field(None, description="When it happened; defaults to now")
    queue_id: int | None = Field(None, description="The queue the call waits in; required for `offered`")
    agent_id: int | None = Field(
        None, description="The agent rung (`ringing`), who answered (`answered`) or the agent transferred to")
    to_queue_id: int | None = Field(None, description="The queue transferred to (`transferred`)")
    from_number: Annotated[str, StringConstraints(max_length=254)] | None = Field(
        None, description="The caller's number (`offered`)")

    @model_validator(mode="after")
    def _fields_for_kind(self) -> "CtiEvent":
        if self.kind == CtiEventKind.OFFERED and self.queue_id is None:
            raise ValueError("an offered call needs a queue_id")
        if self.kind in (CtiEventKind.RINGING, CtiEventKind.ANSWERED) and self.agent_id is None:
            raise ValueError(f"a {self.kind.value} call needs an agent_id")
        if self.kind == CtiEventKind.TRANSFERRED and (self.agent_id is None) == (self.to_queue_id is None):
            raise ValueError("a transferred call needs exactly one of agent_id or to_queue_id")
        return self
