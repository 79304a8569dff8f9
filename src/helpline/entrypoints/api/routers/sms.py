"""SMS: the gateway's webhooks (delivery receipts, customers' SMS) and notifications to customers.

The webhooks are called by the SMS gateway, which is outside and holds no Helpline user: it proves itself
with the channel's `receipt_secret` in the X-Helpline-Secret header (compared in constant time). A user
token there would give the gateway an account with a role; the secret opens only these two routes, for
this one channel, and is changed with the channel's settings.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from starlette.concurrency import run_in_threadpool

from helpline.bootstrap import Container
from helpline.domain.errors import InvalidInput
from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW, get_container, public, require
from helpline.entrypoints.api.routers.params import IdPath
from helpline.services import notifications, sms
from helpline.services.channels import inbox
from helpline.services.channels.inbox import Inbound
from helpline.services.notifications import NotificationView, SmsNotification
from helpline.services.unit_of_work import UnitOfWork

router = APIRouter(tags=["sms"])
Notifier = Annotated[Actor, Depends(require(P.SEND_NOTIFICATIONS))]
Gateway = Depends(public("the SMS gateway is outside: it sends the channel's secret, checked in the route"))
ChannelName = Annotated[str, Path(min_length=1, max_length=100)]
Secret = Annotated[str, Header(alias="X-Helpline-Secret", max_length=500)]
MAX_BODY = 64 * 1024
FINAL = {"delivered": True, "failed": False, "undelivered": False, "expired": False, "rejected": False}


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)  # gateways add fields of their own


class GatewaySms(_Payload):
    id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    from_: Annotated[str, StringConstraints(min_length=1, max_length=32)] = Field(alias="from")
    to: Annotated[str, StringConstraints(max_length=32)] | None = None
    text: Annotated[str, StringConstraints(max_length=10_000)]
    received_at: AwareDatetime | None = None


class GatewayReceipt(_Payload):
    message_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    status: Annotated[str, StringConstraints(min_length=1, max_length=30)]
    error: Annotated[str, StringConstraints(max_length=1000)] = ""


class Stored(BaseModel):
    stored: int | None = Field(description="The inbox message id; null when nothing needed storing")
    new: bool = Field(description="False: the gateway had posted this before")


def _store(uow: UnitOfWork, container: Container, name: str, secret: str, raw: bytes,
           build: Any) -> Stored:
    config = sms.webhook_channel(uow, name, secret)
    if len(raw) > MAX_BODY:
        raise InvalidInput(f"the body is larger than {MAX_BODY} bytes")
    try:
        message: Inbound | None = build(config.name, raw)
    except ValidationError as error:
        # kept for a person to look at (flagged, never processed), and the gateway told what is wrong
        inbox.store(uow, Inbound(channel=sms.CHANNEL, source=config.name, raw=raw, flags=("malformed",),
                                 meta={"kind": sms.MALFORMED}))
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors())
        raise InvalidInput(f"malformed {name} webhook: {problems}") from error
    if message is None:
        return Stored(stored=None, new=False)
    stored, new = inbox.store(uow, message)
    container.wake_channels()
    return Stored(stored=stored, new=new)


def _sms(source: str, raw: bytes) -> Inbound:
    body = GatewaySms.model_validate_json(raw)
    return sms.mobile_originated(source, body.from_, body.text, raw, external_id=body.id, to=body.to,
                                 at=body.received_at)


def _receipt(source: str, raw: bytes) -> Inbound | None:
    body = GatewayReceipt.model_validate_json(raw)
    state = body.status.strip().lower()
    if state not in FINAL:  # accepted, enroute, ...: nothing to record yet
        return None
    return sms.receipt(source, body.message_id, FINAL[state], raw, error=body.error or state, state=state)


@router.post("/sms/{channel_name}/inbound", response_model=Stored, status_code=status.HTTP_202_ACCEPTED,
             dependencies=[Gateway], summary="A customer's SMS, posted by the gateway",
             openapi_extra={"requestBody": {"content": {"application/json": {"schema": GatewaySms.model_json_schema(
                 by_alias=True)}}, "required": True}},
             responses={403: {"description": "Unknown channel or wrong X-Helpline-Secret"},
                        422: {"description": "Malformed body (kept, flagged)"}})
async def inbound_sms(channel_name: ChannelName, request: Request, uow: UoW, x_helpline_secret: Secret,
                      container: Annotated[Container, Depends(get_container)]) -> Stored:
    """Stored in the inbox, then it becomes an interaction in the channel's queue (a STOP withdraws the
    sender's marketing consent instead). The same `id` posted again is stored once."""
    raw = await request.body()
    return await run_in_threadpool(_store, uow, container, channel_name, x_helpline_secret, raw, _sms)


@router.post("/sms/{channel_name}/receipts", response_model=Stored, status_code=status.HTTP_202_ACCEPTED,
             dependencies=[Gateway], summary="A delivery receipt, posted by the gateway",
             openapi_extra={"requestBody": {"content": {"application/json": {
                 "schema": GatewayReceipt.model_json_schema()}}, "required": True}},
             responses={403: {"description": "Unknown channel or wrong X-Helpline-Secret"},
                        422: {"description": "Malformed body (kept, flagged)"}})
async def sms_receipt(channel_name: ChannelName, request: Request, uow: UoW, x_helpline_secret: Secret,
                      container: Annotated[Container, Depends(get_container)]) -> Stored:
    """`status` delivered marks the message delivered; failed, undelivered, expired or rejected mark it
    failed; other statuses (accepted, enroute) are acknowledged and not recorded."""
    raw = await request.body()
    return await run_in_threadpool(_store, uow, container, channel_name, x_helpline_secret, raw, _receipt)


@router.post("/notifications/sms", response_model=NotificationView, status_code=status.HTTP_201_CREATED,
             summary="Send an SMS notification to a customer",
             responses={404: {"description": "Unknown customer or case"},
                        422: {"description": "Unknown template, missing parameter, no phone"}})
def notify_sms(body: SmsNotification, uow: UoW, actor: Notifier,
               container: Annotated[Container, Depends(get_container)]) -> NotificationView:
    """Queue a templated SMS in the customer's language. A marketing message without the customer's
    consent is answered with status `suppressed` and never sent."""
    view = notifications.notify(uow, actor, body)
    container.wake_channels()
    return view


@router.get("/notifications/sms/{message_id}", response_model=NotificationView, responses={404: {}},
            summary="An SMS notification's delivery status")
def get_sms(message_id: IdPath, uow: UoW, actor: Notifier) -> NotificationView:
    return notifications.get(uow, message_id)
