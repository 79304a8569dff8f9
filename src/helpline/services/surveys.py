"""Satisfaction surveys: sending one after an interaction or a resolved case (SMS link, e-mail link, a question
in the chat, or a survey_callback call task), the customer's answer by the link's token (or the agent's record
of the call-back), the review every score below 4 opens (Pulse's rule), call-back campaigns and their figures.

An answer is also the event `survey_answered` (data: score, nps, survey_id, channel), from which the KPI
engine computes CSAT, CSI and NPS (docs/metrics.md). The answer link's token is random; only its SHA-256
digest is stored, so the link is shown once, when the survey is sent.
"""

import hashlib
import logging
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, exists, func, literal, or_, select, true

from helpline.adapters.db.models import (
    Agent,
    CallTask,
    Case,
    ChatSession,
    Client,
    Customer,
    Interaction,
    OutboundMessage,
    Queue,
    Survey,
    User,
    UserSite,
)
from helpline.adapters.db.models_surveys import SurveyCampaign, SurveyReview, SurveyReviewEntry
from helpline.config import BASE_URL_ENV, Settings
from helpline.domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import CaseStatus, EventType, Role
from helpline.services import call_tasks, event_log, scope
from helpline.services.call_task_schemas import AttemptResult, CreateCallTask, RecordAttempt, TaskKind
from helpline.services.channels import outbox
from helpline.services.chat import conversation
from helpline.services.survey_schemas import (
    AnswerSurvey,
    CallbackAnswer,
    CampaignReport,
    CampaignSource,
    CampaignView,
    CloseReview,
    CreateCampaign,
    Figures,
    PublicSurvey,
    ReviewDetail,
    ReviewEntryView,
    ReviewNote,
    ReviewResult,
    ReviewView,
    SendSurvey,
    SentSurvey,
    SurveyChannel,
    SurveyView,
)
from helpline.services.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

LOW_SCORE = 4  # a score below this opens a review (Pulse's rule)
# where the web pages are served (https://helpline.insurer.ru), as `helpline complaints warn` reads it: the answer
# link of a survey sent without a request to take the address from (the one a resolve sends) starts with it
LANGUAGES = ("ru", "en")  # the answer page's languages; others read it in Russian
OPEN, DONE = "open", "done"
SMS_TEMPLATE, EMAIL_TEMPLATE = "sms_survey_link", "survey_link"
CHAT_QUESTION = {
    "ru": "Пожалуйста, оцените нашу работу от 1 до 5: {link}",
    "en": "Please rate our service from 1 to 5: {link}",
}


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- sending --------------------------------------------------------------------------------------


def send(uow: UnitOfWork, actor: Actor, cmd: SendSurvey, base_url: str) -> SentSurvey:
    """Send one survey (commits). One survey per interaction, and per case when sent about a case."""
    survey, token = _new_survey(uow, actor, cmd.channel, cmd.ask_nps, cmd.expires_in_days,
                                interaction_id=cmd.interaction_id, case_id=cmd.case_id)
    link = _deliver(uow, actor, survey, token, base_url)
    uow.commit()
    return SentSurvey.model_validate({**SurveyView.model_validate(survey).model_dump(), "link": link})


def send_after_resolve(uow: UnitOfWork, actor: Actor, case_id: int) -> Survey | None:
    """The survey a client sends when one of its cases is resolved (`clients.survey_after_resolve`: sms, email,
    or auto: SMS when the customer has a phone, else e-mail), about the case, to its customer: the survey of
    `send` with the case's last agent, the customer's language, no NPS question and a 14-day link.

    Called after the resolve is committed, in a transaction of its own (commits): once per case (none when the
    case already has a survey, e.g. resolved again after a reopen), none when the setting is off, the case has no
    customer, the customer no phone or address for the channel (or refused service messages on it), or
    HELPLINE_BASE_URL is not set (the link would lead nowhere); any failure is logged and sends none. The resolve
    stands whatever happens here."""
    try:
        survey = _after_resolve(uow, actor, case_id)
        if survey is not None:
            uow.commit()
        return survey
    except DomainError as refused:  # no contact after all, a survey sent meanwhile
        uow.session.rollback()
        log.warning("no survey after resolving case %s: %s", case_id, refused)
    except Exception:  # the resolve is committed: whatever fails here must not undo or refuse it
        uow.session.rollback()
        log.exception("no survey after resolving case %s", case_id)
    return None


