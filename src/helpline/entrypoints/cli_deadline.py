"""`helpline deadline` (issue 8): when a complaint received at --from is due under a rule, so admins can check
a calendar. Rules: the built-ins of `helpline.domain.deadlines` + those of a YAML file (--rules, or the
HELPLINE_DEADLINE_RULES environment variable). Conventions and file format: docs/deadlines.md."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:  # the rules (holidays, yaml) are imported when the command runs: `helpline --help` stays quick
    from helpline.domain.deadlines import DeadlineRule

RULES_ENV = "HELPLINE_DEADLINE_RULES"
errors = Console(stderr=True)


def _fail(message: str) -> typer.Exit:
    errors.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(2)


def load_rules(path: Path | None) -> dict[str, DeadlineRule]:
    """The built-in rules + those of the YAML file at `path` (none when None). Raises DeadlineRuleError."""
    from helpline.domain.deadlines import DeadlineRuleError, all_rules, rules_from_yaml

    if path is None:
        return all_rules()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DeadlineRuleError(f"cannot read the rules file {str(path)!r}: {error.strerror or error}") from None
    return all_rules(rules_from_yaml(text, str(path)))


def parse_received(text: str, rule: DeadlineRule) -> datetime:
    """--from: an ISO 8601 date-time with an offset, one without (read in the rule's time zone), or a date."""
    from helpline.domain.deadlines import DeadlineRuleError

    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=rule.zone)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise DeadlineRuleError(f"--from {text!r} is not an ISO 8601 date (2026-05-01) or date-time "
                                "(2026-05-01T10:30, 2026-05-01T10:30+03:00)") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=rule.zone)
    return moment


def deadline_command(
        rule_name: Annotated[str | None, typer.Option("--rule", help="The rule's name (see --list)")] = None,
        received: Annotated[str | None, typer.Option(
            "--from", help="When the complaint was received: an ISO date-time (without an offset: the rule's "
                           "time zone) or a date")] = None,
        extended: Annotated[bool, typer.Option(
            "--extended", help="The extended deadline (RU: documents requested, +10 working days; CN: complex "
                               "case, 30 days)")] = False,
        rules_file: Annotated[Path | None, typer.Option(
            "--rules", envvar=RULES_ENV, help="A YAML file of more rules (docs/deadlines.md); a rule named as "
                                              "a built-in replaces it")] = None,
        list_rules: Annotated[bool, typer.Option("--list", help="List the rules and stop")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False) -> None:
    """When a complaint received at --from is due under --rule: counted on the rule's working-day calendar
    (its country's public holidays and transferred working days), the day after receipt being day 1."""
    from helpline.domain.deadlines import DeadlineRuleError, Unit, deadlines

    try:
        rules = load_rules(rules_file)
    except DeadlineRuleError as error:
        raise _fail(str(error)) from None
    if list_rules:
        _list(rules, as_json)
        return
    if rule_name is None or received is None:
        raise _fail("give --rule NAME and --from DATETIME (or --list to see the rules)")
    rule = rules.get(rule_name)
    if rule is None:
        raise _fail(f"unknown rule {rule_name!r}; the rules are: {', '.join(sorted(rules))}")
    if extended and not rule.extensible:
        raise _fail(f"rule {rule.name!r} has no extended deadline")
    try:
        result = deadlines(rule, parse_received(received, rule), extended)
    except (DeadlineRuleError, ValueError, OverflowError) as error:
        raise _fail(str(error)) from None
    if as_json:
        sys.stdout.write(orjson.dumps(result.as_dict()).decode() + "\n")
        return
    table = Table(title=f"{rule.name}: {rule.description}" if rule.description else rule.name, show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    table.add_row("received", _when(result.received_at))
    table.add_row("counted", f"{_amount(rule, extended)} from the day after receipt"
                             f"{'; a last day off ' + _last_day_off(rule) if rule.unit != Unit.WORKING_DAYS else ''} "
                             f"({rule.country or 'no'} holidays, {rule.time_zone})")
    table.add_row("due", _when(result.due))
    if result.maximum_due is not None:
        table.add_row("maximum", f"{_when(result.maximum_due)} ({rule.maximum_amount} {_unit(rule)})")
    for name, moment in result.milestones.items():
        table.add_row(name, _when(moment))
    Console().print(table)


def _list(rules: dict[str, DeadlineRule], as_json: bool) -> None:
    from helpline.domain.deadlines import BUILT_IN_RULES, Unit

    if as_json:
        listed = [{"name": rule.name, "unit": rule.unit.value, "amount": rule.amount,
                   "extended_amount": rule.extended_amount, "extension": rule.extension.value,
                   "maximum_amount": rule.maximum_amount, "roll_forward": rule.roll_forward,
                   "ends_at": rule.ends_at, "milestones": dict(rule.milestones), "country": rule.country,
                   "subdivision": rule.subdivision, "time_zone": rule.time_zone,
                   "built_in": BUILT_IN_RULES.get(rule.name) is rule, "description": rule.description,
                   "source": rule.source} for rule in rules.values()]
        sys.stdout.write(orjson.dumps(listed).decode() + "\n")
        return
    table = Table(title="Deadline rules")
    columns = ("rule", "deadline", "extended", "maximum", "milestones", "last day off", "calendar", "ends",
               "from")
    for column in columns:
        table.add_column(column, no_wrap=True)
    rows = [(rule.name, _amount(rule, False), _amount(rule, True) if rule.extensible else "—",
             f"{rule.maximum_amount} {_unit(rule)}" if rule.maximum_amount else "—",
             ", ".join(f"{name} {amount}" for name, amount in rule.milestones) or "—",
             _last_day_off(rule) if rule.unit != Unit.WORKING_DAYS else "—",
             f"{rule.country or '—'}{f'-{rule.subdivision}' if rule.subdivision else ''}, {rule.time_zone}",
             rule.ends_at, "built-in" if BUILT_IN_RULES.get(rule.name) is rule else "file")
            for rule in rules.values()]
    for row in rows:
        table.add_row(*row)
    console = Console()  # wide enough for every column in full (a narrow terminal wraps lines)
    console.width = max(console.width, sum(max(len(c), *(len(r[i]) for r in rows)) + 3
                                           for i, c in enumerate(columns)) + 1)
    console.print(table)


def _unit(rule: DeadlineRule) -> str:
    return rule.unit.value.replace("_", " ")


def _amount(rule: DeadlineRule, extended: bool) -> str:
    from helpline.domain.deadlines import Extension

    text = f"{rule.total(extended)} {_unit(rule)}"
    if extended and rule.extension == Extension.ADD and rule.extended_amount is not None:
        text += f" ({rule.amount} + {rule.extended_amount})"
    return text


def _last_day_off(rule: DeadlineRule) -> str:
    return "moves to the next working day" if rule.roll_forward else "stays"


def _when(moment: datetime) -> str:
    return f"{moment.isoformat()} ({moment:%a})"
