"""Tables of the complaint register: complaints, their handlers, deadlines and outcomes, and the history of every
change (services/complaints.py; migration 0013); the deadline warnings (migration 0020), e-mailed to
`users.email`."""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpline.adapters.db.models import Base
from helpline.adapters.db.types import BigId

STATUSES = "'registered','in_progress','answered','closed','rejected'"
OUTCOMES = "'upheld','partly_upheld','not_upheld'"


class Complaint(Base):
    """One complaint. `due_at` is computed by the deadline rule `rule` from `received_at` (extended once documents
    are requested); `site_id` limits which supervisors see it. evidence: references as text, one per item;
    attachment_ids: stored attachments (`attachments.id`)."""

    __tablename__ = "complaints"
    __table_args__ = (
        CheckConstraint(f"status IN ({STATUSES})", name="status"),
        CheckConstraint(f"outcome IS NULL OR outcome IN ({OUTCOMES})", name="outcome"),
        Index("ix_complaints_open_due", "status", "due_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    interaction_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("interactions.id"), index=True)
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    complainant_name: Mapped[str] = mapped_column(String(200))
    complainant_contact: Mapped[str] = mapped_column(String(254), default="")
    representative: Mapped[str] = mapped_column(String(300), default="")
    channel: Mapped[str] = mapped_column(String(10))  # how it was received
    category: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(300))
    facts: Mapped[str] = mapped_column(Text, default="")
    remedy_sought: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[list[Any]] = mapped_column(default=list)
    attachment_ids: Mapped[list[Any]] = mapped_column(default=list)
    subject_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)  # complained about
    handler_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime]
    due_at: Mapped[datetime]
    maximum_due_at: Mapped[datetime | None]
    documents_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    documents_requested_at: Mapped[datetime | None]
    # the last deadline warning e-mailed (services/complaint_warnings.warn_due) and the due date it warned about: a
    # complaint is warned again only when its due date moves (documents requested)
    warned_at: Mapped[datetime | None]
    warned_due_at: Mapped[datetime | None]
    # a warning run's claim while it e-mails (until then no other run warns it); left by a run that died, it
    # lapses at this moment and the next run warns
    warning_claimed_until: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(20), default="registered")
    root_cause: Mapped[str] = mapped_column(String(200), default="")
    outcome: Mapped[str | None] = mapped_column(String(20))
    response: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}


class ComplaintChange(Base):
    """The history of a complaint: who did what, when. changes: {field: [before, after]}; note: free text."""

    __tablename__ = "complaint_history"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str] = mapped_column(Text, default="")