def _after_resolve(uow: UnitOfWork, actor: Actor, case_id: int) -> Survey | None:
    case = uow.session.get(Case, case_id)
    client = uow.session.get(Client, case.client_id) if case is not None else None
    if case is None or client is None or not client.survey_after_resolve:
        return None
    if uow.session.scalar(select(Survey.id).where(Survey.case_id == case_id).limit(1)) is not None:
        return None  # once per case: resolved again after a reopen, or surveyed by hand or by a campaign
    customer = uow.session.get(Customer, case.customer_id) if case.customer_id is not None else None
    channel = _resolve_channel(uow, client.survey_after_resolve, customer)
    if channel is None:
        log.info("no survey after resolving case %s: the customer has no usable %s contact", case_id,
                 client.survey_after_resolve)
        return None
    base_url = Settings().base_url.strip()
    if not base_url:
        log.warning("no survey after resolving case %s: set %s to the web pages' address for the answer link",
                    case_id, BASE_URL_ENV)
        return None
    survey, token = _new_survey(uow, actor, channel, False, 14, interaction_id=None, case_id=case_id)
    _deliver(uow, actor, survey, token, base_url)
    return survey


def _resolve_channel(uow: UnitOfWork, setting: str, customer: Customer | None) -> SurveyChannel | None:
    """The channel of the client's setting the customer can be reached on for a service message: a phone for
    SMS, an address for e-mail, neither refused by the customer; `auto` tries SMS, then e-mail."""
    by_setting = {"sms": (SurveyChannel.SMS,), "email": (SurveyChannel.EMAIL,),
                  "auto": (SurveyChannel.SMS, SurveyChannel.EMAIL)}
    wanted = by_setting.get(setting, ())
    if customer is None:
        return None
    for channel in wanted:
        reachable = customer.phones if channel == SurveyChannel.SMS else customer.emails
        if reachable and outbox.consent_refusal(uow, customer.id, channel.value, outbox.SERVICE) is None:
            return channel
    return None


def _new_survey(uow: UnitOfWork, actor: Actor, channel: SurveyChannel, ask_nps: bool, expires_in_days: int, *,
                interaction_id: int | None, case_id: int | None, campaign_id: int | None = None
                ) -> tuple[Survey, str]:
    interaction = None
    if interaction_id is not None:
        interaction = uow.session.scalar(select(Interaction).where(
            Interaction.id == interaction_id, scope.interaction_filter(uow, actor)))
        if interaction is None:
            raise NotFound("interaction", interaction_id)
        if interaction.answered_at is None:
            raise InvalidInput("the interaction was never answered: there is nothing to rate")
        if case_id is not None and interaction.case_id != case_id:
            raise InvalidInput(f"interaction {interaction_id} belongs to another case")
        case_id = interaction.case_id if case_id is None else case_id
        already = select(Survey.id).where(Survey.interaction_id == interaction_id)
    else:
        already = select(Survey.id).where(Survey.case_id == case_id, Survey.interaction_id.is_(None))
    case = None
    if case_id is not None:
        case = uow.session.scalar(select(Case).where(Case.id == case_id, scope.case_filter(uow, actor))
                                  ) if interaction is None else uow.session.get(Case, case_id)
        if case is None:
            raise NotFound("case", case_id)
    if uow.session.scalar(already) is not None:
        raise Conflict("a survey has already been sent about this " + ("interaction" if interaction else "case"))
    agent_id = interaction.agent_id if interaction else _last_agent(uow, case_id)
    customer_id = interaction.customer_id if interaction and interaction.customer_id else (
        case.customer_id if case else None)
    customer = uow.session.get(Customer, customer_id) if customer_id is not None else None
    language = (customer.language if customer else None) or (interaction.language if interaction else None) or "ru"
    token = secrets.token_urlsafe(24)
    now = uow.now()
    survey = Survey(client_id=interaction.client_id if interaction else case.client_id,  # type: ignore[union-attr]
                    interaction_id=interaction.id if interaction else None, case_id=case_id,
                    customer_id=customer_id, agent_id=agent_id, queue_id=interaction.queue_id if interaction else None,
                    channel=channel.value, sent_at=now, expires_at=now + timedelta(days=expires_in_days),
                    comment="", token_digest=digest(token), language=language[:2] if language else "ru",
                    ask_nps=ask_nps, campaign_id=campaign_id)
    uow.session.add(survey)
    uow.flush()
    return survey, token


