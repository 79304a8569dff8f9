"""Asterisk queue_log lines (`unix_ts|callid|queue|agent|EVENT|data1|data2|…`) → typed records. Pure: no
database. A line that cannot be used is reported to `Problems` with its reason, never raised."""

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from helpline.adapters.importers.report import Problems

CALL_EVENTS = frozenset({
    "ENTERQUEUE", "CONNECT", "COMPLETECALLER", "COMPLETEAGENT", "ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY",
    "EXITWITHKEY", "WITHDRAW", "RINGNOANSWER", "BLINDTRANSFER", "ATTENDEDTRANSFER"})
AGENT_EVENTS = frozenset({
    "AGENTLOGIN", "AGENTLOGOFF", "ADDMEMBER", "REMOVEMEMBER", "PAUSE", "UNPAUSE", "PAUSEALL", "UNPAUSEALL"})
# Known lines that say nothing about a call or an agent's presence.
NO_EFFECT = frozenset({"QUEUESTART", "CONFIGRELOAD", "SYSCOMPAT", "INFO", "DID", "AGENTDUMP",
                       "AGENTCALLBACKLOGIN", "AGENTCALLBACKLOGOFF", "RINGCANCELED", "TRANSFER"})
NOT_A_CALL = frozenset({"NONE", "MANAGER", "CLI", "REALTIME", ""})
NOBODY = frozenset({"NONE", ""})
# data fields a call event cannot do without (older Asterisk versions omit the ones after them)
REQUIRED = {"CONNECT": 1, "COMPLETECALLER": 2, "COMPLETEAGENT": 2, "ABANDON": 3, "EXITWITHTIMEOUT": 1,
            "EXITEMPTY": 1, "EXITWITHKEY": 1, "RINGNOANSWER": 1, "BLINDTRANSFER": 3, "ATTENDEDTRANSFER": 3}


@dataclass(frozen=True)
class QueueLogLine:
    line_no: int
    ms: int  # milliseconds since the epoch, UTC
    callid: str
    queue: str
    agent: str
    event: str
    text: str  # the line as read (stripped): two lines are the same line when their text is
    wait_s: int | None = None  # CONNECT / COMPLETE* / transfers: holdtime; ABANDON / EXIT*: waittime
    talk_s: int | None = None  # COMPLETE* / transfers: calltime
    ring_ms: int | None = None  # CONNECT: ringtime (given in s); RINGNOANSWER: ring time (given in ms)
    detail: str | None = None  # ENTERQUEUE: caller id; EXITWITHKEY: key; PAUSE: reason; transfers: target

    @property
    def is_call(self) -> bool:
        return self.event in CALL_EVENTS


def parse(lines: Iterable[str], tz: ZoneInfo, problems: Problems, first_line_no: int = 1) -> list[QueueLogLine]:
    """The usable lines, in file order. A live tail hands over the lines read since its last pass, numbered
    from where it is in the file."""
    out: list[QueueLogLine] = []
    for line_no, raw in enumerate(lines, start=first_line_no):
        record = parse_line(line_no, raw, tz, problems)
        if record is not None:
            out.append(record)
    return out


def parse_line(line_no: int, raw: str, tz: ZoneInfo, problems: Problems) -> QueueLogLine | None:
    text = raw.strip().lstrip("\ufeff")
    if not text:
        problems.add("empty line", line_no)
        return None
    fields = text.split("|")
    if len(fields) < 5 or not fields[4].strip():
        problems.add("truncated line (fewer than 5 fields)", line_no)
        return None
    ms = _timestamp(fields[0], tz)
    if ms is None:
        problems.add("bad timestamp", line_no)
        return None
    callid, queue, agent, event = (f.strip() for f in fields[1:5])
    data = [f.strip() for f in fields[5:]]
    base = QueueLogLine(line_no, ms, callid, queue, agent, event, text)
    if event in NO_EFFECT:
        problems.add(f"no effect: {event}", line_no)
        return None
    if event in AGENT_EVENTS:
        if agent in NOBODY:
            problems.add("agent event without an agent", line_no)
            return None
        reason = data[0] if data and event in ("PAUSE", "PAUSEALL") else None
        return _with(base, detail=reason or None)
    if event not in CALL_EVENTS:
        problems.add(f"unknown event {event[:40]}", line_no)
        return None
    if callid in NOT_A_CALL:
        problems.add("call event without a call id", line_no)
        return None
    if queue in NOBODY:
        problems.add("call event without a queue", line_no)
        return None
    if event in ("CONNECT", "COMPLETECALLER", "COMPLETEAGENT", "RINGNOANSWER", "BLINDTRANSFER",
                 "ATTENDEDTRANSFER") and agent in NOBODY:
        problems.add(f"{event} without an agent", line_no)
        return None
    while data and not data[-1] and len(data) > REQUIRED.get(event, 0):
        data.pop()  # trailing empty fields (realtime exports pad data1..data5)
    if len(data) < REQUIRED.get(event, 0) or any(not d for d in data[:REQUIRED.get(event, 0)]):
        problems.add(f"truncated {event}", line_no)
        return None
    record = _call_fields(base, data)
    if record is None:
        problems.add(f"malformed {event}", line_no)
    return record


