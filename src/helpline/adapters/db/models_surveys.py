"""Tables of satisfaction surveys: review tasks for low scores, call-back campaigns. The surveys themselves are
`surveys` in models.py (with their answer token, campaign and call-back task)."""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from helpline.adapters.db.models import Base


class SurveyCampaign(Base):
    """A call-back campaign: the interactions handled (or cases resolved) of a period for one client, maybe one
    queue, each sent a survey by `channel` (voice: a survey_callback call task). Its figures are counted from
    its surveys and their call tasks."""

    __tablename__ = "survey_campaigns"
    __table_args__ = (
        CheckConstraint("channel IN ('sms','email','chat','voice')", name="channel"),
        CheckConstraint("source IN ('interactions','cases')", name="source"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"))
    channel: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(12))
    period_from: Mapped[datetime]
    period_to: Mapped[datetime]
    ask_nps: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    selected: Mapped[int] = mapped_column(Integer, default=0)  # surveys created
    skipped: Mapped[int] = mapped_column(Integer, default=0)  # records without a phone / e-mail / earlier survey
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]


class SurveyReview(Base):
    """The review a score below 4 opens (one per survey): assigned to the agent's site supervisor, else left to
    the QA queue (no assignee); closed with the cause found, the action taken and a result."""

    __tablename__ = "survey_reviews"
    __table_args__ = (
        CheckConstraint("status IN ('open','done')", name="status"),
        CheckConstraint("result IS NULL OR result IN ('resolved','not_resolved','not_reached')", name="result"),
        Index("ix_survey_reviews_open", "status", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    assigned_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    score: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="open")
    customer_contacted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    cause: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class SurveyReviewEntry(Base):
    """One step of a review's history: opened, note, done (with what was recorded)."""

    __tablename__ = "survey_review_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("survey_reviews.id"), index=True)
    at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(12))
    comment: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
