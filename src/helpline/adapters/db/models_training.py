"""Tables of training and certification: courses, exams (questions as JSON), attempts, retraining.

The certifications themselves are `certifications` in models.py (with their suspension columns)."""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpline.adapters.db.models import Base


class TrainingCourse(Base):
    """Study material for a skill, in one language: text and links."""

    __tablename__ = "training_courses"
    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8))
    material: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[list[Any]]  # ["https://…", …]
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class TrainingExam(Base):
    """The exam of a skill. questions: [{"key", "text", "kind": "single"|"multiple", "options": [...],
    "correct": [option indexes]}]; `version` grows with every change, and attempts keep the one they sat."""

    __tablename__ = "training_exams"
    __table_args__ = (
        CheckConstraint("pass_mark BETWEEN 1 AND 100", name="pass_mark"),
        CheckConstraint("validity_months BETWEEN 1 AND 120", name="validity_months"),
        CheckConstraint("time_limit_min IS NULL OR time_limit_min BETWEEN 1 AND 600", name="time_limit_min"),
        CheckConstraint("retake_delay_h BETWEEN 0 AND 720", name="retake_delay_h"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8))
    pass_mark: Mapped[int] = mapped_column(Integer)  # per cent of the questions answered right
    validity_months: Mapped[int] = mapped_column(Integer)  # the certification a pass grants or renews
    time_limit_min: Mapped[int | None] = mapped_column(Integer)
    retake_delay_h: Mapped[int] = mapped_column(Integer, default=0)  # after a failed attempt
    questions: Mapped[list[Any]]
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ExamAttempt(Base):
    """An agent's sitting of an exam: started, then submitted and graded by the server (answers: {question
    key: [option indexes]}). A pass names the certification it granted or renewed."""

    __tablename__ = "training_attempts"
    __table_args__ = (CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("training_exams.id"), index=True)
    exam_version: Mapped[int] = mapped_column(Integer)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"))
    started_at: Mapped[datetime]
    deadline_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    score: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    certification_id: Mapped[int | None] = mapped_column(ForeignKey("certifications.id", ondelete="SET NULL"))


class RetrainingRequirement(Base):
    """A skill the agent must pass the exam of again (its certification suspended meanwhile): who required it,
    why and when; cleared by the passing attempt."""

    __tablename__ = "training_retraining"
    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"))
    certification_id: Mapped[int | None] = mapped_column(ForeignKey("certifications.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    required_at: Mapped[datetime]
    required_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cleared_at: Mapped[datetime | None]
    cleared_by_attempt_id: Mapped[int | None] = mapped_column(ForeignKey("training_attempts.id"))
