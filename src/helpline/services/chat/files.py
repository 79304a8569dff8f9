"""Files sent in the chat, and the transcript by e-mail.

A file's type is read from its bytes (`filetype`), never trusted from the browser; it must be one of the
channel's allowed types and no larger than its `max_file_bytes` (and the server's `attachment_max_bytes`).
It is stored as an attachment of the chat's interaction and announced in the chat as a visitor's message.
"""

import hashlib

import filetype

from helpline.adapters.db.models import Attachment, ChatSession, Interaction
from helpline.domain.errors import InvalidInput
from helpline.services.channels import outbox
from helpline.services.chat import conversation, sessions
from helpline.services.chat.schemas import UploadView
from helpline.services.unit_of_work import UnitOfWork


class FileTooLarge(InvalidInput):
    """The file is over the channel's size limit."""


def size_limit(chat: sessions.Channel, server_limit: int) -> int:
    return min(chat.settings.max_file_bytes, server_limit)


def upload(uow: UnitOfWork, chat: sessions.Channel, session: ChatSession, filename: str, data: bytes,
           client_msg_id: str, server_limit: int) -> UploadView:
    if session.status in (sessions.ENDED, sessions.OFFLINE):
        raise InvalidInput(f"the chat is {session.status}")
    limit = size_limit(chat, server_limit)
    if len(data) > limit:
        raise FileTooLarge(f"the file is larger than {limit} bytes")
    if not data:
        raise InvalidInput("the file is empty")
    kind = filetype.guess(data)
    content_type = kind.mime if kind is not None else "application/octet-stream"
    if content_type not in chat.settings.allowed_file_types:
        raise InvalidInput(f"files of type {content_type} are not accepted here; send "
                           f"{', '.join(chat.settings.allowed_file_types)}")
    interaction = uow.session.get(Interaction, session.interaction_id) if session.interaction_id else None
    attachment = Attachment(interaction_id=session.interaction_id, case_id=interaction.case_id if interaction else None,
                            filename=filename[:255] or "file", content_type=content_type, size=len(data),
                            sha256=hashlib.sha256(data).hexdigest(), content=data, created_at=uow.now())
    uow.session.add(attachment)
    uow.flush()
    message, _new = conversation.post_once(uow, session, conversation.CUSTOMER, f"📎 {attachment.filename}",
                                           client_msg_id, attachment_id=attachment.id)
    return UploadView(seq=message.seq, attachment_id=message.attachment_id or attachment.id,
                      filename=attachment.filename, content_type=content_type, size=len(data))


def request_transcript(uow: UnitOfWork, session: ChatSession, email: str) -> int:
    """Queue the chat so far as an e-mail to the visitor; the same request twice queues it once. Commits."""
    address = email or session.customer_email
    if "@" not in address:
        raise InvalidInput("give an e-mail address for the transcript")
    interaction = uow.session.get(Interaction, session.interaction_id) if session.interaction_id else None
    lines = [{"sender": m.sender, "body": m.body, "at": m.created_at.strftime("%Y-%m-%d %H:%M")}
             for m in sessions.history(uow, session.id)]
    message = outbox.enqueue(uow, outbox.OutboundRequest(
        channel="email", to_address=address, template="chat_transcript", language=session.language,
        params={"customer_name": session.customer_name, "messages": lines, "chat_ref": f"CHAT-{session.id}"},
        client_id=interaction.client_id if interaction else None,
        customer_id=interaction.customer_id if interaction else None,
        case_id=interaction.case_id if interaction else None, interaction_id=session.interaction_id,
        idempotency_key=f"chat-transcript:{session.id}:{session.last_seq}:{address}"))
    session.customer_email = session.customer_email or address
    uow.commit()
    return message.id