def _last_agent(uow: UnitOfWork, case_id: int | None) -> int | None:
    if case_id is None:
        return None
    return uow.session.scalar(select(Interaction.agent_id).where(
        Interaction.case_id == case_id, Interaction.agent_id.is_not(None)).order_by(
        Interaction.created_at.desc(), Interaction.id.desc()).limit(1))


def _deliver(uow: UnitOfWork, actor: Actor, survey: Survey, token: str, base_url: str) -> str | None:
    """Queue the link by SMS or e-mail, ask in the chat, or plan the call-back (voice: no link)."""
    link = f"{base_url.rstrip('/')}/s/{token}"
    customer = uow.session.get(Customer, survey.customer_id) if survey.customer_id is not None else None
    client = uow.session.get(Client, survey.client_id)
    case_ref = str(survey.case_id or survey.interaction_id or survey.id)
    params = {"insurer": client.name if client else "", "case_ref": case_ref, "survey_url": link}
    if survey.channel == SurveyChannel.SMS:
        if customer is None or not customer.phones:
            raise InvalidInput("the customer has no phone number for the survey")
        outbox.enqueue(uow, outbox.OutboundRequest(
            channel="sms", to_address=customer.phones[0].phone, template=SMS_TEMPLATE, params=params,
            language=survey.language, client_id=survey.client_id, customer_id=customer.id, case_id=survey.case_id,
            interaction_id=survey.interaction_id, idempotency_key=f"survey:{survey.id}"))
    elif survey.channel == SurveyChannel.EMAIL:
        if customer is None or not customer.emails:
            raise InvalidInput("the customer has no e-mail address for the survey")
        outbox.enqueue(uow, outbox.OutboundRequest(
            channel="email", to_address=customer.emails[0].email, template=EMAIL_TEMPLATE,
            params={**params, "customer_name": customer.full_name},
            language=survey.language, client_id=survey.client_id, customer_id=customer.id, case_id=survey.case_id,
            interaction_id=survey.interaction_id, idempotency_key=f"survey:{survey.id}"))
    elif survey.channel == SurveyChannel.CHAT:
        chat = uow.session.scalar(select(ChatSession).where(ChatSession.interaction_id == survey.interaction_id)
                                  ) if survey.interaction_id is not None else None
        if chat is None:
            raise InvalidInput("there is no chat for this interaction to ask in")
        question = CHAT_QUESTION.get(survey.language or "ru", CHAT_QUESTION["ru"])
        uow.flush()
        conversation.system_notice(uow, chat, question.format(link=link), f"survey:{survey.id}")
    else:
        if customer is None or not customer.phones:
            raise InvalidInput("the customer has no phone number for the call-back")
        task = _callback_task(uow, actor, survey, customer.phones[0].phone)
        survey.call_task_id = task.id
        return None
    return link


def _callback_task(uow: UnitOfWork, actor: Actor, survey: Survey, phone: str) -> CallTask:
    planned = call_tasks.new_task(uow, actor, CreateCallTask(  # the same rules as a supervisor's own task
        kind=TaskKind.SURVEY_CALLBACK, phone=phone, client_id=survey.client_id, customer_id=survey.customer_id,
        case_id=survey.case_id, reason=f"Satisfaction survey {survey.id}"
        + (f" about interaction {survey.interaction_id}" if survey.interaction_id else "")))
    uow.session.add(planned)
    uow.flush()
    return planned


# --- answers --------------------------------------------------------------------------------------


