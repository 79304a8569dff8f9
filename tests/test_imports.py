"""Importers (issue 4): history becomes interactions and events in the shape live operation writes.
Runs on SQLite and, with HELPLINE_TEST_DATABASE_URL, on PostgreSQL."""

import csv
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from helpline.adapters.db.models import Agent, Event, ImportedLine, Interaction, Queue
from helpline.adapters.importers.csv_mapping import MappingError, load_mapping
from helpline.adapters.importers.report import ImportRefused
from helpline.entrypoints.cli import app
from helpline.services import imports
from tests.shared_data import shared_data

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
QUEUE_LOG = FIXTURES / "queue_log.txt"
EXAMPLE_MAPPING = Path(__file__).parents[1] / "docs" / "import-csv-example.yaml"
T0 = 1_700_000_000


def at(unix: float) -> datetime:
    return datetime.fromtimestamp(unix, UTC)


def counts(uow) -> tuple[int, int]:
    session = uow.session
    return (session.scalar(select(func.count()).select_from(Interaction)),
            session.scalar(select(func.count()).select_from(Event)))


def events_of(uow, key: str) -> list[tuple[str, datetime, str | None, str | None, dict]]:
    """(type, occurred_at, agent's employee number, queue code, data) of one interaction, in log order."""
    iid = uow.session.scalar(select(Interaction.id).where(Interaction.idempotency_key == key))
    rows = uow.session.execute(
        select(Event.type, Event.occurred_at, Agent.employee_no, Queue.code, Event.data, Event.recorded_at)
        .outerjoin(Agent, Agent.id == Event.agent_id).outerjoin(Queue, Queue.id == Event.queue_id)
        .where(Event.interaction_id == iid).order_by(Event.seq)).all()
    assert all(row.recorded_at == row.occurred_at for row in rows)  # an import records when it happened
    return [(row.type, row.occurred_at, row.employee_no, row.code, row.data) for row in rows]


def interaction(uow, key: str) -> Interaction:
    found = uow.session.scalar(select(Interaction).where(Interaction.idempotency_key == key))
    assert found is not None, key
    return found


# --- queue_log --------------------------------------------------------------------------------------


@pytest.fixture
def imported(container):
    with container.uow() as uow:
        return imports.import_queue_log(uow, QUEUE_LOG, site="Moscow", client="reso")


def test_queue_log_report_counts_every_line(imported):
    r = imported
    assert (r.read, r.interactions, r.continued, r.queues_created, r.agents_created) == (48, 10, 0, 2, 3)
    assert r.skipped.counts == Counter({
        "no effect: QUEUESTART": 1, "truncated line (fewer than 5 fields)": 1, "empty line": 1, "bad timestamp": 1,
        "unknown event FROBNICATE": 1, "malformed CONNECT": 1, "truncated COMPLETECALLER": 1,
        "call event without a call id": 1, "COMPLETECALLER without an agent": 1, "duplicate line": 1,
        "out of sequence: COMPLETECALLER while abandoned": 1})
    assert r.skipped.lines["truncated line (fewer than 5 fields)"] == [39]
    assert r.skipped.lines["duplicate line"] == [46]
    assert r.notes["lines out of time order (sorted by time)"] == 4
    assert r.read == 37 + r.skipped.total  # every line is applied or skipped with a reason


def test_queue_log_answered_call_after_a_ring_no_answer(imported, uow):
    # RINGNOANSWER gives its ring time in milliseconds: 5000 ms before 18 s is an offer at 13 s
    assert events_of(uow, "queue_log:1700000010.1") == [
        ("received", at(T0 + 10), None, None, {"channel": "voice", "direction": "in"}),
        ("entered_queue", at(T0 + 10), None, "support", {}),
        ("offered", at(T0 + 13), "Bob", "support", {}),
        ("offer_not_answered", at(T0 + 18), "Bob", "support", {}),
        ("offered", at(T0 + 22), "Alice", "support", {}),  # CONNECT's ring time: 3 s
        ("answered", at(T0 + 25), "Alice", "support", {"wait_s": 15.0}),
        ("completed", at(T0 + 85), "Alice", "support", {"ended_by": "caller"}),
        ("wrap_up_ended", at(T0 + 85), "Alice", "support", {"talk_s": 60.0, "hold_s": 0.0, "wrap_s": 0.0}),
    ]
    row = interaction(uow, "queue_log:1700000010.1")
    assert (row.state, row.channel, row.direction, row.external_id, row.from_address, row.case_id) == (
        "completed", "voice", "in", "1700000010.1", "+79161234567", None)
    assert (row.queued_at, row.answered_at, row.ended_at, row.completed_at) == (
        at(T0 + 10), at(T0 + 25), at(T0 + 85), at(T0 + 85))
    assert uow.session.get(Agent, row.agent_id).employee_no == "Alice"


