"""The KPI engine's input frames read from the database: the reported events of a period (measures taken
out of the JSON payload by the database) and the small reference frames of queues and agents."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpline.adapters.db.models import Agent, Case, Client, Event, Interaction, Queue, Site
from helpline.kpi.engine import EVENT_TYPE, REPORTED_TYPES

# An interaction is counted in the interval it entered its queue, so the events of a period may come that
# much later: waits longer than this (e-mail over a week) are not found at the period's end.
LONGEST_WAIT = timedelta(days=7)

EVENT_SCHEMA = {
    "type": EVENT_TYPE, "occurred_at": pl.Datetime("us", "UTC"), "interaction_id": pl.Int64, "queue_id": pl.Int64,
    "agent_id": pl.Int64, "wait_s": pl.Float64, "talk_s": pl.Float64, "hold_s": pl.Float64, "wrap_s": pl.Float64,
    "score": pl.Int64, "nps": pl.Int64}


def load_events(session: Session, start: datetime, end: datetime, *, queue_ids: Collection[int] | None = None,
                with_direction: bool = False, with_case_type: bool = False) -> pl.DataFrame:
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
                        Event.occurred_at < end + LONGEST_WAIT)
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
