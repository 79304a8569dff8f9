"""The KPI engine's input frames read from the database: the reported events of a period (measures taken
out of the JSON payload by the database) and the small reference frames of queues and agents."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from helpline.adapters.db.models import (
    Agent,
    AgentCapacity,
    Case,
    Client,
    Event,
    Interaction,
    NotReadyReason,
    Queue,
    Site,
)
from helpline.kpi.engine import EVENT_TYPE, REPORTED_TYPES

# An interaction is counted in the interval it entered its queue, so the events of a period may come that
# much later: waits longer than this (e-mail over a week) are not found at the period's end.
LONGEST_WAIT = timedelta(days=7)

EVENT_SCHEMA = {
    "type": EVENT_TYPE, "occurred_at": pl.Datetime("us", "UTC"), "interaction_id": pl.Int64, "queue_id": pl.Int64,
    "agent_id": pl.Int64, "wait_s": pl.Float64, "talk_s": pl.Float64, "hold_s": pl.Float64, "wrap_s": pl.Float64,
    "score": pl.Int64, "nps": pl.Int64}


def load_events(session: Session, start: datetime, end: datetime, *, queue_ids: Collection[int] | None = None,
                with_direction: bool = False, with_case_type: bool = False, exact_end: bool = False) -> pl.DataFrame:
    """The reported events from `start` to `end` plus LONGEST_WAIT (just to `end` with `exact_end`)."""
    data = Event.data
    columns = [Event.type, Event.occurred_at, Event.interaction_id, Event.queue_id, Event.agent_id,
               data["wait_s"].as_float(), data["talk_s"].as_float(), data["hold_s"].as_float(),
               data["wrap_s"].as_float(), data["score"].as_integer(), data["nps"].as_integer()]
    schema: dict[str, Any] = dict(EVENT_SCHEMA)
    query = select(*columns)
    if with_direction:
        query = query.add_columns(Interaction.direction).outerjoin(Interaction,
                                                                   Interaction.id == Event.interaction_id)
        schema["direction"] = pl.String
    if with_case_type:
        query = query.add_columns(Case.type).outerjoin(Case, Case.id == Event.case_id)
        schema["case_type"] = pl.String
    query = query.where(Event.type.in_(REPORTED_TYPES), Event.occurred_at >= start,
                        Event.occurred_at < (end if exact_end else end + LONGEST_WAIT))
    if queue_ids is not None:
        query = query.where(Event.queue_id.in_(list(queue_ids)))
    return pl.DataFrame(session.execute(query).all(), schema=schema, orient="row")


def load_queues(session: Session, default_tz: str) -> pl.DataFrame:
    rows = session.execute(
        select(Queue.id, Queue.code, Client.code, Site.name, Queue.channel, Queue.product_line,
               Queue.sl_threshold_s, Site.time_zone)
        .join(Client, Client.id == Queue.client_id).outerjoin(Site, Site.id == Queue.site_id)).all()
    frame = pl.DataFrame(rows, orient="row", schema={
        "queue_id": pl.Int64, "queue": pl.String, "client": pl.String, "site": pl.String, "channel": pl.String,
        "product_line": pl.String, "threshold_s": pl.Float64, "tz": pl.String})
    return frame.with_columns(pl.col("tz").fill_null(default_tz))


def load_agents(session: Session, default_tz: str) -> pl.DataFrame:
    rows = session.execute(select(Agent.id, Agent.display_name, Site.name, Site.time_zone)
                           .join(Site, Site.id == Agent.site_id)).all()
    frame = pl.DataFrame(rows, orient="row", schema={
        "agent_id": pl.Int64, "agent": pl.String, "agent_site": pl.String, "agent_tz": pl.String})
    return frame.with_columns(pl.col("agent_tz").fill_null(default_tz))


# An agent's presence at a period's start is the last presence change before it, looked for this far back.
PRESENCE_LOOKBACK = timedelta(days=1)
AGENT_EVENT_TYPES = ("agent_logged_in", "agent_ready", "agent_not_ready", "agent_logged_out", "answered",
                     "wrap_up_ended")


def load_agent_events(session: Session, start: datetime, end: datetime,
                      site_ids: Collection[int] | None = None) -> pl.DataFrame:
    """Presence changes and work of agents, for `agent_time`: from PRESENCE_LOOKBACK before `start`."""
    query = (select(Event.type, Event.occurred_at, Event.agent_id, Event.interaction_id, Interaction.channel,
                    Event.data["reason"].as_string())
             .outerjoin(Interaction, Interaction.id == Event.interaction_id)
             .where(Event.type.in_(AGENT_EVENT_TYPES), Event.agent_id.is_not(None),
                    Event.occurred_at >= start - PRESENCE_LOOKBACK, Event.occurred_at < end))
    if site_ids is not None:
        query = query.where(Event.agent_id.in_(select(Agent.id).where(Agent.site_id.in_(list(site_ids)))))
    return pl.DataFrame(session.execute(query).all(), orient="row", schema={
        "type": pl.String, "occurred_at": pl.Datetime("us", "UTC"), "agent_id": pl.Int64,
        "interaction_id": pl.Int64, "channel": pl.String, "reason": pl.String})


def load_capacities(session: Session) -> pl.DataFrame:
    rows = session.execute(select(AgentCapacity.agent_id, AgentCapacity.channel, AgentCapacity.capacity)).all()
    return pl.DataFrame(rows, orient="row", schema={"agent_id": pl.Int64, "channel": pl.String,
                                                    "capacity": pl.Int64})


def unpaid_reasons(session: Session) -> frozenset[str]:
    return frozenset(session.scalars(select(NotReadyReason.code).where(NotReadyReason.paid.is_(False))))


CASE_EVENT_TYPES = ("case_opened", "case_status_changed", "answered", "received")


def load_case_frames(session: Session, start: datetime, end: datetime, default_tz: str,
                     site_ids: Collection[int] | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """For `case_rows`: the cases opened in [start, end) with every case of the same customer and topic (a
    repeat contact may come on another case), and all their clock events, however late."""
    opened = select(Case.id).where(Case.created_at >= start, Case.created_at < end)
    if site_ids is not None:
        opened = opened.where(Case.site_id.in_(list(site_ids)))
    pairs = select(Case.customer_id, Case.topic).where(Case.id.in_(opened), Case.customer_id.is_not(None))
    related = select(Case.id).where(Case.id.in_(opened) | tuple_(Case.customer_id, Case.topic).in_(pairs))
    # a case's channel is the one its customer first came by: its first interaction's
    first_channel = (select(Interaction.channel).where(Interaction.case_id == Case.id)
                     .order_by(Interaction.id).limit(1).correlate(Case).scalar_subquery())
    cases = session.execute(
        select(Case.id, Case.customer_id, Case.topic, Case.type, Site.name, Client.code, Case.product_line,
               first_channel, Site.time_zone, Site.holiday_country)
        .join(Client, Client.id == Case.client_id).outerjoin(Site, Site.id == Case.site_id)
        .where(Case.id.in_(related))).all()
    events = session.execute(
        select(Event.type, Event.occurred_at, Event.case_id, Event.interaction_id,
               Event.data["direction"].as_string(), Event.data["to"].as_string())
        .where(Event.case_id.in_(related), Event.type.in_(CASE_EVENT_TYPES))).all()
    case_frame = pl.DataFrame(cases, orient="row", schema={
        "case_id": pl.Int64, "customer_id": pl.Int64, "topic": pl.String, "case_type": pl.String, "site": pl.String,
        "client": pl.String, "product_line": pl.String, "channel": pl.String, "tz": pl.String,
        "holiday_country": pl.String})
    event_frame = pl.DataFrame(events, orient="row", schema={
        "type": pl.String, "occurred_at": pl.Datetime("us", "UTC"), "case_id": pl.Int64,
        "interaction_id": pl.Int64, "direction": pl.String, "status_to": pl.String})
    return case_frame.with_columns(pl.col("tz").fill_null(default_tz)), event_frame
