"""Case clocks: first response, final resolution and first-contact resolution, hand-computed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import pytest

from helpline.kpi.case_clock import OUTPUT_COLUMNS, case_clocks

DAY1 = datetime(2027, 3, 1, tzinfo=UTC)
H = 3_600


def at(hours: float, day: int = 0) -> datetime:
    return DAY1 + timedelta(days=day, hours=hours)


def received(case: int, interaction: int, when: datetime, direction: str = "in") -> dict[str, Any]:
    return {"type": "received", "occurred_at": when, "case_id": case, "interaction_id": interaction,
            "direction": direction}


def event(kind: str, case: int, when: datetime, interaction: int | None = None) -> dict[str, Any]:
    return {"type": kind, "occurred_at": when, "case_id": case, "interaction_id": interaction}


def status(case: int, to: str, when: datetime) -> dict[str, Any]:
    return {"type": "case_status_changed", "occurred_at": when, "case_id": case, "status_to": to}


def opened(case: int, interaction: int, when: datetime) -> list[dict[str, Any]]:
    return [received(case, interaction, when), event("case_opened", case, when)]


EVENTS = [
    # 1: answered 30 min after opening, resolved after 2 h, closed 3 days later; an outbound contact, another topic
    *opened(1, 11, at(10)), event("answered", 1, at(10.5), 11), event("answered", 1, at(11), 11),
    status(1, "open", at(10.5)), status(1, "resolved", at(12)), received(1, 12, at(13), "out"),
    status(1, "closed", at(12, day=3)),
    # 2: resolved, reopened by an agent, resolved again at 15:00 (final); an answer before opening does not count
    event("answered", 2, at(8.9), 21), *opened(2, 21, at(9)), event("answered", 2, at(9.25), 21),
    status(2, "resolved", at(10)), status(2, "open", at(11)), status(2, "pending", at(12)),
    status(2, "resolved", at(15)),
    # 3: resolved at 09:30; the customer calls again on the case the next morning (within a day)
    *opened(3, 31, at(9)), status(3, "resolved", at(9.5)), received(3, 32, at(8, day=1)),
    # 4 and 5: same customer and topic, case 5 opened the same evening, never resolved
    *opened(4, 41, at(9)), status(4, "resolved", at(10)),
    *opened(5, 51, at(20)), status(5, "open", at(20.5)),
    # 6: customer of case 1, another topic, within case 1's window: case 1 stays first-contact resolved
    *opened(6, 61, at(14)),
    # 8 and 9: same customer and topic, case 9 opened 1 s after the 1-day window of case 8
    *opened(8, 81, at(10)), status(8, "closed", at(10)),
    *opened(9, 91, at(10, day=1) + timedelta(seconds=1)),
    # 10: resolved then reopened: unresolved; a repeat of the first interaction itself is not another contact
    *opened(10, 101, at(9)), received(10, 101, at(9.1)), status(10, "resolved", at(10)), status(10, "open", at(11)),
]
CASES = pl.DataFrame({"case_id": [1, 2, 3, 4, 5, 6, 8, 9, 10],
                      "customer_id": [100, 200, 300, 400, 400, 100, 800, 800, 900],
                      "topic": ["claim", "policy", "claim", "claim", "claim", "billing", "claim", "claim", "claim"]})


def frame(events: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(events, schema={"type": pl.String, "occurred_at": pl.Datetime("us", "UTC"),
                                        "case_id": pl.Int64, "interaction_id": pl.Int64, "direction": pl.String,
                                        "status_to": pl.String})


def clocks(window: timedelta = timedelta(days=1)) -> dict[int, dict[str, Any]]:
    result = case_clocks(frame(EVENTS), CASES, window)
    assert result.columns == list(OUTPUT_COLUMNS)
    return {row["case_id"]: row for row in result.iter_rows(named=True)}


def test_first_response_and_resolution() -> None:
    rows = clocks()
    assert list(rows) == [1, 2, 3, 4, 5, 6, 8, 9, 10]
    first = rows[1]
    assert (first["opened_at"], first["first_response_at"], first["resolved_at"]) == (at(10), at(10.5), at(12))
    assert (first["first_response_s"], first["resolution_s"]) == (1_800.0, 2 * H)  # resolved, not closed, counts
    assert rows[6]["first_response_at"] is None and rows[6]["first_response_s"] is None
    assert rows[8]["resolved_at"] == at(10) and rows[8]["resolution_s"] == 0.0  # closed directly


def test_final_resolution_after_a_reopen() -> None:
    second = clocks()[2]
    assert second["first_response_at"] == at(9.25) and second["first_response_s"] == 900.0
    assert second["resolved_at"] == at(15) and second["resolution_s"] == 6 * H


def test_first_contact_resolution() -> None:
    rows = clocks()
    assert rows[1]["fcr"] is True  # outbound contact and another topic do not count
    assert rows[2]["fcr"] is True  # reopened by an agent, no new inbound contact
    assert rows[3]["fcr"] is False  # repeat call on the same case within the day
    assert rows[4]["fcr"] is False  # new case, same customer and topic
    assert rows[8]["fcr"] is True  # the new case came after the window


def test_unresolved_cases_have_no_resolution_and_null_fcr() -> None:
    rows = clocks()
    for case in (5, 6, 9, 10):
        assert rows[case]["resolved_at"] is None and rows[case]["resolution_s"] is None
        assert rows[case]["fcr"] is None


def test_window_parameter() -> None:
    rows = clocks(timedelta(days=1, seconds=1))  # inclusive: case 9 opens exactly at the end of the window
    assert rows[8]["fcr"] is False
    assert clocks(timedelta(hours=10))[4]["fcr"] is False and clocks(timedelta(hours=10, seconds=-1))[4]["fcr"] is True
    with pytest.raises(ValueError, match="negative"):
        case_clocks(frame(EVENTS), CASES, timedelta(seconds=-1))


def test_no_events() -> None:
    assert case_clocks(frame([]), CASES).height == 0
