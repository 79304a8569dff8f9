"""Tables of quality control: scorecards (with their criteria), the weekly sample's evaluation tasks, and the
history of each evaluation (acknowledgement, dispute, decision, retraining). The evaluations themselves are
`quality_evaluations` in models.py."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpline.adapters.db.models import Base
from helpline.adapters.db.types import BigId


class Scorecard(Base):
    """One version of a scorecard. A version that has been used is never changed: editing it makes the next
    version (same name), and the evaluations keep the version they were filled in on.

    criteria: [{"key", "text", "group", "weight", "critical", "skill_id"}], in the order shown."""

    __tablename__ = "quality_scorecards"
    __table_args__ = (
        UniqueConstraint("name", "version", name="uq_quality_scorecards_name_version"),
        CheckConstraint("critical_cap >= 0 AND critical_cap <= 100", name="critical_cap"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # where it applies (none: everywhere); the most specific active one is offered for an interaction
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"))
    channel: Mapped[str | None] = mapped_column(String(10))
    criteria: Mapped[list[Any]]
    critical_cap: Mapped[float] = mapped_column(Float, default=0.0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class QualityTask(Base):
    """An interaction drawn for evaluation (the QA work list). One task per interaction, ever."""

    __tablename__ = "quality_tasks"
    __table_args__ = (
        CheckConstraint("reason IN ('random','low_score','complaint','medical')", name="reason"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(BigId, ForeignKey("interactions.id"), unique=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    week: Mapped[date] = mapped_column(Date, index=True)  # the Monday of the week sampled
    reason: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("quality_evaluations.id"))


class EvaluationEntry(Base):
    """What happened to an evaluation, in order: created, acknowledged, disputed, upheld, revised (with the
    score before), retraining required (with the skill)."""

    __tablename__ = "quality_evaluation_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("quality_evaluations.id"), index=True)
    at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
