"""The chat's frames (JSON over the WebSocket) and the agent API's requests and views."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from helpline.services.schemas import Command, View

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
ClientMsgId = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
Language = Annotated[str, StringConstraints(max_length=8)]


class Frame(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Hello(Frame):
    """The first frame: a new chat (no token) or a resumed one (its token and the last seq the widget saw)."""

    type: Literal["hello"]
    token: Annotated[str, StringConstraints(max_length=100)] | None = None
    last_seq: int = Field(0, ge=0)
    language: Language | None = None


class Question(Frame):
    type: Literal["question"]
    text: Text


class Answered(Frame):
    """The visitor says an article answered the question (a deflection)."""

    type: Literal["answered"]
    article_id: int


class AskPerson(Frame):
    """Talk to a person: the chat becomes an interaction waiting in the channel's queue."""

    type: Literal["person"]
    name: Name = ""
    email: Email = ""
    phone: Phone = ""
    text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] = ""


class Message(Frame):
    type: Literal["message"]
    client_msg_id: ClientMsgId
    text: Text


class Typing(Frame):
    type: Literal["typing"]


class Transcript(Frame):
    type: Literal["transcript"]
    email: Email = ""


class OfflineForm(Frame):
    """Left outside business hours: becomes an e-mail-like case answered by e-mail."""

    type: Literal["offline"]
    name: Name = ""
    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]
    text: Text


class End(Frame):
    type: Literal["end"]


class Ping(Frame):
    type: Literal["ping"]


ClientFrame = Annotated[Question | Answered | AskPerson | Message | Typing | Transcript | OfflineForm | End | Ping,
                        Field(discriminator="type")]


class MessageView(View):
    seq: int
    sender: str
    body: str
    client_msg_id: str | None
    agent_id: int | None
    attachment_id: int | None
    created_at: datetime


class AgentMessage(Command):
    text: Text
    client_msg_id: ClientMsgId | None = Field(None, description="Your own id: the same id twice is stored once")


class ChatView(BaseModel):
    """A chat as the agent sees it: the visitor's details, typing, and its messages after `after_seq`."""

    interaction_id: int
    status: str
    customer_name: str
    customer_email: str
    customer_phone: str
    language: str
    question: str
    customer_typing: bool
    messages: list[MessageView]


class ArticleCreate(Command):
    language: Annotated[str, StringConstraints(min_length=2, max_length=8)]
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    body: Annotated[str, StringConstraints(min_length=1, max_length=50_000)]
    keywords: Annotated[str, StringConstraints(max_length=2000)] = ""
    public: bool = True


class ArticleView(View):
    id: int
    language: str
    title: str
    body: str
    keywords: str
    public: bool
    updated_at: datetime


class UploadView(BaseModel):
    seq: int
    attachment_id: int
    filename: str
    content_type: str
    size: int