def test_queue_log_abandon_and_every_other_exit(imported, uow):
    # the ABANDON line came before its ENTERQUEUE in the file: sorted by time
    assert [e[0::4] for e in events_of(uow, "queue_log:1700000100.2")][-1] == ("abandoned", {"wait_s": 12.0})
    assert interaction(uow, "queue_log:1700000100.2").state == "abandoned"
    for callid, reason, wait, extra in (("1700000200.3", "timeout", 30.0, {}), ("1700000300.4", "queue_empty", 2.0, {}),
                                        ("1700000400.5", "key_press", 7.0, {"key": "5"}),
                                        ("1700000500.6", "withdraw", 9.0, {})):
        last = events_of(uow, f"queue_log:{callid}")[-1]
        assert (last[0], last[3], last[4]) == ("exited", "sales", {"reason": reason, "wait_s": wait, **extra})
        row = interaction(uow, f"queue_log:{callid}")
        assert (row.state, row.exit_reason, row.ended_at) == ("exited", reason, last[1])


def test_queue_log_blind_transfer_completes_the_first_agent_and_requeues(imported, uow):
    events = events_of(uow, "queue_log:1700000600.7")
    sales_id = uow.session.scalar(select(Queue.id).where(Queue.code == "sales"))
    assert [(e[0], e[2], e[3]) for e in events] == [
        ("received", None, None), ("entered_queue", None, "support"), ("offered", "Alice", "support"),
        ("answered", "Alice", "support"), ("transferred", "Alice", "support"), ("completed", "Alice", "support"),
        ("wrap_up_ended", "Alice", "support"), ("entered_queue", None, "sales"), ("offered", "Bob", "sales"),
        ("answered", "Bob", "sales"), ("completed", "Bob", "sales"), ("wrap_up_ended", "Bob", "sales")]
    assert events[4][4] == {"to": "600@from-queue", "kind": "blind", "to_queue_id": sales_id}
    assert events[6][4] == {"talk_s": 60.0, "hold_s": 0.0, "wrap_s": 0.0}
    assert events[9][4] == {"wait_s": 6.0}  # from the new queue entry
    assert events[11][4] == {"talk_s": 30.0, "hold_s": 0.0, "wrap_s": 0.0}
    row = interaction(uow, "queue_log:1700000600.7")
    assert (row.state, row.queue_id, row.queued_at) == ("completed", sales_id, at(T0 + 664))


def test_queue_log_attended_transfer_with_extra_fields(imported, uow):
    events = events_of(uow, "queue_log:1700000800.8")
    transferred = next(e for e in events if e[0] == "transferred")
    assert transferred[4] == {"to": "LINK|SIP/1001-00000001|SIP/1002-00000002", "kind": "attended"}
    assert events[-1][0::4] == ("wrap_up_ended", {"talk_s": 40.0, "hold_s": 0.0, "wrap_s": 0.0})


