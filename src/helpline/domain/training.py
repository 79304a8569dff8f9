"""Training and certification rules, pure: grading an exam, the pass mark, how long a certification counts.

A question is answered right only when exactly its correct options are chosen (no partial credit); the score
is the share of questions answered right, in per cent. A pass (score >= pass mark) grants or renews the
skill's certification from that moment for the exam's validity in calendar months. A suspended certification
counts no more from the moment of its suspension."""

import calendar
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

EXPIRING_SOON_DAYS = 30  # certifications that end within this are marked on the matrix


class QuestionKind(StrEnum):
    SINGLE = "single"  # exactly one option is correct, one is chosen
    MULTIPLE = "multiple"  # one or more options are correct


@dataclass(frozen=True)
class Question:
    key: str
    kind: QuestionKind
    options: int  # how many
    correct: frozenset[int]


@dataclass(frozen=True)
class Grade:
    right: int
    total: int
    score: float  # 0-100, one decimal
    passed: bool
    wrong: tuple[str, ...]  # the keys of the questions answered wrong (or not at all)


def check_question(q: Question) -> str | None:
    """What is wrong with a question as written, or None."""
    if q.options < 2:
        return "a question needs at least two options"
    if not q.correct:
        return "mark at least one correct option"
    if any(i < 0 or i >= q.options for i in q.correct):
        return "a correct option is not among the options"
    if q.kind == QuestionKind.SINGLE and len(q.correct) != 1:
        return "a single-choice question has exactly one correct option"
    return None


def grade(questions: Sequence[Question], answers: Mapping[str, Collection[int]], pass_mark: int) -> Grade:
    """Grade the chosen option indexes per question key. Unknown keys are ignored; a missing answer is wrong."""
    wrong = tuple(q.key for q in questions if frozenset(answers.get(q.key, ())) != q.correct)
    total = len(questions)
    right = total - len(wrong)
    score = round(100.0 * right / total, 1) if total else 0.0
    return Grade(right=right, total=total, score=score, passed=total > 0 and score >= pass_mark, wrong=wrong)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months later (the month's last day when it is shorter)."""
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def renewal(passed_at: datetime, validity_months: int) -> tuple[datetime, datetime]:
    """The window of the certification a pass at `passed_at` grants: (passed_at, expires_at)."""
    return passed_at, add_months(passed_at, validity_months)


def counts_until(expires_at: datetime | None, suspended_at: datetime | None) -> datetime | None:
    """When a certification stops counting: its expiry or its suspension, whichever comes first."""
    if suspended_at is None:
        return expires_at
    return suspended_at if expires_at is None else min(expires_at, suspended_at)


def is_valid(passed_at: datetime, expires_at: datetime | None, suspended_at: datetime | None,
             at: datetime) -> bool:
    until = counts_until(expires_at, suspended_at)
    return passed_at <= at and (until is None or at < until)


def expiring_soon(expires_at: datetime | None, at: datetime, days: int = EXPIRING_SOON_DAYS) -> bool:
    return expires_at is not None and at < expires_at <= at + timedelta(days=days)


def retake_from(last_failed_at: datetime | None, delay_h: int) -> datetime | None:
    """When an agent may sit the exam again after a failed attempt (None: now)."""
    if last_failed_at is None or delay_h <= 0:
        return None
    return last_failed_at + timedelta(hours=delay_h)
