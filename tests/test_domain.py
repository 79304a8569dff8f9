"""Pure domain rules: no database, no web framework."""

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpline.domain import case_lifecycle, interaction_lifecycle
from helpline.domain.capacity import has_room
from helpline.domain.contact import normalize_email, normalize_phone
from helpline.domain.errors import IllegalTransition
from helpline.domain.interaction_lifecycle import TERMINAL_STATES, Action, allowed_actions, next_state
from helpline.domain.skills import HeldSkill, SkillRequirement, is_qualified
from helpline.domain.vocabulary import CaseStatus, InteractionState, is_health_related

S = InteractionState
NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
ENGINE_PACKAGES = ["domain", "routing", "kpi", "wfm"]
FORBIDDEN_IMPORTS = ("sqlalchemy", "fastapi", "starlette", "pydantic", "jinja2", "typer", "alembic", "psycopg",
                     "helpline.adapters", "helpline.services", "helpline.entrypoints")


@pytest.mark.parametrize("package", ENGINE_PACKAGES)
def test_domain_and_engines_import_no_framework_or_database(package):
    root = Path(__file__).parents[1] / "src" / "helpline" / package
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}: {n}" for n in names if n.startswith(FORBIDDEN_IMPORTS)]
    assert offenders == []


def test_the_happy_path_of_a_call():
    state = S.RECEIVED
    for action in (Action.ENQUEUE, Action.OFFER, Action.ANSWER, Action.HOLD, Action.RESUME, Action.END,
                   Action.COMPLETE):
        state = next_state(state, action)
    assert state == S.COMPLETED


@pytest.mark.parametrize(("state", "action"), [
    (S.ABANDONED, Action.ANSWER), (S.QUEUED, Action.COMPLETE), (S.COMPLETED, Action.HOLD),
    (S.ON_HOLD, Action.HOLD), (S.WRAP_UP, Action.TRANSFER_TO_QUEUE), (S.CONNECTED, Action.ABANDON),
    (S.EXITED, Action.ENQUEUE), (S.OFFERED, Action.EXIT),
])
def test_illegal_transitions_raise(state, action):
    with pytest.raises(IllegalTransition, match=state.value):
        next_state(state, action)


@given(st.lists(st.sampled_from(list(Action)), max_size=30))
def test_terminal_states_are_final_and_every_reached_state_is_known(actions):
    state = S.RECEIVED
    for action in actions:
        if action not in allowed_actions(state):
            with pytest.raises(IllegalTransition):
                next_state(state, action)
            continue
        state = next_state(state, action)
        assert state in S
    if state in TERMINAL_STATES:
        assert allowed_actions(state) == []


def test_answer_is_allowed_only_before_talking():
    assert {s for s in S if Action.ANSWER in allowed_actions(s)} == {S.RECEIVED, S.QUEUED, S.OFFERED}
    assert set(interaction_lifecycle.WAITING_STATES) == {S.QUEUED, S.OFFERED}


def test_case_status_machine_with_reopen():
    assert case_lifecycle.check_transition("new", "open") == CaseStatus.OPEN
    assert case_lifecycle.is_reopen("closed", "open") and not case_lifecycle.is_reopen("pending", "open")
    with pytest.raises(IllegalTransition):
        case_lifecycle.check_transition("closed", "resolved")
    with pytest.raises(IllegalTransition):
        case_lifecycle.check_transition("new", "closed")


def held(proficiency=5, passed=NOW - timedelta(days=10), expires=NOW + timedelta(days=10), needs_exam=True):
    return {"osago": HeldSkill("osago", proficiency, passed, expires, needs_exam)}


def test_qualification_needs_skill_proficiency_and_a_valid_certificate():
    need = [SkillRequirement("osago", 5)]
    assert is_qualified(held(), need, NOW)
    assert not is_qualified(held(proficiency=4), need, NOW)
    assert not is_qualified(held(passed=None), need, NOW)  # never passed the exam
    assert not is_qualified(held(expires=NOW), need, NOW)  # expired at this very moment
    assert not is_qualified(held(passed=NOW + timedelta(seconds=1)), need, NOW)  # passes later
    assert not is_qualified({}, need, NOW)
    assert is_qualified(held(passed=None, needs_exam=False), need, NOW)  # e.g. a language skill
    assert is_qualified({}, [], NOW)


def test_capacity_voice_is_exclusive_and_chats_run_side_by_side():
    assert has_room("voice", {}, {})
    assert not has_room("voice", {"chat": 1}, {})
    assert not has_room("chat", {"voice": 1}, {})
    assert has_room("chat", {"chat": 2}, {})
    assert not has_room("chat", {"chat": 3}, {})
    assert has_room("chat", {"chat": 3}, {"chat": 4})
    assert not has_room("email", {}, {"email": 0})


@pytest.mark.parametrize(("raw", "expected"), [
    ("+7 (495) 123-45-67", "+74951234567"), ("8 495 123 45 67", "+74951234567"), ("74951234567", "+74951234567"),
    ("+86 971 95518", "+8697195518"), ("", ""),
])
def test_phone_numbers_are_normalised(raw, expected):
    assert normalize_phone(raw) == expected


def test_email_addresses_are_normalised():
    assert normalize_email("  Anna.Smirnova@Example.RU ") == "anna.smirnova@example.ru"


def test_health_related_cases():
    assert is_health_related("dms_guarantee_letter", None)
    assert is_health_related("enquiry", "travel")
    assert not is_health_related("motor_claim", "osago")
