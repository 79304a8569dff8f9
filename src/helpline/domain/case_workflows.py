"""Rules of the case types' work after the form (BRIEF §5): the doctor-curator's decision on a guarantee
letter, the medical review of a travel-assistance case, its cost log and the roadside provider's ETA. Pure:
the caller passes the moment and what the agent holds."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

MEDICAL_SKILLS = frozenset({"medical", "dms_medical"})  # skill codes that make an agent a doctor (curator)


class Decision(StrEnum):
    APPROVED = "approved"
    REFUSED = "refused"
    DOCUMENTS_REQUESTED = "documents_requested"


class Review(StrEnum):
    CONFIRMED = "confirmed"  # the doctor agrees with the triage and the care organised
    CORRECTED = "corrected"  # the doctor changed something (written in the comment)


NEEDS_REASON = frozenset({Decision.REFUSED, Decision.DOCUMENTS_REQUESTED})
REASON_NEEDED = "Give the reason for a refusal or for the documents requested."
NOT_MEDICAL = "Only a doctor with a valid certification for the medical skill may do this."
REVIEW_FIRST = "A doctor must review a travel-assistance case before it is closed."
# The keys of `cases.details` that mirror the latest decision for display (the record is case_medical_records)
DECISION_KEY, DECISION_REASON_KEY = "curator_decision", "curator_reason"
DECISION_MIRROR = (DECISION_KEY, DECISION_REASON_KEY)


def needs_reason(decision: Decision, reason: str) -> bool:
    return decision in NEEDS_REASON and not reason.strip()


def is_medical(valid_skill_codes: Iterable[str]) -> bool:
    """The agent holds a medical skill with a certification valid now (the caller keeps only those)."""
    return bool(MEDICAL_SKILLS.intersection(valid_skill_codes))


@dataclass(frozen=True)
class CostLine:
    amount: Decimal
    currency: str


def totals(lines: Iterable[CostLine]) -> dict[str, Decimal]:
    """The cost log's totals per currency (never converted: the rates are the finance department's)."""
    out: dict[str, Decimal] = {}
    for line in lines:
        out[line.currency] = out.get(line.currency, Decimal(0)) + line.amount
    return dict(sorted(out.items()))


def eta_due(promised_at: datetime, eta_minutes: int) -> datetime:
    return promised_at + timedelta(minutes=eta_minutes)


def is_late(due_at: datetime | None, now: datetime, arrived: bool = False) -> bool:
    return due_at is not None and not arrived and now > due_at