def test_queue_log_call_begun_before_the_file_and_a_call_still_waiting(imported, uow):
    # only COMPLETECALLER (holdtime 5, calltime 20) is in the file: entry and answer placed by its durations
    events = events_of(uow, "queue_log:1699999965.0")
    assert [(e[0], e[1]) for e in events] == [
        ("received", at(T0 - 35)), ("entered_queue", at(T0 - 35)), ("offered", at(T0 - 30)),
        ("answered", at(T0 - 30)), ("completed", at(T0 - 10)), ("wrap_up_ended", at(T0 - 10))]
    assert events[3][4] == {"wait_s": 5.0} and events[5][4]["talk_s"] == 20.0
    waiting = interaction(uow, "queue_log:1700002000.10")
    assert (waiting.state, waiting.agent_id, waiting.answered_at) == ("queued", None, None)
    assert waiting.routed_elsewhere  # Asterisk routes it: live routing must never offer it too
    assert [e[0] for e in events_of(uow, "queue_log:1700002000.10")][-2:] == ["offered", "offer_not_answered"]


def test_queue_log_presence(imported, uow):
    rows = uow.session.execute(select(Agent.employee_no, Event.type, Event.occurred_at, Event.data)
                               .join(Agent, Agent.id == Event.agent_id)
                               .where(Event.interaction_id.is_(None)).order_by(Event.seq)).all()
    by_agent: dict[str, list[tuple]] = {}
    for name, type_, moment, data in rows:
        by_agent.setdefault(name, []).append((type_, int(moment.timestamp()) - T0, data.get("reason")))
    assert by_agent == {
        # two ADDMEMBER lines, one login; the first REMOVEMEMBER leaves her in "sales"
        "Alice": [("agent_logged_in", 0, None), ("agent_ready", 0, None), ("agent_not_ready", 1100, "paused"),
                  ("agent_logged_out", 1201, None)],
        # PAUSE in two queues at one second: one not-ready
        "Bob": [("agent_logged_in", 1, None), ("agent_ready", 1, None), ("agent_not_ready", 900, "lunch"),
                ("agent_ready", 1000, None)],
        "Carol": [("agent_logged_in", 1300, None), ("agent_ready", 1300, None), ("agent_logged_out", 1400, None)],
    }
    # created queues and agents: voice, on the given site and client; agents stay logged out (history only)
    queue = uow.session.scalar(select(Queue).where(Queue.code == "support"))
    assert (queue.channel, queue.name) == ("voice", "support")
    assert {a.presence for a in uow.session.scalars(select(Agent))} == {"logged_out"}


def test_queue_log_imported_again_adds_nothing(imported, container):
    with container.uow() as uow:
        before = counts(uow)
        ledger = uow.session.scalar(select(func.count()).select_from(ImportedLine))
        again = imports.import_queue_log(uow, QUEUE_LOG, site="Moscow", client="reso")
    with container.uow() as uow:
        assert counts(uow) == before
        assert uow.session.scalar(select(func.count()).select_from(ImportedLine)) == ledger
    assert (again.interactions, again.continued, again.events, again.queues_created, again.agents_created) == (
        0, 0, 0, 0, 0)
    assert again.already == 37 and again.skipped.counts["duplicate line"] == 1


def test_queue_log_grown_file_adds_only_the_new_lines(imported, container, tmp_path):
    grown = tmp_path / "queue_log"
    grown.write_text(QUEUE_LOG.read_text() + (FIXTURES / "queue_log_more.txt").read_text())
    with container.uow() as uow:
        before = counts(uow)
        report = imports.import_queue_log(uow, grown, site="Moscow", client="reso")
    assert (report.interactions, report.continued, report.events, report.already) == (1, 1, 8, 37)
    with container.uow() as uow:
        assert counts(uow) == (before[0] + 1, before[1] + 8)
        # the call that was waiting is now answered and completed; its old events are untouched
        row = interaction(uow, "queue_log:1700002000.10")
        assert (row.state, row.answered_at, row.completed_at, row.version) == (
            "completed", at(T0 + 2020), at(T0 + 2080), 2)
        events = events_of(uow, "queue_log:1700002000.10")
        assert [e[0] for e in events] == ["received", "entered_queue", "offered", "offer_not_answered", "offered",
                                          "answered", "completed", "wrap_up_ended"]
        assert events[5][4] == {"wait_s": 20.0} and events[7][4]["talk_s"] == 60.0
        assert interaction(uow, "queue_log:1700002100.11").state == "queued"
        alice = uow.session.scalar(select(Agent.id).where(Agent.employee_no == "Alice"))
        last = uow.session.execute(select(Event.type).where(Event.agent_id == alice, Event.interaction_id.is_(None))
                                   .order_by(Event.seq.desc()).limit(2)).scalars().all()
        assert last == ["agent_ready", "agent_logged_in"]  # she was logged out: she logs in again
    with container.uow() as uow:
        again = imports.import_queue_log(uow, grown, site="Moscow", client="reso")
    assert (again.interactions, again.continued, again.events) == (0, 0, 0)


