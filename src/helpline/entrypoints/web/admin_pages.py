"""The administration pages (issue 6): an index of the sections, each section in its own module, all under
/admin. Users, queues and reference data are for administrators; agents also for supervisors, within the sites
they oversee. Every form is checked by the use case's own Pydantic command, as in the API."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from helpline.domain.permissions import Permission as P
from helpline.entrypoints.web import admin_agents, admin_queues, admin_reference, admin_users
from helpline.entrypoints.web.admin_common import page
from helpline.entrypoints.web.errors import WebRoute
from helpline.entrypoints.web.identity import WebUser, page_user

router = APIRouter(route_class=WebRoute, include_in_schema=False)
AnyManager = Annotated[WebUser, Depends(page_user(P.MANAGE_USERS, P.MANAGE_AGENTS, P.MANAGE_QUEUES,
                                                  P.MANAGE_REFERENCE))]


@router.get("/admin")
def admin_index(request: Request, user: AnyManager) -> Response:
    return page(request, "admin/index.html", sections=admin_reference.SECTIONS)


for _area in (admin_users, admin_agents, admin_queues, admin_reference):
    router.include_router(_area.router)
