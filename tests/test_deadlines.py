"""Complaint deadlines: every expected date counted by hand (in the comment) on the real calendars of the
`holidays` package; the day after receipt is day 1, and a deadline ends at 23:59:59 of its last day."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import typer
from typer.testing import CliRunner

from helpline.domain.calendars import WorkingCalendar
from helpline.domain.deadlines import (
    BUILT_IN_RULES,
    DeadlineRule,
    DeadlineRuleError,
    Unit,
    all_rules,
    deadlines,
    due,
    maximum_due,
    rules_from_yaml,
)
from helpline.entrypoints.cli_deadline import RULES_ENV, deadline_command

MSK, SHANGHAI = ZoneInfo("Europe/Moscow"), ZoneInfo("Asia/Shanghai")
LONDON, DUBLIN = ZoneInfo("Europe/London"), ZoneInfo("Europe/Dublin")
RU, CN = BUILT_IN_RULES["ru-complaint"], BUILT_IN_RULES["cn-complaint"]
IE, UK, PICC = BUILT_IN_RULES["ie-complaint"], BUILT_IN_RULES["uk-complaint"], BUILT_IN_RULES["picc-callback"]


def end_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=zone)


def test_the_built_in_rules() -> None:
    assert set(BUILT_IN_RULES) >= {"ru-complaint", "cn-complaint", "ie-complaint", "uk-complaint", "picc-callback"}
    assert (RU.unit, RU.total(), RU.total(extended=True)) == (Unit.WORKING_DAYS, 15, 25)
    assert (CN.unit, CN.total(), CN.total(extended=True), CN.maximum_amount) == (Unit.CALENDAR_DAYS, 15, 30, 60)
    assert (IE.total(), dict(IE.milestones)) == (40, {"acknowledge": 5, "update": 20})
    assert (UK.unit, UK.total(), UK.days(), UK.roll_forward) == (Unit.WEEKS, 8, 56, False)
    assert (PICC.unit, PICC.total(), PICC.country) == (Unit.WORKING_DAYS, 7, "CN")


# --- Russia: 15 working days, +10 when documents are requested --------------------------------------------


def test_ru_over_the_may_holidays_counts_the_transferred_working_saturday() -> None:
    # 2024: Sat Apr 27 worked (its day off moved to Mon Apr 29); Apr 28–May 1 and May 9–12 off.
    # Received Wed Apr 24: Apr 25 (1), 26 (2), Sat 27 (3), May 2 (4), 3 (5), 6 (6), 7 (7), 8 (8),
    # 13 (9), 14 (10), 15 (11), 16 (12), 17 (13), 20 (14), Tue May 21 (15)
    received = datetime(2024, 4, 24, 15, 30, tzinfo=MSK)
    assert due(RU, received) == end_of(date(2024, 5, 21), MSK)
    # documents requested, +10: May 22 (16), 23, 24, 27, 28, 29, 30, 31 (23), Jun 3 (24), Tue Jun 4 (25)
    assert due(RU, received, extended=True) == end_of(date(2024, 6, 4), MSK)
    # were the Saturday not worked, day 15 would be a day later, Wed May 22
    no_transfers = WorkingCalendar("Europe/Moscow", {"mon": [["09:00", "18:00"]], "tue": [["09:00", "18:00"]],
                                                     "wed": [["09:00", "18:00"]], "thu": [["09:00", "18:00"]],
                                                     "fri": [["09:00", "18:00"]]}, "RU", country_working_days=False)
    assert due(RU, received, calendar=no_transfers) == end_of(date(2024, 5, 22), MSK)


def test_ru_over_new_year() -> None:
    # Wed Dec 31 2025 off (moved from Jan 4), Jan 1–8 holidays, Fri Jan 9 off (moved from Jan 3), Jan 10–11 weekend.
    # Received Tue Dec 30: Jan 12 (1), 13–16 (2–5), 19–23 (6–10), 26–29 (11–14), Fri Jan 30 (15)
    assert due(RU, datetime(2025, 12, 30, 10, tzinfo=MSK)) == end_of(date(2026, 1, 30), MSK)
    # 22:30 UTC on Dec 29 is already Dec 30 in Moscow: the same deadline
    assert due(RU, datetime(2025, 12, 29, 22, 30, tzinfo=UTC)) == end_of(date(2026, 1, 30), MSK)
    # 20:00 UTC on Dec 29 is 23:00 Dec 29 in Moscow: Dec 30 (1), Jan 12 (2) … Thu Jan 29 (15)
    assert due(RU, datetime(2025, 12, 29, 20, tzinfo=UTC)) == end_of(date(2026, 1, 29), MSK)
    # a date is the receipt day; the extension: Feb 2–6 (16–20), Feb 9–13 (21–25), Fri Feb 13 (25)
    assert due(RU, date(2025, 12, 30), extended=True) == end_of(date(2026, 2, 13), MSK)


def test_due_needs_an_aware_instant_and_an_extension_to_extend() -> None:
    with pytest.raises(ValueError, match="naive"):
        due(RU, datetime(2026, 1, 12, 10))
    with pytest.raises(DeadlineRuleError, match="no extension"):
        due(UK, date(2026, 1, 12), extended=True)


# --- China: 15 calendar days (30 complex, 60 at most); PICC Qinghai's call-back in 7 working days -----------


def test_cn_calendar_days_landing_in_golden_week_move_to_the_next_working_day() -> None:
    # 2025: Oct 1–8 off (Oct 4–5 the weekend, Oct 7–8 moved from Sun Sep 28 and Sat Oct 11, both worked).
    # Received Tue Sep 16: + 15 days = Wed Oct 1, National Day → the next working day, Thu Oct 9
    assert due(CN, datetime(2025, 9, 16, 9, tzinfo=SHANGHAI)) == end_of(date(2025, 10, 9), SHANGHAI)
    # complex case, 30 days: Thu Oct 16, a working day
    assert due(CN, date(2025, 9, 16), extended=True) == end_of(date(2025, 10, 16), SHANGHAI)
    # at most 60 days: Sep 16 + 14 = Sep 30, + 31 = Oct 31 (45), Sat Nov 15 (60) → Mon Nov 17
    assert maximum_due(CN, date(2025, 9, 16)) == end_of(date(2025, 11, 17), SHANGHAI)
    # received Fri Sep 26: + 15 = Sat Oct 11, a transferred working Saturday: it stays
    assert due(CN, date(2025, 9, 26)) == end_of(date(2025, 10, 11), SHANGHAI)
    # received Sat Sep 27: + 15 = Sun Oct 12, a plain Sunday → Mon Oct 13
    assert due(CN, date(2025, 9, 27)) == end_of(date(2025, 10, 13), SHANGHAI)
    assert maximum_due(RU, date(2025, 9, 27)) is None


def test_cn_calendar_days_landing_in_the_spring_festival() -> None:
    # 2026: Feb 15–23 off (Feb 16–20 and Mon Feb 23 holidays or moved days); Sat Feb 14 and Sat Feb 28 worked.
    # Received Sun Feb 1: + 15 = Mon Feb 16 (New Year's Eve) → the next working day, Tue Feb 24
    assert due(CN, date(2026, 2, 1)) == end_of(date(2026, 2, 24), SHANGHAI)


def test_picc_callback_in_7_working_days_over_golden_week_and_the_spring_festival() -> None:
    # Received Thu Sep 25 2025: Fri 26 (1), Sun 28 worked (2), Mon 29 (3), Tue 30 (4), Oct 1–8 off,
    # Thu Oct 9 (5), Fri 10 (6), Sat Oct 11 worked (7)
    assert due(PICC, datetime(2025, 9, 25, 16, tzinfo=SHANGHAI)) == end_of(date(2025, 10, 11), SHANGHAI)
    # Received Thu Feb 12 2026: Fri 13 (1), Sat 14 worked (2), Feb 15–23 off, Tue 24 (3), 25 (4), 26 (5),
    # Fri 27 (6), Sat Feb 28 worked (7)
    assert due(PICC, date(2026, 2, 12)) == end_of(date(2026, 2, 28), SHANGHAI)


# --- United Kingdom and Ireland ---------------------------------------------------------------------------------


def test_uk_eight_weeks_are_56_calendar_days_not_moved_off_a_bank_holiday() -> None:
    # Mon Mar 2 2026 + 56 days: Mar 31 (29), Apr 27 (56), a Monday, in BST
    assert due(UK, datetime(2026, 3, 2, 10, tzinfo=LONDON)) == datetime(2026, 4, 27, 23, 59, 59, tzinfo=LONDON)
    assert due(UK, datetime(2026, 3, 2, 10, tzinfo=LONDON)).utcoffset() == datetime(
        2026, 4, 27, 12, tzinfo=LONDON).utcoffset()
    # Mon Mar 30 + 56 = Mon May 25, the Spring Bank Holiday: FCA weeks are calendar weeks, it stays
    assert due(UK, date(2026, 3, 30)) == end_of(date(2026, 5, 25), LONDON)


def test_ie_acknowledge_update_and_resolve_in_business_days() -> None:
    # Ireland 2026: Tue Mar 17 (St Patrick's Day), Mon Apr 6 (Easter Monday; Good Friday is worked), Mon May 4 off.
    # Received Wed Mar 11: Mar 12 (1), 13 (2), 16 (3), 18 (4), Thu Mar 19 (5) — acknowledge
    # Mar 20 (6), 23–27 (7–11), Mar 30–Apr 3 (12–16), Apr 7–10 (17–20) — update by Fri Apr 10
    # Apr 13–17 (21–25), 20–24 (26–30), Apr 27–May 1 (31–35), May 5–8 (36–39), Mon May 11 (40) — resolve
    result = deadlines(IE, datetime(2026, 3, 11, 11, tzinfo=DUBLIN))
    assert result.milestones == {"acknowledge": end_of(date(2026, 3, 19), DUBLIN),
                                 "update": end_of(date(2026, 4, 10), DUBLIN)}
    assert result.due == due(IE, date(2026, 3, 11)) == end_of(date(2026, 5, 11), DUBLIN)
    assert result.maximum_due is None


# --- configured rules -----------------------------------------------------------------------------------------------

RULES_YAML = """
rules:
  - name: ru-short
    description: A test rule over Russia's November 2025 transfer
    unit: working_days
    amount: 3
    country: ru
    time_zone: Europe/Moscow
    ends_at: 18:00
    milestones: {acknowledge: 1}
  - name: cn-regional
    unit: calendar_days
    amount: 10
    extended_amount: 5
    extension: add
    country: CN
    time_zone: Asia/Shanghai
    days_off: [2025-10-09]