def test_queue_log_uses_existing_queues_and_agents(make, container, tmp_path):
    client, site = make.client("reso"), make.site("Moscow")
    queue = make.queue(client=client, site=site, code="support")
    agent = make.agent(site=site)
    log = tmp_path / "queue_log"
    log.write_text(f"{T0}|1.1|support|NONE|ENTERQUEUE||+7|1\n{T0 + 4}|1.1|support|{agent.display_name}|CONNECT|4|x|1\n"
                   f"{T0 + 9}|1.1|support|{agent.employee_no}|COMPLETEAGENT|4|5|1\n")
    with container.uow() as uow:
        report = imports.import_queue_log(uow, log, site="Moscow", client="reso")
        assert (report.queues_created, report.agents_created, report.skipped.total) == (0, 0, 0)
        row = interaction(uow, "queue_log:1.1")
        assert (row.queue_id, row.agent_id, row.client_id) == (queue.id, agent.id, client.id)


def test_queue_log_date_time_stamps_are_read_in_the_given_zone(container, tmp_path):
    log = tmp_path / "queue_log"
    log.write_text("2024-03-01 10:00:00|7.7|support|NONE|ENTERQUEUE||+7|1\n"
                   "2024-03-01 10:00:30|7.7|support|NONE|ABANDON|1|1|30\n")
    with container.uow() as uow:
        imports.import_queue_log(uow, log, tz="Europe/Moscow")
        assert interaction(uow, "queue_log:7.7").queued_at == datetime(2024, 3, 1, 7, 0, tzinfo=UTC)
        with pytest.raises(ImportRefused, match="time zone"):
            imports.import_queue_log(uow, log, tz="Mars/Olympus")


# --- the bank data set --------------------------------------------------------------------------------


def _clock(day: str, text: str) -> datetime:
    h, m, s = (int(x) for x in text.split(":"))
    return datetime(1900 + int(day[:2]), int(day[2:4]), int(day[4:]), tzinfo=ZoneInfo("Asia/Jerusalem")) + \
        timedelta(hours=h, minutes=m, seconds=s)


