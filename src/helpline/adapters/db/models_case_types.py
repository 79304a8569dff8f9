"""Tables of insurance case types: the provider network, the doctors' decisions and reviews on cases, and the
cost log of assistance cases (services/providers.py, services/case_workflows.py; migration 0018)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from helpline.adapters.db.models import Base

PROVIDER_KINDS = "'clinic','tow','assistance'"
MEDICAL_KINDS = "'decision','review'"


class Provider(Base):
    """A partner of the network: a clinic, a tow service or an assistance company, in one country and city.
    phones and services: lists of strings (services: codes such as tow, jump_start, outpatient)."""

    __tablename__ = "providers"
    __table_args__ = (
        CheckConstraint(f"kind IN ({PROVIDER_KINDS})", name="kind"),
        Index("ix_providers_place", "country", "city_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    city: Mapped[str] = mapped_column(String(100))
    # casefolded in Python (SQLite's lower() knows ASCII only): city for the exact match, name and address for q
    city_key: Mapped[str] = mapped_column(String(300))  # casefold() can triple a name: "ß" is "ss"
    search_key: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    phones: Mapped[list[Any]] = mapped_column(default=list)
    services: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CaseMedicalRecord(Base):
    """A doctor's word on a case: the curator's decision on a guarantee letter (`decision`: approved, refused,
    documents_requested) or the medical review of an assistance case (`review`: confirmed, corrected)."""

    __tablename__ = "case_medical_records"
    __table_args__ = (CheckConstraint(f"kind IN ({MEDICAL_KINDS})", name="kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text, default="")
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]


class CaseCost(Base):
    """One line of an assistance case's cost log, in the currency it was incurred in."""

    __tablename__ = "case_costs"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    incurred_on: Mapped[date] = mapped_column(Date)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"))
    description: Mapped[str] = mapped_column(String(300))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