"""


def test_a_configured_rule_from_yaml() -> None:
    rules = rules_from_yaml(RULES_YAML, "rules.yaml")
    short = rules["ru-short"]
    # 2025: Sat Nov 1 worked (its day off moved to Mon Nov 3), Tue Nov 4 Unity Day.
    # Received Fri Oct 31: Sat Nov 1 (1), Wed Nov 5 (2), Thu Nov 6 (3); ends at 18:00 (an unquoted YAML 18:00)
    result = deadlines(short, datetime(2025, 10, 31, 12, tzinfo=MSK))
    assert result.due == datetime(2025, 11, 6, 18, tzinfo=MSK)
    assert result.milestones == {"acknowledge": datetime(2025, 11, 1, 18, tzinfo=MSK)}
    regional = rules["cn-regional"]
    # received Mon Sep 29 2025: + 10 = Thu Oct 9, this insurer's own day off → Fri Oct 10
    assert due(regional, date(2025, 9, 29)) == end_of(date(2025, 10, 10), SHANGHAI)
    # extended, + 5 = 15 days: Tue Oct 14
    assert due(regional, date(2025, 9, 29), extended=True) == end_of(date(2025, 10, 14), SHANGHAI)
    merged = all_rules(rules)
    assert set(merged) == set(BUILT_IN_RULES) | {"ru-short", "cn-regional"}
    moscow_time_east = rules_from_yaml("- {name: ru-complaint, unit: working_days, amount: 15, "
                                       "time_zone: Asia/Vladivostok, country: RU}")
    assert all_rules(moscow_time_east)["ru-complaint"].time_zone == "Asia/Vladivostok"  # replaces the built-in


@pytest.mark.parametrize(("text", "message"), [
    ("rules: [{name: x, unit: working_days, amount: -3, time_zone: UTC}]", r"rules\[0\] \('x'\): field 'amount'"),
    ("rules: [{name: x, unit: months, amount: 3, time_zone: UTC}]", "field 'unit' must be one of"),
    ("rules: [{name: x, unit: weeks, amount: 3}]", "missing field 'time_zone'"),
    ("rules: [{name: x, unit: weeks, amount: 3, time_zone: UTC, colour: red}]", "unknown field 'colour'"),
    ("rules: [{name: x, unit: weeks, amount: 3, time_zone: Mars/Olympus}]", "field 'time_zone'"),
    ("rules: [{name: x, unit: weeks, amount: 3, time_zone: UTC, country: XX}]", "field 'country'"),
    ("rules: [{name: x, unit: weeks, amount: 3, time_zone: UTC, ends_at: '25:00'}]", "field 'ends_at'"),
    ("rules: [{name: x, unit: weeks, amount: 3, time_zone: UTC, weekdays: [mon, funday]}]", "field 'weekdays'"),
    ("rules: [{name: x, unit: weeks, amount: 3, time_zone: UTC, days_off: [2026-02-30]}]", "field 'days_off'"),
    ("rules: [{name: x, unit: weeks, amount: 3, time_zone: UTC, extension: replace, extended_amount: 2}]",
     "field 'extended_amount'"),
    ("rules: [{name: x, unit: weeks, amount: 3, time_zone: UTC, extended_amount: 2, maximum_amount: 4}]",
     "field 'maximum_amount'"),
    ("rules: [{name: x, unit: weeks, amount: 3, time_zone: UTC, milestones: [5]}]", "field 'milestones'"),
    ("rules: [{name: 'Bad Name', unit: weeks, amount: 3, time_zone: UTC}]", "field 'name'"),
    ("rules:\n  - {name: x, unit: weeks, amount: 3, time_zone: UTC}\n  - {name: x, unit: weeks, amount: 4, "
     "time_zone: UTC}", r"rules\[1\]: field 'name': 'x' is given twice"),
    ("rules: {name: x}", "must be a list"),
    ("rulez: []", "unknown top-level key 'rulez'"),
    ("rules: [", "not valid YAML"),
])
def test_configured_rules_are_validated_with_errors_naming_the_field(text: str, message: str) -> None:
    with pytest.raises(DeadlineRuleError, match=message):
        rules_from_yaml(text, "rules.yaml")


def test_a_rule_built_in_code_is_validated_too() -> None:
    with pytest.raises(DeadlineRuleError, match="field 'amount'"):
        DeadlineRule(name="x", unit=Unit.WORKING_DAYS, amount=0, time_zone="UTC")
    assert rules_from_yaml("") == {}


# --- the CLI ------------------------------------------------------------------------------------------------------

runner = CliRunner()
cli = typer.Typer()
cli.command("deadline")(deadline_command)


@cli.command("noop")
def _noop() -> None:  # a second command keeps `deadline` a subcommand, as in `helpline`
    pass


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(cli, ["deadline", *args], env=env)
    return result.exit_code, result.output


def test_cli_json_prints_the_due_instant_and_the_counting() -> None:
    code, output = invoke("--rule", "ru-complaint", "--from", "2024-04-24T15:30", "--extended", "--json")
    assert code == 0, output
    assert json.loads(output) == {
        "due": "2024-06-04T23:59:59+03:00", "rule": "ru-complaint", "from": "2024-04-24T15:30:00+03:00",
        "extended": True, "working_days": 25, "unit": "working_days", "time_zone": "Europe/Moscow", "country": "RU"}
    code, output = invoke("--rule", "cn-complaint", "--from", "2025-09-16T01:00:00Z", "--json")
    payload = json.loads(output)
    assert code == 0 and payload["due"] == "2025-10-09T23:59:59+08:00" and payload["calendar_days"] == 15
    assert payload["from"] == "2025-09-16T09:00:00+08:00" and payload["maximum_due"] == "2025-11-17T23:59:59+08:00"
    code, output = invoke("--rule", "uk-complaint", "--from", "2026-03-02", "--json")
    assert json.loads(output)["calendar_days"] == 56 and json.loads(output)["weeks"] == 8
    code, output = invoke("--rule", "ie-complaint", "--from", "2026-03-11", "--json")
    assert json.loads(output)["milestones"]["acknowledge"] == "2026-03-19T23:59:59+00:00"


def test_cli_table_and_list() -> None:
    code, output = invoke("--rule", "picc-callback", "--from", "2025-09-25")
    assert code == 0 and "2025-10-11T23:59:59+08:00" in output
    code, output = invoke("--list")
    assert code == 0 and all(name in output for name in BUILT_IN_RULES)
    code, output = invoke("--list", "--json")
    assert code == 0 and {rule["name"] for rule in json.loads(output)} == set(BUILT_IN_RULES)


def test_cli_reads_a_rules_file_from_the_option_or_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES_YAML, encoding="utf-8")
    code, output = invoke("--rules", str(path), "--rule", "ru-short", "--from", "2025-10-31T12:00+03:00", "--json")
    assert code == 0 and json.loads(output)["due"] == "2025-11-06T18:00:00+03:00"
    code, output = invoke("--rule", "cn-regional", "--from", "2025-09-29", "--json", env={RULES_ENV: str(path)})
    assert code == 0 and json.loads(output)["due"] == "2025-10-10T23:59:59+08:00"


@pytest.mark.parametrize(("args", "message"), [
    (("--rule", "fr-complaint", "--from", "2026-01-05"), "unknown rule 'fr-complaint'"),
    (("--rule", "ru-complaint", "--from", "2026-02-30"), "not an ISO 8601"),
    (("--rule", "ru-complaint", "--from", "yesterday", "--json"), "not an ISO 8601"),
    (("--rule", "ru-complaint"), "--from"),
    (("--rule", "uk-complaint", "--from", "2026-01-05", "--extended"), "no extended deadline"),
    (("--rules", "/nonexistent/rules.yaml", "--list"), "cannot read the rules file"),
])
def test_cli_bad_input_exits_with_code_2(args: tuple[str, ...], message: str) -> None:
    code, output = invoke(*args)
    assert code == 2 and message in " ".join(output.split())


def test_cli_a_bad_rules_file_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("rules: [{name: x, unit: working_days, amount: many, time_zone: UTC}]", encoding="utf-8")
    code, output = invoke("--rules", str(path), "--list")
    assert code == 2 and "field 'amount'" in output
