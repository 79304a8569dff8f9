"""A replication's outcome as the event log: the same event types, columns and data as live operation and
imports write (docs/architecture.md), built column-wise with numpy, then as the KPI engine's Polars frames.

Ids are integers: interaction = its index in the replication, queue = the scenario queue's index + 1,
agent = the scenario agent's index + 1 (the names are in the queue and agent frames).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from helpline.kpi.engine import EVENT_TYPE
from helpline.wfm._loop import Outcome
from helpline.wfm.scenario import Scenario

ALL_TYPES = ("received", "entered_queue", "offered", "answered", "completed", "wrap_up_ended", "abandoned", "exited",
             "agent_logged_in", "agent_ready", "agent_not_ready", "agent_logged_out")
KPI_TYPES = ("entered_queue", "answered", "abandoned", "exited", "wrap_up_ended")
AGENT_TIME_TYPES = ("agent_logged_in", "agent_ready", "agent_not_ready", "agent_logged_out", "answered",
                    "wrap_up_ended")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(start: datetime, seconds: np.ndarray) -> np.ndarray:
    base = (start - _EPOCH) // timedelta(microseconds=1)
    return base + np.rint(seconds * 1e6).astype(np.int64)


def event_frame(o: Outcome, scenario: Scenario, types: tuple[str, ...] = ALL_TYPES,
                ordered: bool = False) -> pl.DataFrame:
    """type, occurred_at, interaction_id, queue_id, agent_id, wait_s, talk_s, hold_s, wrap_s, score, nps,
    reason; `ordered`: in time order (as the log records them) rather than grouped by type."""
    parts: list[dict[str, np.ndarray]] = []
    n = len(o.arrival)
    index = np.arange(n, dtype=np.int64)
    none_i = np.full(n, -1, dtype=np.int64)
    nan = np.full(n, np.nan)

    def part(kind: str, mask: np.ndarray, at: np.ndarray, queue: np.ndarray, agent: np.ndarray = none_i,
             wait: np.ndarray = nan, talk: np.ndarray = nan, wrap: np.ndarray = nan) -> None:
        if kind in types and mask.any():
            parts.append({"kind": np.full(int(mask.sum()), ALL_TYPES.index(kind), dtype=np.int8), "t": at[mask],
                          "interaction_id": index[mask], "queue_id": queue[mask].astype(np.int64) + 1,
                          "agent_id": agent[mask].astype(np.int64) + 1, "wait_s": wait[mask], "talk_s": talk[mask],
                          "hold_s": np.where(np.isnan(talk), np.nan, 0.0)[mask], "wrap_s": wrap[mask]})

    every = np.ones(n, dtype=bool)
    part("received", every, o.arrival, o.start_queue)
    part("entered_queue", every, o.arrival, o.start_queue)
    offered = ~np.isnan(o.offered_at)
    part("offered", offered, o.offered_at, o.queue, o.agent)
    answered = ~np.isnan(o.answered_at)
    part("answered", answered, o.answered_at, o.queue, o.agent, wait=o.answered_at - o.entered)
    part("completed", ~np.isnan(o.completed_at), o.completed_at, o.queue, o.agent)
    part("wrap_up_ended", ~np.isnan(o.wrap_end_at), o.wrap_end_at, o.queue, o.agent,
         talk=o.completed_at - o.answered_at, wrap=o.wrap_end_at - o.completed_at)
    part("abandoned", ~np.isnan(o.abandoned_at), o.abandoned_at, o.queue, wait=o.abandoned_at - o.entered)
    moves = [m for m in o.moves if m[0] in types]
    if moves:
        parts.append({"kind": np.array([ALL_TYPES.index(m[0]) for m in moves], dtype=np.int8),
                      "t": np.array([m[1] for m in moves]), "interaction_id": np.array([m[2] for m in moves]),
                      "queue_id": np.array([m[3] + 1 for m in moves]), "agent_id": np.zeros(len(moves), np.int64),
                      "wait_s": np.array([m[5] for m in moves]), "talk_s": np.full(len(moves), np.nan),
                      "hold_s": np.full(len(moves), np.nan), "wrap_s": np.full(len(moves), np.nan)})
    presence = [p for p in o.presence if p[0] in types]
    if presence:
        parts.append({"kind": np.array([ALL_TYPES.index(p[0]) for p in presence], dtype=np.int8),
                      "t": np.array([p[1] for p in presence]), "interaction_id": np.full(len(presence), -1),
                      "queue_id": np.zeros(len(presence), np.int64),
                      "agent_id": np.array([p[2] + 1 for p in presence], dtype=np.int64),
                      "wait_s": np.full(len(presence), np.nan), "talk_s": np.full(len(presence), np.nan),
                      "hold_s": np.full(len(presence), np.nan), "wrap_s": np.full(len(presence), np.nan)})
    columns = ("kind", "t", "interaction_id", "queue_id", "agent_id", "wait_s", "talk_s", "hold_s", "wrap_s")
    merged = {c: np.concatenate([p[c] for p in parts]) if parts else np.zeros(0) for c in columns}
    tail = [m[6] or None for m in moves] + [p[3] for p in presence]  # the row parts come first
    reasons = [None] * (len(merged["t"]) - len(tail)) + tail
    if ordered and len(merged["t"]):
        order = np.lexsort((merged["kind"], merged["t"]))
        merged = {c: v[order] for c, v in merged.items()}
        reasons = [reasons[i] for i in order.tolist()]
    names = np.array(ALL_TYPES)
    return pl.DataFrame({
        "type": pl.Series(names[merged["kind"].astype(np.int64)] if len(merged["t"]) else [], dtype=pl.String)
        .cast(EVENT_TYPE),
        "occurred_at": pl.Series(_micros(scenario.start, merged["t"])).cast(pl.Datetime("us", "UTC")),
        "interaction_id": pl.Series(merged["interaction_id"], dtype=pl.Int64).replace(-1, None),
        "queue_id": pl.Series(merged["queue_id"], dtype=pl.Int64).replace(0, None),
        "agent_id": pl.Series(merged["agent_id"], dtype=pl.Int64).replace(0, None),
        "wait_s": pl.Series(merged["wait_s"], dtype=pl.Float64).fill_nan(None),
        "talk_s": pl.Series(merged["talk_s"], dtype=pl.Float64).fill_nan(None),
        "hold_s": pl.Series(merged["hold_s"], dtype=pl.Float64).fill_nan(None),
        "wrap_s": pl.Series(merged["wrap_s"], dtype=pl.Float64).fill_nan(None),
        "score": pl.Series([None] * len(merged["t"]), dtype=pl.Int64),
        "nps": pl.Series([None] * len(merged["t"]), dtype=pl.Int64),
        "reason": pl.Series(reasons, dtype=pl.String),
    })


def queue_frame(scenario: Scenario) -> pl.DataFrame:
    return pl.DataFrame({
        "queue_id": [i + 1 for i in range(len(scenario.queues))], "queue": [q.code for q in scenario.queues],
        "client": ["simulation"] * len(scenario.queues), "site": [q.site for q in scenario.queues],
        "channel": [q.channel for q in scenario.queues], "product_line": [None] * len(scenario.queues),
        "threshold_s": [q.sl_threshold_s for q in scenario.queues], "tz": [scenario.time_zone] * len(scenario.queues),
    }, schema={"queue_id": pl.Int64, "queue": pl.String, "client": pl.String, "site": pl.String,
               "channel": pl.String, "product_line": pl.String, "threshold_s": pl.Float64, "tz": pl.String})


def agent_frame(scenario: Scenario) -> pl.DataFrame:
    return pl.DataFrame({
        "agent_id": [i + 1 for i in range(len(scenario.agents))], "agent": [a.id for a in scenario.agents],
        "agent_site": [a.site for a in scenario.agents], "agent_tz": [scenario.time_zone] * len(scenario.agents),
    }, schema={"agent_id": pl.Int64, "agent": pl.String, "agent_site": pl.String, "agent_tz": pl.String})


def capacity_frame(scenario: Scenario) -> pl.DataFrame:
    rows = [(i + 1, ch, n) for i, a in enumerate(scenario.agents) for ch, n in a.capacity.items()]
    return pl.DataFrame(rows, orient="row", schema={"agent_id": pl.Int64, "channel": pl.String, "capacity": pl.Int64})


def agent_time_events(events: pl.DataFrame, scenario: Scenario) -> pl.DataFrame:
    """The frame `kpi.agent_time` reads: presence and work of agents, with each interaction's channel."""
    channels = pl.DataFrame({"queue_id": [i + 1 for i in range(len(scenario.queues))],
                             "channel": [q.channel for q in scenario.queues]},
                            schema={"queue_id": pl.Int64, "channel": pl.String})
    rows = events.filter(pl.col("type").is_in(list(AGENT_TIME_TYPES)) & pl.col("agent_id").is_not_null())
    return rows.join(channels, on="queue_id", how="left").select(
        pl.col("type").cast(pl.String), "occurred_at", "agent_id", "interaction_id", "channel", "reason")
