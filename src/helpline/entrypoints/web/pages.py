"""The read pages: queues, one queue's waiting line, an interaction, a case. Each view checks the session's
user, calls the same services as the API, and renders."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW
from helpline.entrypoints.web.errors import WebRoute
from helpline.entrypoints.web.identity import WebUser, page_user
from helpline.entrypoints.web.rendering import get_pages
from helpline.services import case_history, cases, directory, queries, queue_board
from helpline.services.channels import health

router = APIRouter(route_class=WebRoute, include_in_schema=False)
# Ids beyond the columns' range are simply not there (and must not reach the database as errors).
SmallId = Annotated[int, Path(ge=1, le=2**31 - 1)]
BigId = Annotated[int, Path(ge=1, le=2**63 - 1)]
QueueReader = Annotated[WebUser, Depends(page_user(P.READ_QUEUES))]
InteractionReader = Annotated[WebUser, Depends(page_user(P.READ_INTERACTIONS))]
CaseReader = Annotated[WebUser, Depends(page_user(P.READ_CASES))]


@router.get("/")
def home(request: Request, uow: UoW, user: QueueReader) -> Response:
    summaries = queue_board.queue_summaries(uow, user.actor)
    channels = health.statuses(uow) if user.actor.can(P.READ_CHANNELS) else None
    return get_pages(request).render(request, "home.html", queues=summaries, channels=channels, now=uow.now(),
                                     live=True)


@router.get("/queues/{queue_id}")
def queue_page(request: Request, queue_id: SmallId, uow: UoW, user: QueueReader) -> Response:
    queue = queries.visible_queue(uow, user.actor, queue_id)
    waiting = queries.waiting_in_queue(uow, user.actor, queue_id)
    names = directory.names(uow, customer_ids=[w.customer_id for w in waiting], site_ids=[queue.site_id])
    return get_pages(request).render(request, "queue.html", queue=queue, waiting=waiting, names=names, now=uow.now())


@router.get("/interactions/{interaction_id}")
def interaction_page(request: Request, interaction_id: BigId, uow: UoW, user: InteractionReader) -> Response:
    interaction = queries.get_interaction(uow, user.actor, interaction_id)
    events = queries.interaction_events(uow, user.actor, interaction_id)
    names = directory.names(uow, agent_ids=[interaction.agent_id, *(e.agent_id for e in events)],
                            queue_ids=[interaction.queue_id, *(e.queue_id for e in events)],
                            customer_ids=[interaction.customer_id])
    return get_pages(request).render(request, "interaction.html", interaction=interaction, events=events, names=names)


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: SmallId, uow: UoW, user: CaseReader) -> Response:
    case = cases.get_case(uow, user.actor, case_id)  # audits reads of health data
    interactions = cases.case_interactions(uow, user.actor, case_id)
    events = case_history.case_events(uow, user.actor, case_id)
    names = directory.names(uow, agent_ids=[case.assigned_agent_id, *(i.agent_id for i in interactions),
                                            *(e.agent_id for e in events)],
                            queue_ids=[*(i.queue_id for i in interactions), *(e.queue_id for e in events)],
                            customer_ids=[case.customer_id], site_ids=[case.site_id])
    return get_pages(request).render(request, "case.html", case=case, interactions=interactions, events=events,
                                     names=names)