def _call_fields(base: QueueLogLine, data: list[str]) -> QueueLogLine | None:
    event = base.event
    if event == "ENTERQUEUE":
        return _with(base, detail=(data[1] if len(data) > 1 else "") or None)
    if event == "CONNECT":
        hold, ring = _int(data[0]), _int(data[2]) if len(data) > 2 else 0
        return None if hold is None or ring is None else _with(base, wait_s=hold, ring_ms=ring * 1000)
    if event in ("COMPLETECALLER", "COMPLETEAGENT"):
        hold, talk = _int(data[0]), _int(data[1])
        return None if hold is None or talk is None else _with(base, wait_s=hold, talk_s=talk)
    if event in ("ABANDON", "EXITEMPTY", "EXITWITHTIMEOUT"):
        wait = _int(data[2]) if len(data) > 2 else None  # position|origposition|waittime
        return None if len(data) > 2 and wait is None else _with(base, wait_s=wait)
    if event == "EXITWITHKEY":
        wait = _int(data[3]) if len(data) > 3 else None  # key|position|origposition|waittime
        return None if len(data) > 3 and wait is None else _with(base, detail=data[0], wait_s=wait)
    if event == "WITHDRAW":
        wait = _int(data[2]) if len(data) > 2 else None
        return _with(base, wait_s=wait)
    if event == "RINGNOANSWER":
        ring = _int(data[0])  # milliseconds, unlike every other duration in the file
        return None if ring is None else _with(base, ring_ms=ring)
    return _transfer(base, data)


def _transfer(base: QueueLogLine, data: list[str]) -> QueueLogLine | None:
    """BLINDTRANSFER exten|context|holdtime|calltime|origposition; ATTENDEDTRANSFER BRIDGE|id|…,
    APP|app|…, LINK|chan1|chan2|… : a variable target, so the numbers are read from the right."""
    numbers = 0
    while numbers < min(3, len(data) - 1) and _int(data[-1 - numbers]) is not None:
        numbers += 1
    if numbers < 2:
        return None
    hold, talk = (_int(data[-numbers]), _int(data[-numbers + 1]))
    target = "|".join(d for d in data[:-numbers] if d)
    if base.event == "BLINDTRANSFER" and len(data) - numbers == 2:
        target = f"{data[0]}@{data[1]}" if data[1] else data[0]
    return _with(base, wait_s=hold, talk_s=talk, detail=target or None)


def _with(base: QueueLogLine, **fields: object) -> QueueLogLine:
    return replace(base, **fields)  # type: ignore[arg-type]


def _int(text: str) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    return value if value >= 0 else None


def _timestamp(text: str, tz: ZoneInfo) -> int | None:
    """Unix seconds (the file format), or a date-time text (realtime exports) read in `tz` unless it has an
    offset of its own."""
    text = text.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return round(seconds * 1000) if math.isfinite(seconds) and 0 <= seconds < 1e11 else None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return round(moment.timestamp() * 1000)


def in_time_order(lines: list[QueueLogLine]) -> tuple[list[QueueLogLine], int]:
    """Sorted by time, keeping file order within one instant (Python's sort is stable); and how many lines
    were out of order (earlier than a line before them)."""
    late, latest = 0, -(2**62)
    for line in lines:
        if line.ms < latest:
            late += 1
        latest = max(latest, line.ms)
    return sorted(lines, key=lambda line: line.ms), late
