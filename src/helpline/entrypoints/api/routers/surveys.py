"""Satisfaction surveys, review tasks and call-back campaigns."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, status

from helpline.domain.permissions import Actor
from helpline.domain.permissions import Permission as P
from helpline.entrypoints.api.deps import UoW, public, require
from helpline.services import surveys
from helpline.services.survey_schemas import (
    AnswerSurvey,
    CallbackAnswer,
    CampaignReport,
    CloseReview,
    CreateCampaign,
    Figures,
    PublicSurvey,
    ReviewDetail,
    ReviewNote,
    ReviewView,
    SendSurvey,
    SentSurvey,
    SurveyChannel,
    SurveyView,
)

router = APIRouter(prefix="/surveys", tags=["surveys"])
Reader = Annotated[Actor, Depends(require(P.READ_SURVEYS))]
Manager = Annotated[Actor, Depends(require(P.MANAGE_SURVEYS))]
Reviewer = Annotated[Actor, Depends(require(P.REVIEW_SURVEYS))]
Caller = Annotated[Actor, Depends(require(P.WORK_CALL_TASKS))]
Token = Annotated[str, Path(min_length=10, max_length=100)]
TOKEN_BOUND = Depends(public("the survey's answer token is the credential: answered once, until it expires"))


def _base(request: Request) -> str:
    return str(request.base_url)


@router.post("", response_model=SentSurvey, status_code=status.HTTP_201_CREATED,
             summary="Send a survey after an interaction or a case (SMS, e-mail, chat, or a call-back task)")
def send(body: SendSurvey, request: Request, uow: UoW, actor: Manager) -> SentSurvey:
    return surveys.send(uow, actor, body, _base(request))


@router.get("", response_model=list[SurveyView], summary="Surveys and their answers")
def listing(uow: UoW, actor: Reader, client_id: int | None = None, channel: SurveyChannel | None = None,
            since: datetime | None = None, until: datetime | None = None, answered: bool | None = None,
            max_score: Annotated[int | None, Query(ge=1, le=5)] = None,
            limit: Annotated[int, Query(ge=1, le=1000)] = 100,
            offset: Annotated[int, Query(ge=0)] = 0) -> list[SurveyView]:
    return surveys.listing(uow, actor, client_id=client_id, channel=channel, since=since, until=until,
                           answered=answered, max_score=max_score, limit=limit, offset=offset)


@router.get("/figures", response_model=Figures, summary="Sent, answered, response rate, CSI, CSAT, NPS")
def figures(uow: UoW, actor: Reader, client_id: int | None = None, channel: SurveyChannel | None = None,
            since: datetime | None = None, until: datetime | None = None) -> Figures:
    return surveys.figures(uow, actor, client_id=client_id, channel=channel, since=since, until=until)


@router.get("/reviews", response_model=list[ReviewView], summary="Reviews opened by scores below 4")
def reviews(uow: UoW, actor: Reviewer, review_status: Annotated[str | None, Query(
        alias="status", pattern="^(open|done)$")] = "open") -> list[ReviewView]:
    return surveys.reviews(uow, actor, status=review_status)


@router.get("/reviews/{review_id}", response_model=ReviewDetail, summary="A review with its survey and history")
def review(review_id: int, uow: UoW, actor: Reviewer) -> ReviewDetail:
    return surveys.review(uow, actor, review_id)


@router.post("/reviews/{review_id}/notes", response_model=ReviewDetail, summary="Add a note to a review")
def note(review_id: int, body: ReviewNote, uow: UoW, actor: Reviewer) -> ReviewDetail:
    return surveys.add_note(uow, actor, review_id, body)


@router.post("/reviews/{review_id}/close", response_model=ReviewDetail,
             summary="Record the review's result: contact, cause, action, result")
def close(review_id: int, body: CloseReview, uow: UoW, actor: Reviewer) -> ReviewDetail:
    return surveys.close(uow, actor, review_id, body)


@router.post("/campaigns", response_model=CampaignReport, status_code=status.HTTP_201_CREATED,
             summary="Start a survey campaign over a period's interactions or resolved cases")
def create_campaign(body: CreateCampaign, request: Request, uow: UoW, actor: Manager) -> CampaignReport:
    return surveys.create_campaign(uow, actor, body, _base(request))


@router.get("/campaigns", response_model=list[CampaignReport], summary="Campaigns with their figures")
def campaigns(uow: UoW, actor: Reader) -> list[CampaignReport]:
    return surveys.campaigns(uow, actor)


@router.get("/campaigns/{campaign_id}", response_model=CampaignReport, summary="One campaign's figures")
def campaign(campaign_id: int, uow: UoW, actor: Reader) -> CampaignReport:
    return surveys.campaign_report(uow, actor, campaign_id)


@router.get("/answer/{token}", response_model=PublicSurvey, dependencies=[TOKEN_BOUND],
            summary="The survey behind an answer link (no log-in)")
def public_survey(token: Token, uow: UoW) -> PublicSurvey:
    return surveys.public_view(uow, token)


@router.post("/answer/{token}", response_model=PublicSurvey, dependencies=[TOKEN_BOUND],
             summary="The customer's answer by the link (no log-in; once)")
def public_answer(token: Token, body: AnswerSurvey, uow: UoW) -> PublicSurvey:
    return surveys.answer(uow, token, body)


@router.post("/{survey_id}/callback-answer", response_model=SurveyView,
             summary="The agent records the answer given on the survey's call-back")
def callback_answer(survey_id: int, body: CallbackAnswer, uow: UoW, actor: Caller) -> SurveyView:
    return surveys.record_callback(uow, actor, survey_id, body)


@router.get("/{survey_id}", response_model=SurveyView, summary="One survey")
def one(survey_id: int, uow: UoW, actor: Reader) -> SurveyView:
    return surveys.get(uow, actor, survey_id)
