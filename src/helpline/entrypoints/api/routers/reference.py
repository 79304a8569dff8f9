"""Reference data: sites, teams, clients, skills, wrap-up codes and not-ready reasons. One registration
gives each kind list, get, create and patch routes; there is no delete, as history refers to these. A site
also has its calendar: business hours, and the days off and working days added to its country's."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, status
from fastapi.responses import Response

from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW, require
from helpline.entrypoints.api.routers.params import CONFLICT, NOT_FOUND, IdPath, Limit, Offset
from helpline.services import reference
from helpline.services.reference import ReferenceKind
from helpline.services.reference_schemas import CalendarDayIn, CalendarDayView, SiteHoursIn, SiteView
from helpline.services.schemas import View

router = APIRouter(tags=["reference data"])
Reader = Annotated[Actor, Depends(require(P.READ_REFERENCE))]
Manager = Annotated[Actor, Depends(require(P.MANAGE_REFERENCE))]


def register(kind: ReferenceKind, path: str) -> None:
    """Add list, get, create and patch routes for one kind of reference record under `path`."""
    create_body, update_body, view = kind.create, kind.update, kind.view
    slug = path.strip("/").replace("-", "_")

    def list_items(uow: UoW, actor: Reader, limit: Limit = 100, offset: Offset = 0) -> list[View]:
        return reference.list_items(uow, kind, limit=limit, offset=offset)

    def get_item(item_id: IdPath, uow: UoW, actor: Reader) -> View:
        return reference.get_item(uow, kind, item_id)

    def create_item(body: create_body, uow: UoW, actor: Manager) -> View:  # type: ignore[valid-type]
        return reference.create_item(uow, kind, body)

    def update_item(item_id: IdPath, body: update_body, uow: UoW, actor: Manager) -> View:  # type: ignore[valid-type]
        return reference.update_item(uow, kind, item_id, body)

    for endpoint, verb in ((list_items, "list"), (get_item, "get"), (create_item, "create"), (update_item, "update")):
        endpoint.__name__ = f"{verb}_{slug}"
    router.add_api_route(path, list_items, methods=["GET"], response_model=list[view],  # type: ignore[valid-type]
                         summary=f"List {kind.name}s")
    router.add_api_route(f"{path}/{{item_id}}", get_item, methods=["GET"], response_model=view,
                         summary=f"Get a {kind.name}", responses=NOT_FOUND)
    router.add_api_route(path, create_item, methods=["POST"], response_model=view, status_code=status.HTTP_201_CREATED,
                         summary=f"Create a {kind.name}", responses={**NOT_FOUND, **CONFLICT})
    router.add_api_route(f"{path}/{{item_id}}", update_item, methods=["PATCH"], response_model=view,
                         summary=f"Change a {kind.name}", responses={**NOT_FOUND, **CONFLICT})


register(reference.SITES, "/sites")
register(reference.TEAMS, "/teams")
register(reference.CLIENTS, "/clients")
register(reference.SKILLS, "/skills")
register(reference.WRAP_UP_CODES, "/wrap-up-codes")
register(reference.NOT_READY_REASONS, "/not-ready-reasons")


@router.put("/sites/{site_id}/business-hours", response_model=SiteView, responses=NOT_FOUND,
            summary="Replace a site's business hours")
def set_site_business_hours(site_id: IdPath, body: SiteHoursIn, uow: UoW, actor: Manager) -> SiteView:
    """`{"business_hours": {"mon": [["09:00", "18:00"]], ...}}` in the site's time zone: a missing weekday is
    closed, an empty mapping means open 24/7. Business-time clocks (KPIs, deadlines) count these hours."""
    return reference.set_business_hours(uow, actor, site_id, body)


@router.get("/sites/{site_id}/calendar-days", response_model=list[CalendarDayView], responses=NOT_FOUND,
            summary="List the days added to a site's calendar")
def list_site_calendar_days(site_id: IdPath, uow: UoW, actor: Reader) -> list[CalendarDayView]:
    return reference.list_calendar_days(uow, site_id)


@router.post("/sites/{site_id}/calendar-days", response_model=CalendarDayView, status_code=status.HTTP_201_CREATED,
             responses={**NOT_FOUND, **CONFLICT}, summary="Add a day off or a working day to a site's calendar")
def add_site_calendar_day(site_id: IdPath, body: CalendarDayIn, uow: UoW, actor: Manager) -> CalendarDayView:
    """A `day_off` is not worked whatever its weekday (a regional holiday, the company's own closed day); a
    `working_day` is worked, on Monday's hours, whatever its weekday or the country's holidays (a transferred
    working Saturday). One entry per date: 409 if the date is already listed."""
    return reference.add_calendar_day(uow, actor, site_id, body)


@router.delete("/sites/{site_id}/calendar-days/{day}", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response, responses=NOT_FOUND, summary="Remove a day from a site's calendar")
def remove_site_calendar_day(site_id: IdPath, day: Annotated[date, Path()], uow: UoW, actor: Manager) -> None:
    reference.remove_calendar_day(uow, actor, site_id, day)
