"""What the complaint register's use cases accept and return (the REST API exposes the same shapes)."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from helpline.domain.complaints import DUE_SOON_WORKING_DAYS, ComplaintStatus, DeadlineState, Outcome
from helpline.domain.vocabulary import Channel

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20_000)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
Required = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Evidence = Annotated[list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]],
                     Field(max_length=50)]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
BigId = Annotated[int, Field(ge=1, le=2**63 - 1)]


class ListState(StrEnum):
    """Which complaints a list shows: `open` (registered or in progress), those of them `due_soon` or
    `overdue`, `answered`, `closed` (closed or rejected), or `all`."""

    OPEN = "open"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    ANSWERED = "answered"
    CLOSED = "closed"
    ALL = "all"


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterComplaint(_Command):
    client_id: Id | None = Field(None, description="Defaults to the case's or the interaction's client")
    case_id: Id | None = Field(None, description="The case the complaint came from (defaults to the interaction's)")
    interaction_id: BigId | None = Field(None, description="The interaction the complaint was received in")
    customer_id: Id | None = Field(None, description="The complainant as a customer (defaults to the case's)")
    complainant_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = Field(
        None, description="Required unless the complainant is a known customer")
    complainant_contact: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] = ""
    representative: Line = Field("", description="Who complains on the complainant's behalf, and by what right")
    channel: Channel = Field(description="How the complaint was received")
    category: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = Field(
        description="One of the listed categories (domain/complaints.py CATEGORIES) or free text")
    subject: Required
    facts: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
    remedy_sought: Text = ""
    evidence: Evidence = Field(default_factory=list, description="References to the evidence, one per item")
    attachment_ids: Annotated[list[BigId], Field(max_length=50)] = Field(default_factory=list)
    subject_agent_id: Id | None = Field(None, description="The agent the complaint is about")
    handler_user_id: Id | None = Field(None, description="Who handles it; never the agent complained about")
    rule: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None = Field(
        None, description="The deadline rule (`helpline deadline --list`); default: the client's, else the "
                          "handling site's country's, else ru-complaint")
    received_at: datetime | None = Field(
        None, description="When the complaint was received (default: now); without an offset, in the rule's time "
                          "zone")


class UpdateComplaint(_Command):
    """Only the fields sent change; `handler_user_id: null` removes the handler."""

    handler_user_id: Id | None = None
    subject_agent_id: Id | None = None
    complainant_contact: Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)] | None = None
    representative: Line | None = None
    category: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    subject: Required | None = None
    facts: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)] | None = None
    remedy_sought: Text | None = None
    evidence: Evidence | None = None
    attachment_ids: Annotated[list[BigId], Field(max_length=50)] | None = None
    root_cause: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = Field(
        None, description="One of the listed root causes (ROOT_CAUSES) or free text")
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class RequestDocuments(_Command):
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = Field(
        "", description="Which documents were asked for")


class ChangeStatus(_Command):
    status: ComplaintStatus = Field(description="in_progress, answered, closed or rejected")
    outcome: Outcome | None = Field(None, description="Required to answer (or close an unanswered complaint)")
    response: Text = Field("", description="The response sent to the complainant (required to answer or reject)")
    root_cause: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class WarnComplaints(_Command):
    within_days: int = Field(DUE_SOON_WORKING_DAYS, ge=0, le=60, description=(
        "Warn about open complaints due by the end of this many working days from today (their rule's calendar), "
        "and those already overdue"))


class ComplaintWarningView(BaseModel):
    """One deadline warning e-mail: to whom, about which complaint and due date, and whether it went out."""

    complaint_id: int
    reference: str = Field(description="The complaint's reference as the e-mail names it")
    subject: str
    complainant_name: str
    client_name: str
    due_at: datetime
    due_local: str = Field(description="The due date in the recipient's time zone (ISO 8601)")
    deadline_state: DeadlineState | None
    recipient_user_id: int | None
    recipient_name: str
    recipient_role: str = Field(description="handler, or supervisor (the handler has no e-mail address)")
    to_address: str
    language: str
    sent: bool
    error: str = ""


class ComplaintChangeView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    user_id: int | None
    username: str | None = None
    action: str
    changes: dict[str, Any]
    note: str


class ComplaintView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    client_id: int
    site_id: int | None
    case_id: int | None
    interaction_id: int | None
    queue_id: int | None
    customer_id: int | None
    complainant_name: str
    complainant_contact: str
    representative: str
    channel: Channel
    category: str
    subject: str
    facts: str
    remedy_sought: str
    evidence: list[str]
    attachment_ids: list[int]
    subject_agent_id: int | None
    handler_user_id: int | None
    rule: str
    received_at: datetime
    due_at: datetime
    due_local: str = Field("", description="due_at in the rule's time zone (ISO 8601)")
    maximum_due_at: datetime | None
    documents_requested: bool
    documents_requested_at: datetime | None
    warned_at: datetime | None = Field(None, description="When the last deadline warning was e-mailed")
    warned_due_at: datetime | None = Field(None, description="The due date that warning was about")
    warned_due_local: str = Field("", description="warned_due_at in the rule's time zone (ISO 8601)")
    warned: bool = Field(False, description="The current due date has been warned about")
    status: ComplaintStatus
    deadline_state: DeadlineState | None = Field(None, description="Of an open complaint: on_track, due_soon, "
                                                                   "overdue")
    root_cause: str
    outcome: Outcome | None
    response: str
    answered_at: datetime | None
    answered_on_time: bool | None = Field(None, description="Answered by due_at (None until answered)")
    closed_at: datetime | None
    created_at: datetime
    created_by_user_id: int | None
    updated_at: datetime
    client_name: str = ""
    handler_name: str = ""
    subject_agent_name: str = ""
    history: list[ComplaintChangeView] = Field(default_factory=list, description="Only when one complaint is read")