def _by_token(uow: UnitOfWork, token: str) -> Survey:
    survey = uow.session.scalar(select(Survey).where(Survey.token_digest == digest(token))) if token else None
    if survey is None:
        raise NotFound("survey", "by token")
    return survey


def _state(uow: UnitOfWork, survey: Survey) -> str:
    if survey.answered_at is not None:
        return "answered"
    if survey.expires_at is not None and survey.expires_at <= uow.now():
        return "expired"
    return "open"


def public_view(uow: UnitOfWork, token: str) -> PublicSurvey:
    survey = _by_token(uow, token)
    client = uow.session.get(Client, survey.client_id)
    return PublicSurvey(state=_state(uow, survey), ask_nps=survey.ask_nps,
                        language=survey.language if survey.language in LANGUAGES else "ru",
                        client_name=client.name if client else "")


def answer(uow: UnitOfWork, token: str, cmd: AnswerSurvey) -> PublicSurvey:
    """The customer's answer by the link (commits). Answered once; an expired link refuses it."""
    survey = _by_token(uow, token)
    state = _state(uow, survey)
    if state != "open":
        raise Conflict(f"the survey is {state}")
    _record(uow, None, survey, cmd)
    uow.commit()
    return public_view(uow, token)


def record_callback(uow: UnitOfWork, actor: Actor, survey_id: int, cmd: CallbackAnswer) -> SurveyView:
    """The agent who took the survey's call-back task records the customer's answer: the attempt is recorded
    as reached (an outbound call interaction), then the answer."""
    survey = uow.session.get(Survey, survey_id)
    task = uow.session.get(CallTask, survey.call_task_id) if survey and survey.call_task_id else None
    if survey is None or task is None or actor.agent_id is None or task.taken_by_agent_id != actor.agent_id:
        raise NotFound("survey", survey_id)
    if survey.answered_at is not None:
        raise Conflict("the survey is answered")
    call_tasks.record_attempt(uow, actor, task.id, RecordAttempt(result=AttemptResult.REACHED, talk_s=cmd.talk_s,
                                                                 notes=f"survey score {cmd.score}"))
    survey = uow.session.get(Survey, survey_id)
    assert survey is not None
    _record(uow, actor, survey, cmd)
    uow.commit()
    return SurveyView.model_validate(survey)


def _record(uow: UnitOfWork, actor: Actor | None, survey: Survey, cmd: AnswerSurvey) -> None:
    if cmd.nps is not None and not survey.ask_nps:
        raise InvalidInput("this survey does not ask the recommendation score")
    now = uow.now()
    survey.answered_at, survey.score, survey.nps, survey.comment = now, cmd.score, cmd.nps, cmd.comment.strip()
    interaction = uow.session.get(Interaction, survey.interaction_id) if survey.interaction_id else None
    event_log.append(uow, EventType.SURVEY_ANSWERED, at=now, actor=actor, interaction=interaction,
                     case_id=survey.case_id, agent_id=survey.agent_id, queue_id=survey.queue_id,
                     score=cmd.score, nps=cmd.nps, survey_id=survey.id, channel=survey.channel)
    if cmd.score < LOW_SCORE:
        _open_review(uow, survey, now)


def _open_review(uow: UnitOfWork, survey: Survey, now: datetime) -> SurveyReview:
    """To the agent's site supervisor when the site has exactly one; otherwise the QA queue (no assignee)."""
    site_id = uow.session.scalar(select(Agent.site_id).where(Agent.id == survey.agent_id)) if survey.agent_id else None
    if site_id is None and survey.queue_id is not None:
        site_id = uow.session.scalar(select(Queue.site_id).where(Queue.id == survey.queue_id))
    supervisors = list(uow.session.scalars(select(User.id).join(UserSite, UserSite.user_id == User.id).where(
        UserSite.site_id == site_id, User.role == Role.SUPERVISOR.value, User.is_active))) if site_id else []
    review = SurveyReview(survey_id=survey.id, client_id=survey.client_id, agent_id=survey.agent_id, site_id=site_id,
                          assigned_user_id=supervisors[0] if len(supervisors) == 1 else None, score=survey.score,
                          status=OPEN, customer_contacted=False, cause="", action="", comment="", created_at=now)
    uow.session.add(review)
    uow.flush()
    uow.session.add(SurveyReviewEntry(review_id=review.id, at=now, user_id=None, kind="opened",
                                      comment=survey.comment, detail={"score": survey.score}))
    return review


