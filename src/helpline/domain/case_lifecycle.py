"""The case state machine: new → open → pending → resolved → closed, with reopen."""

from helpline.domain.errors import IllegalTransition
from helpline.domain.vocabulary import CaseStatus as C

TRANSITIONS: dict[C, frozenset[C]] = {
    C.NEW: frozenset({C.OPEN, C.PENDING, C.RESOLVED}),
    C.OPEN: frozenset({C.PENDING, C.RESOLVED}),
    C.PENDING: frozenset({C.OPEN, C.RESOLVED}),
    C.RESOLVED: frozenset({C.CLOSED, C.OPEN}),  # → open is a reopen
    C.CLOSED: frozenset({C.OPEN}),  # reopen
}

OPEN_STATUSES = frozenset({C.NEW, C.OPEN, C.PENDING})


def check_transition(current: C | str, target: C | str) -> C:
    if C(target) not in TRANSITIONS[C(current)]:
        raise IllegalTransition("case", str(current), f"move to {target}")
    return C(target)


def is_reopen(current: C | str, target: C | str) -> bool:
    return C(current) in (C.RESOLVED, C.CLOSED) and C(target) == C.OPEN


def case_reference(case_id: int) -> str:
    """How a case is named to customers on every channel ("#123"; e-mail subjects carry it as "[#123]")."""
    return f"#{case_id}"
