"""Telephony (CTI): call events posted by a PBX integration."""

from typing import Annotated

from fastapi import APIRouter, Depends

from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW, require
from helpline.services import cti
from helpline.services.schemas import CtiEvent, InteractionView

router = APIRouter(prefix="/cti", tags=["telephony"])
# `require` admits any of the permissions it names, and agents and supervisors may create interactions:
# only the permission to report lifecycle facts (integrations, admins) opens this route. An `offered` event
# also needs CREATE_INTERACTIONS, which the service checks.
Pbx = Annotated[Actor, Depends(require(P.REPORT_INTERACTION_EVENTS))]


@router.post("/events", response_model=InteractionView, summary="Report a call event from the PBX",
             responses={404: {"description": "No call with this call_id (from an `offered` event) in your scope"},
                        409: {"description": "The event does not fit the call's state"}})
def post_event(body: CtiEvent, uow: UoW, actor: Pbx) -> InteractionView:
    """Apply one call event (offered, ringing, answered, held, resumed, transferred, ended, abandoned) and return
    the call. The same `event_id` posted again changes nothing and returns the call as it is now."""
    view, _applied = cti.handle_event(uow, actor, body)
    return view