def test_bank_import_end_to_end_against_an_independent_count(container):
    bank = shared_data("anonymous_bank_february_1999.txt")
    with bank.open() as file:
        rows = list(csv.DictReader(file, delimiter="\t"))
    # BRIEF §4, counted directly: PHANTOM dropped; offered = AGENT or q_start set; HANG without q_start not offered
    kept = [r for r in rows if r["outcome"] != "PHANTOM"]
    queued = [r for r in kept if r["outcome"] == "AGENT" or r["q_start"] != "0:00:00"]
    expected = {"offered": len(queued), "answered": sum(r["outcome"] == "AGENT" for r in kept),
                "abandoned": sum(r["outcome"] == "HANG" and r["q_start"] != "0:00:00" for r in kept),
                "other exits": 0, "not offered": len(kept) - len(queued)}
    assert (len(rows), len(rows) - len(kept)) == (33_344, 278)

    with container.uow() as uow:
        report = imports.import_bank(uow, bank)
    assert report.read == len(rows) and report.skipped.counts == Counter(
        {"PHANTOM (dropped by the import rule)": len(rows) - len(kept)})
    assert report.extra == expected and report.interactions == len(kept)
    assert (report.queues_created, report.agents_created) == (6, len({r["server"] for r in kept} - {"NO_SERVER"}))

    with container.uow() as uow:
        session = uow.session
        by_type = dict(session.execute(select(Event.type, func.count()).group_by(Event.type)).all())
        assert by_type == {"received": len(kept), "entered_queue": expected["offered"],
                           "offered": expected["answered"], "answered": expected["answered"],
                           "completed": expected["answered"], "wrap_up_ended": expected["answered"],
                           "abandoned": expected["abandoned"]}
        assert report.events == sum(by_type.values())
        states = dict(session.execute(select(Interaction.state, func.count()).group_by(Interaction.state)).all())
        assert states == {"completed": expected["answered"], "abandoned": expected["abandoned"],
                          "exited": expected["not offered"]}
        # sums of waits and talk over the whole file, as the KPI engine will read them
        wait_sum = sum(float(e["wait_s"]) for e in session.scalars(select(Event.data).where(Event.type == "answered")))
        assert wait_sum == sum(int(r["q_time"]) for r in kept if r["outcome"] == "AGENT")
        talk_sum = sum(float(e["talk_s"]) for e in session.scalars(
            select(Event.data).where(Event.type == "wrap_up_ended")))
        assert talk_sum == sum(int(r["ser_time"]) for r in kept if r["outcome"] == "AGENT")

        # hand-checked rows (file lines 2, 5 and 6)
        # AA0101 34536: AGENT, never waited (q_start 0:00:00): entered at vru_exit 7:02:56, talk 166 s, DORIT
        first = events_of(uow, "bank:AA0101:34536")
        assert [e[0] for e in first] == ["received", "entered_queue", "offered", "answered", "completed",
                                         "wrap_up_ended"]
        assert first[0][1] == _clock("990201", "7:02:47") and first[1][1] == _clock("990201", "7:02:56")
        assert first[3][2:] == ("DORIT", "bank_ps", {"wait_s": 0.0})
        assert first[5][4] == {"talk_s": 166.0, "hold_s": 0.0, "wrap_s": 0.0}
        # AA0101 34539: HANG after 5 s in queue, priority 2 → abandoned, wait 5, high priority
        hang = events_of(uow, "bank:AA0101:34539")
        assert [(e[0], e[4]) for e in hang[1:]] == [("entered_queue", {"priority": 5}), ("abandoned", {"wait_s": 5.0})]
        assert hang[2][1] == _clock("990201", "8:09:27")
        # AA0101 34540: waited 34 s from 8:19:47, served 104 s by MICHAL
        served = events_of(uow, "bank:AA0101:34540")
        assert served[3][1:] == (_clock("990201", "8:20:21"), "MICHAL", "bank_ps", {"wait_s": 34.0})
        assert served[5][4]["talk_s"] == 104.0
        row = interaction(uow, "bank:AA0101:34540")
        assert (row.priority, row.topic, row.state) == (5, "PS", "completed")
        # a HANG that never reached a queue: received only, exited, no queue
        ivr = next(r for r in kept if r["outcome"] == "HANG" and r["q_start"] == "0:00:00")
        key = f"bank:{ivr['vru+line']}:{ivr['call_id']}"
        assert [e[0] for e in events_of(uow, key)] == ["received"]
        row = interaction(uow, key)
        assert (row.state, row.queue_id, row.exit_reason, row.ended_at) == (
            "exited", None, None, _clock(ivr["date"], ivr["vru_exit"]))

    with container.uow() as uow:
        before = counts(uow)
        again = imports.import_bank(uow, bank)
    with container.uow() as uow:
        assert counts(uow) == before
    assert (again.interactions, again.events, again.already) == (0, 0, len(kept))


