"""Inputs and views of reference data: sites, teams, clients, skills, wrap-up codes, not-ready reasons.
Codes never change after creation: history and other systems refer to them."""

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

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


class ClientCreate(Command):
    code: Annotated[Code, StringConstraints(max_length=40)]
    name: Name


class ClientUpdate(Patch):
    name: Name | None = None


class ClientView(View):
    id: int
    code: str
    name: str


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
