"""Interactions: intake from any channel, reading, and lifecycle actions."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status

from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.domain.vocabulary import InteractionState
from helpline.entrypoints.api.deps import UoW, require
from helpline.entrypoints.api.intake_batcher import IntakeBatcher
from helpline.services import lifecycle, queries
from helpline.services.schemas import (
    ActionCommand,
    AnswerCommand,
    CompleteCommand,
    EventView,
    ExitCommand,
    InteractionView,
    OfferCommand,
    ReceiveInteraction,
    TransferCommand,
)

router = APIRouter(prefix="/interactions", tags=["interactions"])
Handler = Annotated[Actor, Depends(require(P.HANDLE_INTERACTIONS, P.REPORT_INTERACTION_EVENTS))]


@router.post("", response_model=InteractionView, status_code=status.HTTP_201_CREATED,
             responses={200: {"description": "The same idempotency key was seen before: the first interaction"}})
async def receive(body: ReceiveInteraction, request: Request,
                  actor: Annotated[Actor, Depends(require(P.CREATE_INTERACTIONS))],
                  idempotency_key: Annotated[str | None, Header(max_length=200)] = None) -> Response:
    if idempotency_key and not body.idempotency_key:
        body = body.model_copy(update={"idempotency_key": idempotency_key})
    batcher: IntakeBatcher = request.app.state.intake_batcher
    view, created = await batcher.receive(actor, body)
    # The view was validated when the use case built it: serialize it directly (the same JSON FastAPI would
    # write) rather than have FastAPI validate it a second time against response_model.
    return Response(view.model_dump_json(), status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
                    media_type="application/json")


@router.get("", response_model=list[InteractionView])
def list_interactions(uow: UoW, actor: Annotated[Actor, Depends(require(P.READ_INTERACTIONS))],
                      state: InteractionState | None = None, queue_id: int | None = None,
                      agent_id: int | None = None, case_id: int | None = None,
                      limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                      offset: Annotated[int, Query(ge=0)] = 0) -> list[InteractionView]:
    return queries.list_interactions(uow, actor, state=state, queue_id=queue_id, agent_id=agent_id,
                                     case_id=case_id, limit=limit, offset=offset)


@router.get("/{interaction_id}", response_model=InteractionView)
def get_interaction(interaction_id: int, uow: UoW,
                    actor: Annotated[Actor, Depends(require(P.READ_INTERACTIONS, P.CREATE_INTERACTIONS))]
                    ) -> InteractionView:
    return queries.get_interaction(uow, actor, interaction_id)


@router.get("/{interaction_id}/events", response_model=list[EventView])
def interaction_events(interaction_id: int, uow: UoW,
                       actor: Annotated[Actor, Depends(require(P.READ_INTERACTIONS, P.CREATE_INTERACTIONS))]
                       ) -> list[EventView]:
    return queries.interaction_events(uow, actor, interaction_id)


def _action(path: str, use_case: Callable[..., InteractionView], command: type[ActionCommand], summary: str,
            **options: Any) -> None:
    """One POST route per lifecycle action, all with the same shape and authorization rule."""

    def endpoint(interaction_id: int, body: command, uow: UoW, actor: Handler) -> InteractionView:  # type: ignore[valid-type]
        return use_case(uow, actor, interaction_id, body, **options)

    endpoint.__name__ = path.replace("-", "_")
    router.add_api_route(f"/{{interaction_id}}/{path}", endpoint, methods=["POST"], response_model=InteractionView,
                         summary=summary, responses={404: {"description": "No such interaction in your scope"},
                                                     409: {"description": "Not allowed in the current state"}})


_action("offer", lifecycle.offer, OfferCommand, "Offer a queued interaction to an agent (an agent takes it)")
_action("accept", lifecycle.accept, ActionCommand, "Accept the offer: the agent is connected")
_action("reject", lifecycle.reject, ActionCommand, "Decline the offer: back to its place in the queue")
_action("no-answer", lifecycle.reject, ActionCommand, "The offer rang out: back to the queue, agent not ready",
        no_answer=True)
_action("answer", lifecycle.answer, AnswerCommand, "Connect an agent (after an offer, a PBX connect, or outbound)")
_action("hold", lifecycle.hold, ActionCommand, "Put the customer on hold")
_action("resume", lifecycle.resume, ActionCommand, "Take the customer off hold")
_action("transfer", lifecycle.transfer, TransferCommand, "Transfer to another queue or agent")
_action("end", lifecycle.end, ActionCommand, "The conversation ended; wrap-up starts")
_action("complete", lifecycle.complete, CompleteCommand, "Finish with a wrap-up code and notes")
_action("abandon", lifecycle.abandon, ActionCommand, "The customer hung up or left while waiting")
_action("exit", lifecycle.exit_queue, ExitCommand, "Left the queue by timeout, key press, withdrawal or overflow")