def test_bank_broken_rows_are_reported(container, tmp_path):
    header = ("vru+line\tcall_id\tcustomer_id\tpriority\ttype\tdate\tvru_entry\tvru_exit\tvru_time\tq_start\t"
              "q_exit\tq_time\toutcome\tser_start\tser_exit\tser_time\tserver\n")
    data = tmp_path / "bank.txt"
    data.write_text(header +
                    "AA01\t1\t0\t0\tPS\t990201\t23:59:50\t23:59:58\t8\t23:59:58\t0:00:08\t10\tAGENT\t0:00:08\t"
                    "0:01:08\t60\tDORIT\n"  # crosses midnight
                    "AA01\t2\t0\t0\tPS\t990201\t7:00:00\n"
                    "AA01\t3\t0\t0\tPS\t990231\t7:00:00\t7:00:05\t5\t0:00:00\t0:00:00\t0\tAGENT\t7:00:05\t"
                    "7:01:00\t55\tDORIT\n"
                    "AA01\t4\t0\t0\tPS\t990201\t7:00:00\t7:00:05\t5\t0:00:00\t0:00:00\t0\tLOST\t0:00:00\t"
                    "0:00:00\t0\tNO_SERVER\n")
    with container.uow() as uow:
        report = imports.import_bank(uow, data)
        assert report.skipped.counts == Counter({"truncated row": 1, "malformed date, time or duration": 1,
                                                 "unknown outcome LOST": 1})
        assert report.skipped.lines["truncated row"] == [3]
        row = interaction(uow, "bank:AA01:1")
        assert (row.answered_at, row.ended_at) == (_clock("990202", "0:00:08"), _clock("990202", "0:01:08"))
    bad = tmp_path / "other.txt"
    bad.write_text("a\tb\n1\t2\n")
    with container.uow() as uow, pytest.raises(ImportRefused, match="not the bank format"):
        imports.import_bank(uow, bad)


# --- CSV with a mapping -----------------------------------------------------------------------------------

CSV_ROWS = """\
call_id,arrived,queue,operator,answered,wait,ended,talk,hold,acw,result,channel,direction,caller
c1,01.03.2024 10:00:00,Motor claims,Ivanova,01.03.2024 10:00:20,,01.03.2024 10:05:20,,30,15,ANSWERED,,,+79161112233
c2,01.03.2024 10:01:00,Motor claims,,,12,,,,,abandoned,,,
c3,01.03.2024 10:02:00,Motor claims,,,45,,,,,TIMEOUT,,,
c4,01.03.2024 10:03:00,,,,,01.03.2024 10:03:40,,,,IVR,,,
c5,01.03.2024 10:04:00,Чат,Petrov,,8,,120,,,ANSWERED,chat,inbound,
c6,not a time,Motor claims,,,,,,,,ANSWERED,,,
c7,01.03.2024 10:06:00,Motor claims,,,,,,,,LOST,,,
c1,01.03.2024 10:00:00,Motor claims,Ivanova,01.03.2024 10:00:20,,01.03.2024 10:05:20,,30,15,ANSWERED,,,
c8,01.03.2024 10:07:00,,,,3,,,,,ABANDONED,,,
c9,01.03.2024 10:08:00,Motor claims,Ivanova,,,,,,,ANSWERED,,,
"""


def test_csv_import_with_the_documented_example_mapping(container, tmp_path):
    data = tmp_path / "calls.csv"
    data.write_text(CSV_ROWS, encoding="utf-8")
    with container.uow() as uow:
        report = imports.import_csv(uow, data, EXAMPLE_MAPPING, site="Moscow", client="reso")
    assert (report.read, report.interactions, report.queues_created, report.agents_created) == (10, 5, 2, 2)
    assert report.skipped.counts == Counter({"bad arrival time": 1, "unmapped outcome 'LOST'": 1, "duplicate id": 1,
                                             "missing queue": 1, "answered without an answer time or wait": 1})
    assert report.skipped.lines["bad arrival time"] == [7]
    assert report.extra == {"offered": 4, "answered": 2, "abandoned": 1, "other exits": 1, "not offered": 1}
    moscow = ZoneInfo("Europe/Moscow")
    with container.uow() as uow:
        events = events_of(uow, "csv:crm:c1")
        assert [(e[0], e[1].astimezone(moscow).strftime("%H:%M:%S")) for e in events] == [
            ("received", "10:00:00"), ("entered_queue", "10:00:00"), ("offered", "10:00:20"),
            ("answered", "10:00:20"), ("held", "10:04:50"), ("resumed", "10:05:20"), ("completed", "10:05:20"),
            ("wrap_up_ended", "10:05:35")]
        assert events[3][2:] == ("Ivanova", "motor_claims", {"wait_s": 20.0})
        assert events[-1][4] == {"talk_s": 270.0, "hold_s": 30.0, "wrap_s": 15.0}
        assert interaction(uow, "csv:crm:c1").from_address == "+79161112233"
        assert events_of(uow, "csv:crm:c2")[-1][0::4] == ("abandoned", {"wait_s": 12.0})
        assert events_of(uow, "csv:crm:c3")[-1][0::4] == ("exited", {"reason": "timeout", "wait_s": 45.0})
        assert [e[0] for e in events_of(uow, "csv:crm:c4")] == ["received"]
        chat = interaction(uow, "csv:crm:c5")
        assert (chat.channel, chat.direction, chat.state) == ("chat", "in", "completed")
        assert uow.session.get(Queue, chat.queue_id).channel == "chat"
        assert events_of(uow, "csv:crm:c5")[-1][4] == {"talk_s": 120.0, "hold_s": 0.0, "wrap_s": 0.0}
        before = counts(uow)
        again = imports.import_csv(uow, data, EXAMPLE_MAPPING, site="Moscow", client="reso")
        assert (again.interactions, again.events, again.already) == (0, 0, 5)
        assert counts(uow) == before


