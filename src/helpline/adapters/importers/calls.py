"""queue_log call lines → interactions and their events, one call id at a time. Pure: the stored calls a
grown file continues are handed in, and queue and agent names arrive already resolved to ids.

Event moments are the lines' own timestamps, and durations are their differences, so that `wait_s` is
always answered (or abandoned) − entered queue as the KPI engine expects. The durations a line carries
(holdtime, calltime, waittime, ringtime) are used only to place what the file does not show: the queue
entry of a call that began before the file did, an answer whose CONNECT line is missing, and the offer
before a RINGNOANSWER."""

from dataclasses import dataclass, field

from helpline.adapters.importers.queue_log import QueueLogLine
from helpline.adapters.importers.records import Call
from helpline.adapters.importers.report import ImportReport
from helpline.adapters.importers.writer import Signature, signature
from helpline.domain.vocabulary import EventType as T
from helpline.domain.vocabulary import ExitReason

KEY_PREFIX = "queue_log:"
LEAVES = {"ABANDON": "abandoned", "EXITWITHTIMEOUT": ExitReason.TIMEOUT.value,
          "EXITEMPTY": ExitReason.QUEUE_EMPTY.value, "EXITWITHKEY": ExitReason.KEY_PRESS.value,
          "WITHDRAW": ExitReason.WITHDRAW.value}
# the event each line writes at its own moment: how a line imported before is recognised
SIGNS = {"ENTERQUEUE": T.ENTERED_QUEUE, "CONNECT": T.ANSWERED, "COMPLETECALLER": T.COMPLETED,
         "COMPLETEAGENT": T.COMPLETED, "ABANDON": T.ABANDONED, "EXITWITHTIMEOUT": T.EXITED, "EXITEMPTY": T.EXITED,
         "EXITWITHKEY": T.EXITED, "WITHDRAW": T.EXITED, "RINGNOANSWER": T.OFFER_NOT_ANSWERED,
         "BLINDTRANSFER": T.TRANSFERRED, "ATTENDEDTRANSFER": T.TRANSFERRED}
REENTERABLE = ("completed", "exited")  # a transfer or a dialplan fail-over can queue the same call again


@dataclass
class Entry:
    call: Call
    stored: set[Signature] = field(default_factory=set)  # events the database already holds
    seen: set[Signature] = field(default_factory=set)  # lines applied in this import


class CallBook:
    def __init__(self, client_id: int, queue_ids: dict[str, int], agent_ids: dict[str, int],
                 stored: dict[str, tuple[Call, set[Signature]]], report: ImportReport) -> None:
        self.client_id, self.queue_ids, self.agent_ids, self.report = client_id, queue_ids, agent_ids, report
        self.entries = {call.external_id: Entry(call, signs) for call, signs in stored.values()}

    @property
    def calls(self) -> list[Call]:
        return [entry.call for entry in self.entries.values()]

    def apply(self, line: QueueLogLine, queue_id: int) -> None:
        agent_id = self.agent_ids.get(line.agent)
        sign = signature(SIGNS[line.event].value, line.ms, agent_id)
        entry = self.entries.get(line.callid)
        if entry is not None and sign in entry.seen:
            self.report.skipped.add("duplicate line", line.line_no)
            return
        if entry is not None and sign in entry.stored:
            self.report.already += 1
            entry.seen.add(sign)
            return
        call = entry.call if entry is not None else None
        if not self._apply(line, call, queue_id, agent_id):
            state = call.state if call is not None else "unknown"
            self.report.skipped.add(f"out of sequence: {line.event} while {state}", line.line_no)
            return
        self.entries[line.callid].seen.add(sign)

    def _apply(self, line: QueueLogLine, call: Call | None, queue_id: int, agent_id: int | None) -> bool:
        event, at = line.event, line.ms
        if event == "ENTERQUEUE":
            if call is None:
                call = self._new(line, at)
            elif call.state not in REENTERABLE:
                return False
            elif call.transfer is not None:
                call.transfer.data["to_queue_id"] = queue_id
                call.transfer = None
            call.enter_queue(at, queue_id)
            return True
        if call is None:  # the call entered its queue before the file began: place the entry by durations
            call = self._new(line, at - round(_since_entry(line) * 1000))
            call.enter_queue(call.received_ms, queue_id)
            self.report.notes["calls begun before the file (queue entry placed by their durations)"] += 1
        if event in LEAVES:
            if call.state != "queued":
                return False
            call.leave(at, LEAVES[event])
            if event == "EXITWITHKEY" and line.detail:
                call.events[-1].data["key"] = line.detail
            return True
        if event == "RINGNOANSWER":
            if call.state != "queued":
                return False
            assert call.queued_ms is not None
            call.add(max(at - (line.ring_ms or 0), call.queued_ms), T.OFFERED, agent_id=agent_id)
            call.add(at, T.OFFER_NOT_ANSWERED, agent_id=agent_id)
            return True
        if event == "CONNECT":
            if call.state != "queued":
                return False
            call.answer(at - (line.ring_ms or 0), at, agent_id)
            return True
        # COMPLETECALLER, COMPLETEAGENT, BLINDTRANSFER, ATTENDEDTRANSFER: the conversation ends
        if call.state == "queued":  # its CONNECT line is missing: answered calltime before
            assert call.queued_ms is not None
            answered = max(at - (line.talk_s or 0) * 1000, call.queued_ms)
            call.answer(answered, answered, agent_id)
            self.report.notes["answers placed by calltime (CONNECT line missing)"] += 1
        if call.state != "connected":
            return False
        if event.endswith("TRANSFER"):
            call.transfer = call.add(at, T.TRANSFERRED, agent_id=call.agent_id, to=line.detail,
                                     kind="blind" if event == "BLINDTRANSFER" else "attended")
            call.complete(at, ended_by="transfer")
        else:
            call.complete(at, ended_by="caller" if event == "COMPLETECALLER" else "agent")
        return True

    def _new(self, line: QueueLogLine, received: int) -> Call:
        call = Call(key=KEY_PREFIX + line.callid, external_id=line.callid, client_id=self.client_id,
                    received_ms=received, from_address=(line.detail or None) if line.event == "ENTERQUEUE" else None)
        call.arrive(received)
        self.entries[line.callid] = Entry(call)
        return call


def _since_entry(line: QueueLogLine) -> float:
    """Seconds from the call's queue entry to this line, by the durations the line carries."""
    if line.event == "RINGNOANSWER":
        return (line.ring_ms or 0) / 1000
    return (line.wait_s or 0) + (line.talk_s or 0)
