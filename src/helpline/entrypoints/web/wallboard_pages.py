"""The supervisor wallboard (issue 6): per queue what waits now and how today and the current half-hour went,
the agents by state, alerts and channel health, refreshed live (entrypoints/web/live.py) and ticking every
second (static/wallboard.js). The figures come from `services/wallboard.py`."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW
from helpline.entrypoints.web.errors import WebRoute
from helpline.entrypoints.web.identity import WebUser, page_user
from helpline.entrypoints.web.rendering import get_pages
from helpline.services import wallboard

router = APIRouter(route_class=WebRoute, include_in_schema=False)
ReportReader = Annotated[WebUser, Depends(page_user(P.READ_REPORTS))]


@router.get("/wallboard")
def wallboard_page(request: Request, uow: UoW, user: ReportReader) -> Response:
    time_zone = request.app.state.container.settings.time_zone
    found = wallboard.board(uow, user.actor, time_zone, with_channels=user.actor.can(P.READ_CHANNELS))
    return get_pages(request).render(request, "wallboard/board.html", board=found, live=True,
                                     states=wallboard.AGENT_STATES)
