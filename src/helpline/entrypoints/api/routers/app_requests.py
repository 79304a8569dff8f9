"""Mobile-app and web-form intake: the insurer's app backend posts requests (with claim documents); the
customer reads the status back with the token the answer gave."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from helpline.bootstrap import Container
from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW, get_container, public, require
from helpline.services import app_intake
from helpline.services.app_intake import MAX_FILES, AttachmentTooLarge, AttachmentType, Upload
from helpline.services.app_request_schemas import AppRequestAccepted, AppRequestIn, AppRequestStatus

router = APIRouter(prefix="/app", tags=["app intake"])
# Only the app backend (an integration) and admins report what customers send; agents have no business here.
AppBackend = Annotated[Actor, Depends(require(P.REPORT_INTERACTION_EVENTS))]
ContainerDep = Annotated[Container, Depends(get_container)]

_FIELDS = AppRequestIn.model_json_schema()
_MULTIPART = {"type": "object", "required": ["category", "text"], "properties": {
    **_FIELDS["properties"],
    "attachments": {"type": "array", "items": {"type": "string", "format": "binary"},
                    "description": f"Claim documents (PDF, JPEG, PNG, HEIC, WebP, TIFF, GIF), at most {MAX_FILES}"}}}
_BODY: dict[str, Any] = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": _FIELDS}, "multipart/form-data": {"schema": _MULTIPART}}}}


@router.post("/requests", response_model=AppRequestAccepted, status_code=status.HTTP_201_CREATED,
             summary="Submit a request from the app or a web form", openapi_extra=_BODY,
             responses={200: {"description": "The same request again (same idempotency key): the same reference, "
                                             "a new status token"},
                        409: {"description": "The idempotency key was used for a different request"},
                        413: {"description": "An attachment is larger than the limit"},
                        415: {"description": "An attachment's content is not an accepted type, or the body is "
                                             "neither JSON nor multipart"},
                        422: {"description": "A field is missing or wrong: nothing was stored"}})
async def submit(request: Request, response: Response, actor: AppBackend, container: ContainerDep,
                 idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None
                 ) -> AppRequestAccepted:
    """JSON, or multipart/form-data with the same fields and files under `attachments`. The request is stored
    before it is processed; the answer carries its reference and a status token for the customer."""
    fields, uploads = await _read(request, container.settings.attachment_max_bytes)
    if idempotency_key is not None and fields.setdefault("idempotency_key", idempotency_key) != idempotency_key:
        raise HTTPException(422, "the Idempotency-Key header and the idempotency_key field differ")
    try:
        body = AppRequestIn.model_validate(fields)
    except ValidationError as error:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in error.errors(
            include_url=False, include_context=False, include_input=False)]) from None
    try:
        accepted, new = await run_in_threadpool(app_intake.submit, container.uow, actor, body, uploads,
                                                container.settings.attachment_max_bytes)
    except AttachmentTooLarge as error:
        raise HTTPException(413, str(error)) from None
    except AttachmentType as error:
        raise HTTPException(415, str(error)) from None
    if not new:
        response.status_code = status.HTTP_200_OK
    return accepted


async def _read(request: Request, max_bytes: int) -> tuple[dict[str, Any], list[Upload]]:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            document = await request.json()
        except ValueError:
            raise HTTPException(422, "the body is not valid JSON") from None
        if not isinstance(document, dict):
            raise HTTPException(422, "the body must be a JSON object")
        return document, []
    if kind not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise HTTPException(415, "send application/json or multipart/form-data")
    fields: dict[str, Any] = {}
    uploads: list[Upload] = []
    async with request.form(max_files=MAX_FILES + 1, max_fields=50) as form:  # closes the spooled files
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                # one byte past the limit is enough to refuse it, without keeping a huge file whole
                uploads.append(Upload(value.filename or "", await value.read(max_bytes + 1)))
            elif name in fields:
                raise HTTPException(422, f"the field {name} is given twice")
            else:
                fields[name] = value
    return fields, uploads


@router.get("/requests/{reference}", response_model=AppRequestStatus, summary="The customer's status read-back",
            dependencies=[Depends(public("authorised by the request's status token alone"))],
            responses={404: {"description": "No such request, or the token is not its status token"}})
def read_status(reference: str, uow: UoW,
                token: Annotated[str | None, Header(alias="X-Status-Token")] = None) -> AppRequestStatus:
    """For the customer (through the app): received, in the queue, being handled, waiting for your reply,
    resolved, in the request's language, with the case reference and the last update. Never internal notes.
    Send the status token in the `X-Status-Token` header."""
    return app_intake.status(uow, reference, token or "")
