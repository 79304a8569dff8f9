"""Web chat over REST: the agent's side of a chat (until the web desk has its own), the visitor's file upload,
and the help-section articles."""

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, HTTPException, Query, Request, Response, UploadFile, status
from starlette.concurrency import run_in_threadpool

from helpline.bootstrap import Container
from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW, get_container, public, require
from helpline.entrypoints.api.routers import chat_socket
from helpline.entrypoints.api.routers.chat_socket import chat_hub
from helpline.services import help_articles
from helpline.services.chat import conversation, files, sessions
from helpline.services.chat.schemas import AgentMessage, ArticleCreate, ArticleView, ChatView, MessageView, UploadView

router = APIRouter(tags=["web chat"])
router.include_router(chat_socket.router)  # the visitor's WebSocket, /chat/ws
Handler = Annotated[Actor, Depends(require(P.HANDLE_INTERACTIONS))]


def _notify(request: Request, session_id: int) -> None:
    chat_hub(request.app.state.container, request.app.state).notify(session_id)


@router.get("/chats/{interaction_id}/messages", response_model=ChatView, summary="Read a chat")
def read_chat(interaction_id: int, uow: UoW, actor: Handler,
              after_seq: Annotated[int, Query(ge=0, description="Only messages after this number")] = 0) -> ChatView:
    """The chat of a chat interaction assigned to you (supervisors: of your sites), with the visitor's details,
    whether they are typing, and the messages after `after_seq`."""
    return conversation.view(uow, actor, interaction_id, after_seq)


@router.post("/chats/{interaction_id}/messages", response_model=MessageView, status_code=201,
             summary="Send a message to the visitor")
def send_message(interaction_id: int, body: AgentMessage, uow: UoW, actor: Handler, request: Request) -> MessageView:
    """Needs the interaction answered. The same `client_msg_id` twice is stored once."""
    session, message = conversation.agent_message(uow, actor, interaction_id, body.text, body.client_msg_id)
    _notify(request, session.id)
    return message


@router.post("/chats/{interaction_id}/typing", status_code=204, summary="Show the visitor that you are typing")
def agent_typing(interaction_id: int, uow: UoW, actor: Handler, request: Request) -> Response:
    session = conversation.agent_typing(uow, actor, interaction_id)
    _notify(request, session.id)
    return Response(status_code=204)


@router.post("/chats/{interaction_id}/end", response_model=ChatView, summary="End the chat")
def end_chat(interaction_id: int, uow: UoW, actor: Handler, request: Request) -> ChatView:
    """The interaction goes to wrap-up (complete it with a wrap-up code as usual); the visitor sees the end."""
    session = conversation.end_by_agent(uow, actor, interaction_id)
    _notify(request, session.id)
    return conversation.view(uow, actor, interaction_id)


@router.post("/chat/files", response_model=UploadView, status_code=201, summary="Send a file in a chat",
             dependencies=[Depends(public("the visitor's chat token is the credential"))],
             responses={413: {"description": "Larger than the channel allows"},
                        403: {"description": "The page's origin may not use this channel"}})
async def upload_file(request: Request, response: Response, container: Annotated[Container, Depends(get_container)],
                      channel: Annotated[str, Form(max_length=100)], token: Annotated[str, Form(max_length=100)],
                      client_msg_id: Annotated[str, Form(min_length=1, max_length=100)],
                      file: Annotated[UploadFile, File()]) -> UploadView:
    """Multipart: `channel`, `token` (from the chat's welcome frame), `client_msg_id` (the widget's id: a
    resend is stored once) and `file`. Checked: size and type (read from the content); then stored and
    announced in the chat."""
    origin = request.headers.get("origin")
    chat = await run_in_threadpool(_channel, container, channel)
    if origin is not None and not chat.origin_allowed(origin):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this site may not use the chat channel")
    if origin is not None:
        response.headers["Access-Control-Allow-Origin"] = origin
    limit = files.size_limit(chat, container.settings.attachment_max_bytes)
    data = await file.read(limit + 1)  # never more than one byte past the limit in memory
    if len(data) > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, f"the file is larger than {limit} bytes")

    def store() -> UploadView:
        with container.uow() as uow:
            session = sessions.by_token(uow, token, chat.name)
            view = files.upload(uow, chat, session, file.filename or "file", data, client_msg_id,
                                container.settings.attachment_max_bytes)
            _notify(request, session.id)
            return view
    return await run_in_threadpool(store)


def _channel(container: Container, name: str) -> sessions.Channel:
    with container.uow() as uow:
        return sessions.channel(uow, name)


@router.get("/help-articles", response_model=list[ArticleView], summary="List help articles")
def list_articles(uow: UoW, _actor: Annotated[Actor, Depends(require(P.READ_REFERENCE))],
                  language: Annotated[str | None, Query(max_length=8)] = None) -> list[ArticleView]:
    return help_articles.list_articles(uow, language)


@router.post("/help-articles", response_model=ArticleView, status_code=201, summary="Add a help article")
def create_article(body: ArticleCreate, uow: UoW,
                   _actor: Annotated[Actor, Depends(require(P.MANAGE_REFERENCE))]) -> ArticleView:
    """Public articles are suggested to chat visitors whose question shares terms with them."""
    return help_articles.create(uow, body)
