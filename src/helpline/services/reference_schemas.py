"""Inputs and views of reference data: sites, teams, clients, skills, wrap-up codes, not-ready reasons.
Codes never change after creation: history and other systems refer to them."""

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from helpline.services.admin_schemas import Country, Id, Name, NoNul, Patch, ShortName, TimeZone
from helpline.services.schemas import Code, Command, View
from helpline.services.staffing_schemas import BusinessHours

# --- reference data -----------------------------------------------------------------------------


class SiteCreate(Command):
    name: ShortName
    time_zone: TimeZone = "Europe/Moscow"
    holiday_country: Country = "RU"


class SiteUpdate(Patch):
    name: ShortName | None = None
    time_zone: TimeZone | None = None
    holiday_country: Country | None = None


class SiteView(View):
    id: int
    name: str
    time_zone: str
    holiday_country: str
    business_hours: dict[str, Any] = Field(description="Weekly hours in the site's time zone; empty: 24/7")


class SiteHoursIn(Command):
    business_hours: BusinessHours


CalendarDayKind = Literal["day_off", "working_day"]
CalendarDate = Annotated[date, Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))]


class CalendarDayIn(Command):
    date: CalendarDate
    kind: CalendarDayKind = Field(description="day_off: not worked (a regional holiday, the company's own closed "
                                              "day); working_day: worked (a Saturday a holiday was moved from)")
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), NoNul] = ""


class CalendarDayView(View):
    date: date
    kind: CalendarDayKind
    name: str


class TeamCreate(Command):
    name: ShortName
    site_id: Id


class TeamUpdate(Patch):
    name: ShortName | None = None
    site_id: Id | None = None


class TeamView(View):
    id: int
    name: str
    site_id: int


def _blank_is_none(value: Any) -> Any:
    """A blank value clears the setting (a form's empty select, JSON "")."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def _none_is_off(value: Any) -> Any:
    value = _blank_is_none(value)
    return None if value == "none" else value


def _known_rule(name: str) -> str:
    """A complaint deadline rule the complaint register knows: built in, or in the HELPLINE_DEADLINE_RULES file."""
    from helpline.services.complaints import deadline_rules  # read when checked: the file may have changed

    rules = deadline_rules()
    if name not in rules:
        raise ValueError(f"unknown deadline rule {name!r}; the rules are: {', '.join(sorted(rules))}")
    return name


RuleName = Annotated[str, StringConstraints(max_length=64), AfterValidator(_known_rule)]
ComplaintRuleName = Annotated[RuleName | None, BeforeValidator(_blank_is_none),
                              Field(description="The complaint deadline rule of the client's jurisdiction (see "
                                                "`helpline deadline --list`); null or empty: the handling site's "
                                                "country decides")]
SurveyAfterResolve = Annotated[Literal["sms", "email", "auto"] | None, BeforeValidator(_none_is_off),
                               Field(description="The satisfaction survey sent when one of the client's cases is "
                                                 "resolved: sms, email, auto (SMS when the customer has a phone, "
                                                 "else e-mail); null or `none`: none")]


class ClientCreate(Command):
    code: Annotated[Code, StringConstraints(max_length=40)]
    name: Name
    complaint_rule: ComplaintRuleName = None
    survey_after_resolve: SurveyAfterResolve = None


class ClientUpdate(Patch):
    nullable = frozenset({"complaint_rule", "survey_after_resolve"})

    name: Name | None = None
    complaint_rule: ComplaintRuleName = None
    survey_after_resolve: SurveyAfterResolve = None


class ClientView(View):
    id: int
    code: str
    name: str
    complaint_rule: str | None = None
    survey_after_resolve: str | None = None


class SkillCreate(Command):
    code: Code
    name: Name
    requires_certification: bool = True


class SkillUpdate(Patch):
    name: Name | None = None
    requires_certification: bool | None = None


class SkillView(View):
    id: int
    code: str
    name: str
    requires_certification: bool


class WrapUpCodeCreate(Command):
    code: Code
    name: Name


class WrapUpCodeUpdate(Patch):
    name: Name | None = None
    is_active: bool | None = Field(None, description="Inactive codes stay in history but are refused for new use")


class WrapUpCodeView(View):
    id: int
    code: str
    name: str
    is_active: bool


class NotReadyReasonCreate(Command):
    code: Code
    name: Name
    paid: bool = Field(True, description="Unpaid reasons (a lunch break) are not counted as shrinkage")


class NotReadyReasonUpdate(Patch):
    name: Name | None = None
    paid: bool | None = None
    is_active: bool | None = Field(None, description="Inactive reasons stay in history but are refused for new use")


class NotReadyReasonView(View):
    id: int
    code: str
    name: str
    paid: bool
    is_active: bool
