"""E-mail: an agent's reply to a case, and attachments that came with customers' messages."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Response

from helpline.bootstrap import Container
from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW, get_container, require
from helpline.services.channels import email_replies
from helpline.services.channels.email_replies import EmailReply, EmailReplyView

router = APIRouter(tags=["e-mail"])
Writer = Annotated[Actor, Depends(require(P.WRITE_CASES))]
Reader = Annotated[Actor, Depends(require(P.READ_INTERACTIONS))]


@router.post("/cases/{case_id}/email-replies", response_model=EmailReplyView, status_code=201,
             summary="Answer a case by e-mail", responses={404: {"description": "No such case in your scope"}})
def post_reply(case_id: int, body: EmailReply, uow: UoW, actor: Writer,
               container: Annotated[Container, Depends(get_container)]) -> EmailReplyView:
    """Queue an e-mail to the customer in their language (template `case_reply`), threaded after the case's
    last inbound e-mail; the outbox sends it."""
    view = email_replies.reply(uow, actor, case_id, body)
    container.wake_channels()
    return view


@router.get("/attachments/{attachment_id}", response_class=Response, summary="Download an attachment",
            responses={200: {"content": {"application/octet-stream": {}}},
                       404: {"description": "No such attachment in your scope"}})
def get_attachment(attachment_id: int, uow: UoW, actor: Reader) -> Response:
    found = email_replies.attachment(uow, actor, attachment_id)
    # always a download, never rendered inline: a customer's file is not trusted content
    disposition = f"attachment; filename*=UTF-8''{quote(found.filename)}"
    return Response(found.content, media_type=found.content_type,
                    headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"})