def test_csv_mapping_errors_are_clear(tmp_path):
    bad = tmp_path / "map.yaml"
    bad.write_text("columns: {id: a, arrival: b}\n")
    with pytest.raises(MappingError, match="answer"):
        load_mapping(bad)
    bad.write_text("columns: {id: a, arrival: b, wait_s: w, talk_s: t, colour: c}\n")
    with pytest.raises(MappingError, match="colour"):
        load_mapping(bad)
    bad.write_text("time_zone: Nowhere/Else\ncolumns: {id: a, arrival: b, wait_s: w, talk_s: t}\n")
    with pytest.raises(MappingError, match="time zone"):
        load_mapping(bad)


def test_csv_header_without_a_mapped_column_is_refused(container, tmp_path):
    data = tmp_path / "calls.csv"
    data.write_text("call_id,arrived\nc1,01.03.2024 10:00:00\n")
    with container.uow() as uow, pytest.raises(ImportRefused, match="queue"):
        imports.import_csv(uow, data, EXAMPLE_MAPPING)


# --- the command line ----------------------------------------------------------------------------------

runner = CliRunner()


def test_import_commands_have_help():
    for args in (["import", "--help"], ["import", "queue-log", "--help"], ["import", "bank", "--help"],
                 ["import", "csv", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "Usage" in result.output, args


def test_import_prints_its_summary_table(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("HELPLINE_DATABASE_URL", database_url)
    monkeypatch.setenv("HELPLINE_ENVIRONMENT", "test")
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, ["import", "queue-log", str(QUEUE_LOG), "--site", "Moscow"])
    assert result.exit_code == 0, result.output
    for text in ("Import of queue_log.txt", "lines read", "48", "interactions created", "events written",
                 "unknown event FROBNICATE", "39", "skipped"):
        assert text in result.output, text
    data = tmp_path / "calls.csv"
    data.write_text(CSV_ROWS)
    result = runner.invoke(app, ["import", "csv", str(data), "--mapping", str(EXAMPLE_MAPPING)])
    assert result.exit_code == 0 and "duplicate id" in result.output, result.output
    refused = runner.invoke(app, ["import", "queue-log", str(QUEUE_LOG), "--tz", "Mars/Olympus"])
    assert refused.exit_code == 1 and "unknown time zone" in refused.output


def test_a_call_imported_as_still_waiting_is_not_routed_by_helpline(imported, container, clock):
    from helpline.services.live_routing import LiveRouter

    router = LiveRouter(container.uow, monotonic=lambda: clock().timestamp())
    router.start()  # the rebuild leaves imported history alone ...
    with container.uow() as uow:
        waiting = uow.session.scalars(select(Interaction.id).where(Interaction.state == "queued")).all()
    assert waiting, "the fixture has a call still waiting at the end of the file"
    assert all(router.engine.interaction(str(i)) is None for i in waiting)
    fresh = LiveRouter(container.uow, monotonic=lambda: clock().timestamp())
    fresh.feed = type(router.feed)(0)  # ... and so does the feed reading the imported events
    fresh.run_once()
    assert all(fresh.engine.interaction(str(i)) is None for i in waiting)