# --- reading --------------------------------------------------------------------------------------


def _survey_scope(actor: Actor) -> ColumnElement[bool]:
    """A supervisor sees the surveys of their sites' agents and queues (and those of no agent or queue)."""
    if actor.role != Role.SUPERVISOR:
        return true()
    agents = select(Agent.id).where(Agent.site_id.in_(actor.site_ids))
    queues = select(Queue.id).where(or_(Queue.site_id.in_(actor.site_ids), Queue.site_id.is_(None)))
    return or_(Survey.agent_id.in_(agents), Survey.queue_id.in_(queues),
               and_(Survey.agent_id.is_(None), Survey.queue_id.is_(None)))


def _filters(client_id: int | None, channel: SurveyChannel | None, since: datetime | None, until: datetime | None,
             campaign_id: int | None = None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if client_id is not None:
        where.append(Survey.client_id == client_id)
    if channel is not None:
        where.append(Survey.channel == channel.value)
    if since is not None:
        where.append(Survey.sent_at >= since)
    if until is not None:
        where.append(Survey.sent_at < until)
    if campaign_id is not None:
        where.append(Survey.campaign_id == campaign_id)
    return where


def listing(uow: UnitOfWork, actor: Actor, *, client_id: int | None = None, channel: SurveyChannel | None = None,
            since: datetime | None = None, until: datetime | None = None, answered: bool | None = None,
            max_score: int | None = None, limit: int = 100, offset: int = 0) -> list[SurveyView]:
    query = select(Survey).where(_survey_scope(actor), *_filters(client_id, channel, since, until))
    if answered is not None:
        query = query.where(Survey.answered_at.is_not(None) if answered else Survey.answered_at.is_(None))
    if max_score is not None:
        query = query.where(Survey.score <= max_score)
    rows = uow.session.scalars(query.order_by(Survey.sent_at.desc(), Survey.id.desc()).limit(limit).offset(offset))
    return [SurveyView.model_validate(row) for row in rows]


def get(uow: UnitOfWork, actor: Actor, survey_id: int) -> SurveyView:
    survey = uow.session.scalar(select(Survey).where(Survey.id == survey_id, _survey_scope(actor)))
    if survey is None:
        raise NotFound("survey", survey_id)
    return SurveyView.model_validate(survey)


def figures(uow: UnitOfWork, actor: Actor, *, client_id: int | None = None, channel: SurveyChannel | None = None,
            since: datetime | None = None, until: datetime | None = None, campaign_id: int | None = None) -> Figures:
    where = [_survey_scope(actor), *_filters(client_id, channel, since, until, campaign_id)]
    scored = Survey.score.is_not(None)
    row = uow.session.execute(select(
        func.count(), func.count(Survey.answered_at), func.count(Survey.score), func.avg(Survey.score),
        func.count().filter(Survey.score >= LOW_SCORE), func.count().filter(and_(scored, Survey.score < LOW_SCORE)),
        func.count(Survey.nps), func.count().filter(Survey.nps >= 9), func.count().filter(Survey.nps <= 6),
    ).where(*where)).one()
    sent, answered, scores, mean, satisfied, low, nps_n, promoters, detractors = row
    delivered = uow.session.scalar(select(func.count()).select_from(Survey).where(*where, or_(
        and_(Survey.channel == SurveyChannel.VOICE.value, exists().where(
            CallTask.id == Survey.call_task_id, CallTask.last_result == AttemptResult.REACHED.value)),
        and_(Survey.channel.in_((SurveyChannel.SMS.value, SurveyChannel.EMAIL.value)), exists().where(
            OutboundMessage.idempotency_key == literal("survey:") + cast(Survey.id, String),
            OutboundMessage.status.in_((outbox.SENT, outbox.DELIVERED)))),
        Survey.channel == SurveyChannel.CHAT.value)))
    return Figures(sent=sent, reached=delivered, answered=answered,
                   response_rate=round(answered / sent, 4) if sent else None,
                   csat=round(float(mean), 3) if mean is not None else None,
                   csat_share_4_5=round(satisfied / scores, 4) if scores else None,
                   nps=round((promoters - detractors) / nps_n, 4) if nps_n else None, low_scores=low)


# --- reviews --------------------------------------------------------------------------------------


def _review_scope(actor: Actor) -> ColumnElement[bool]:
    """A supervisor works the reviews of their sites and those assigned to them; QA and admins all."""
    if actor.role == Role.SUPERVISOR:
        return or_(SurveyReview.site_id.in_(actor.site_ids), SurveyReview.assigned_user_id == actor.user_id)
    return true() if actor.role in (Role.QA, Role.ADMIN) else SurveyReview.id.is_(None)


def reviews(uow: UnitOfWork, actor: Actor, *, status: str | None = OPEN, limit: int = 200,
            offset: int = 0) -> list[ReviewView]:
    query = select(SurveyReview).where(_review_scope(actor))
    if status is not None:
        query = query.where(SurveyReview.status == status)
    rows = uow.session.scalars(query.order_by(SurveyReview.created_at.desc(), SurveyReview.id.desc()).limit(
        limit).offset(offset))
    return [ReviewView.model_validate(row) for row in rows]


def _review(uow: UnitOfWork, actor: Actor, review_id: int) -> SurveyReview:
    review = uow.session.scalar(select(SurveyReview).where(SurveyReview.id == review_id, _review_scope(actor)))
    if review is None:
        raise NotFound("survey review", review_id)
    return review


def review(uow: UnitOfWork, actor: Actor, review_id: int) -> ReviewDetail:
    found = _review(uow, actor, review_id)
    survey = uow.session.get(Survey, found.survey_id)
    history = uow.session.scalars(select(SurveyReviewEntry).where(SurveyReviewEntry.review_id == found.id).order_by(
        SurveyReviewEntry.at, SurveyReviewEntry.id))
    return ReviewDetail.model_validate({**ReviewView.model_validate(found).model_dump(),
                                        "survey": SurveyView.model_validate(survey),
                                        "history": [ReviewEntryView.model_validate(e) for e in history]})


def add_note(uow: UnitOfWork, actor: Actor, review_id: int, cmd: ReviewNote) -> ReviewDetail:
    found = _review(uow, actor, review_id)
    uow.session.add(SurveyReviewEntry(review_id=found.id, at=uow.now(), user_id=actor.user_id, kind="note",
                                      comment=cmd.comment, detail={}))
    uow.commit()
    return review(uow, actor, review_id)


def close(uow: UnitOfWork, actor: Actor, review_id: int, cmd: CloseReview) -> ReviewDetail:
    """Record the review's result: whether the customer was contacted, the cause, the action, the result."""
    found = _review(uow, actor, review_id)
    if found.status != OPEN:
        raise Conflict(f"survey review {review_id} is done")
    if actor.agent_id is not None and found.agent_id == actor.agent_id:
        raise Forbidden("nobody reviews their own low score")
    if cmd.result == ReviewResult.NOT_REACHED and cmd.customer_contacted:
        raise InvalidInput("customer_contacted contradicts the result not_reached")
    now = uow.now()
    found.status, found.result, found.customer_contacted = DONE, cmd.result.value, cmd.customer_contacted
    found.cause, found.action, found.comment = cmd.cause, cmd.action, cmd.comment
    found.closed_at, found.closed_by_user_id = now, actor.user_id
    uow.session.add(SurveyReviewEntry(review_id=found.id, at=now, user_id=actor.user_id, kind="done",
                                      comment=cmd.comment, detail={"result": cmd.result.value, "cause": cmd.cause,
                                                                   "action": cmd.action,
                                                                   "customer_contacted": cmd.customer_contacted}))
    uow.commit()
    return review(uow, actor, review_id)


# --- campaigns ------------------------------------------------------------------------------------


def create_campaign(uow: UnitOfWork, actor: Actor, cmd: CreateCampaign, base_url: str) -> CampaignReport:
    """Select the handled interactions (or resolved cases) of the period, client and queue that have no survey
    yet, and send each a survey by the campaign's channel (voice: survey_callback call tasks). A record whose
    customer has no number or address for the channel is skipped and counted (commits)."""
    if uow.session.get(Client, cmd.client_id) is None:
        raise NotFound("client", cmd.client_id)
    if cmd.queue_id is not None and uow.session.scalar(select(Queue.id).where(
            Queue.id == cmd.queue_id, scope.queue_filter(uow, actor))) is None:
        raise NotFound("queue", cmd.queue_id)
    if cmd.channel == SurveyChannel.CHAT:
        raise InvalidInput("a campaign sends by sms, email or voice: the chats have ended")
    now = uow.now()
    campaign = SurveyCampaign(name=cmd.name, client_id=cmd.client_id, queue_id=cmd.queue_id, channel=cmd.channel.value,
                              source=cmd.source.value, period_from=cmd.period_from, period_to=cmd.period_to,
                              ask_nps=cmd.ask_nps, selected=0, skipped=0, created_by_user_id=actor.user_id,
                              created_at=now)
    uow.session.add(campaign)
    uow.flush()
    for interaction_id, case_id in _candidates(uow, actor, cmd):
        try:
            with uow.session.begin_nested():
                survey, token = _new_survey(uow, actor, cmd.channel, cmd.ask_nps, 14, interaction_id=interaction_id,
                                            case_id=case_id, campaign_id=campaign.id)
                _deliver(uow, actor, survey, token, base_url)
        except (InvalidInput, Conflict, NotFound):
            campaign.skipped += 1
        else:
            campaign.selected += 1
    uow.commit()
    return campaign_report(uow, actor, campaign.id)


def _candidates(uow: UnitOfWork, actor: Actor, cmd: CreateCampaign) -> Sequence[tuple[int | None, int | None]]:
    if cmd.source == CampaignSource.INTERACTIONS:
        query = select(Interaction.id, Interaction.case_id).where(
            Interaction.client_id == cmd.client_id, Interaction.answered_at.is_not(None),
            Interaction.ended_at >= cmd.period_from, Interaction.ended_at < cmd.period_to,
            Interaction.customer_id.is_not(None), scope.interaction_filter(uow, actor),
            ~exists().where(Survey.interaction_id == Interaction.id))
        if cmd.queue_id is not None:
            query = query.where(Interaction.queue_id == cmd.queue_id)
        rows = uow.session.execute(query.order_by(Interaction.ended_at, Interaction.id).limit(cmd.limit))
        return [(i, c) for i, c in rows]
    cases = select(Case.id).where(
        Case.client_id == cmd.client_id, Case.status.in_((CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value)),
        Case.resolved_at >= cmd.period_from, Case.resolved_at < cmd.period_to, Case.customer_id.is_not(None),
        scope.case_filter(uow, actor), ~exists().where(Survey.case_id == Case.id))
    if cmd.queue_id is not None:
        cases = cases.where(exists().where(Interaction.case_id == Case.id, Interaction.queue_id == cmd.queue_id))
    return [(None, c) for c in uow.session.scalars(cases.order_by(Case.resolved_at, Case.id).limit(cmd.limit))]


def campaigns(uow: UnitOfWork, actor: Actor, limit: int = 100) -> list[CampaignReport]:
    ids = uow.session.scalars(select(SurveyCampaign.id).order_by(SurveyCampaign.created_at.desc(),
                                                                 SurveyCampaign.id.desc()).limit(limit))
    return [campaign_report(uow, actor, i) for i in ids]


def campaign_report(uow: UnitOfWork, actor: Actor, campaign_id: int) -> CampaignReport:
    campaign = uow.session.get(SurveyCampaign, campaign_id)
    if campaign is None:
        raise NotFound("survey campaign", campaign_id)
    data: dict[str, Any] = CampaignView.model_validate(campaign).model_dump()
    return CampaignReport.model_validate({**data, "figures": figures(uow, actor, campaign_id=campaign_id)})
