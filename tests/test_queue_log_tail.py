"""The live queue_log tail: lines a running Asterisk appends become live interaction states and presence."""

import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpline.adapters.db.models import Agent, ChannelHealth, Event, Interaction, QueueLogPosition
from helpline.adapters.telephony import file_follower
from helpline.adapters.telephony.queue_log_tail import QueueLogTail
from helpline.entrypoints.channel_worker import ChannelWorker
from helpline.services.channels import configs
from helpline.services.queue_log_feed import Feed

T0 = 1_770_000_000  # a Unix second in 2026


def line(offset_s: int, callid: str, event: str, *data: str, queue: str = "osago", agent: str = "NONE") -> str:
    return "|".join([str(T0 + offset_s), callid, queue, agent, event, *data]) + "\n"


def append(path: Path, *lines: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write("".join(lines))


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    path = tmp_path / "queue_log"
    path.touch()
    return path


@pytest.fixture
def tail(container, log_path: Path) -> QueueLogTail:
    return QueueLogTail(container.uow, Feed(name="pbx-msk", path=str(log_path), site="Moscow", client="reso"))


def call(uow, callid: str) -> Interaction:
    uow.session.expire_all()
    found = uow.session.scalar(select(Interaction).where(Interaction.external_id == callid))
    assert found is not None, callid
    return found


def count(uow, model) -> int:
    return uow.session.scalar(select(func.count()).select_from(model))


def test_lines_appended_over_time_become_live_states(tail, log_path, uow):
    assert tail.poll_once().lines == 0  # an empty file: only its identity is remembered
    assert tail.poll_once() is None
    append(log_path, line(0, "c1", "ENTERQUEUE", "", "+74951234567", "1"),
           line(1, "c2", "ENTERQUEUE", "", "+74957654321", "2"))
    tail.catch_up()
    first = call(uow, "c1")
    assert (first.state, first.channel, first.direction) == ("queued", "voice", "in")
    assert first.from_address == "+74951234567"
    append(log_path, line(12, "c1", "CONNECT", "12", "1770000000.1", "2", agent="ivanov"))
    tail.catch_up()
    first = call(uow, "c1")
    agent = uow.session.get(Agent, first.agent_id)
    assert first.state == "connected" and agent.display_name == "ivanov"
    append(log_path, line(30, "c2", "ABANDON", "1", "2", "29"),
           line(72, "c1", "COMPLETECALLER", "12", "60", "1", agent="ivanov"),
           line(80, "c3", "ENTERQUEUE", "", "", "1"), line(110, "c3", "EXITWITHTIMEOUT", "1", "1", "30"))
    tail.catch_up()
    assert call(uow, "c1").state == "completed"
    assert call(uow, "c2").state == "abandoned"
    assert (call(uow, "c3").state, call(uow, "c3").exit_reason) == ("exited", "timeout")
    types = uow.session.scalars(select(Event.type).where(Event.interaction_id == first.id).order_by(Event.seq)).all()
    assert types == ["received", "entered_queue", "offered", "answered", "completed", "wrap_up_ended"]
    assert count(uow, Interaction) == 3


def test_agent_lines_set_live_presence(tail, log_path, uow):
    append(log_path, line(0, "NONE", "ADDMEMBER", "", agent="petrova"))
    tail.catch_up()
    agent = uow.session.scalar(select(Agent).where(Agent.display_name == "petrova"))
    assert agent.presence == "ready"
    append(log_path, line(60, "NONE", "PAUSE", "lunch", agent="petrova"))
    tail.catch_up()
    uow.session.expire_all()
    assert (agent.presence, agent.presence_reason) == ("not_ready", "lunch")
    assert agent.presence_since.timestamp() == T0 + 60
    append(log_path, line(900, "NONE", "REMOVEMEMBER", "", agent="petrova"))
    tail.catch_up()
    uow.session.expire_all()
    assert agent.presence == "logged_out"


def test_a_partial_last_line_waits_for_its_newline(tail, log_path, uow):
    whole = line(0, "c1", "ENTERQUEUE", "", "+74951234567", "1")
    append(log_path, whole, "1770000012|c1|osago|ivanov|CONN")
    tail.catch_up()
    assert call(uow, "c1").state == "queued"
    position = uow.session.get(QueueLogPosition, "pbx-msk")
    assert position.offset == len(whole.encode()) and position.parse_errors == 0
    append(log_path, "ECT|12|1770000000.1|2\n")
    tail.catch_up()
    assert call(uow, "c1").state == "connected"
    uow.session.expire_all()
    assert position.lines_seen == 2 and position.parse_errors == 0


def test_rotation_reads_the_rest_of_the_old_file_then_the_new_one(tail, log_path, uow):
    append(log_path, line(0, "c1", "ENTERQUEUE", "", "", "1"))
    tail.catch_up()
    append(log_path, line(5, "c1", "CONNECT", "5", "x", "1", agent="ivanov"))  # written just before rotation
    os.rename(log_path, log_path.with_name("queue_log.1"))  # logrotate: rename, then Asterisk opens anew
    append(log_path, line(65, "c1", "COMPLETEAGENT", "5", "60", "1", agent="ivanov"))
    tail.catch_up()
    assert call(uow, "c1").state == "completed"
    position = uow.session.get(QueueLogPosition, "pbx-msk")
    assert position.inode == log_path.stat().st_ino and position.offset == log_path.stat().st_size
    health = uow.session.get(ChannelHealth, "pbx-msk")
    assert health.detail["last_restart"] == "rotated" and health.detail["lines_seen"] == 3


def test_truncation_starts_again_from_the_beginning_without_duplicates(tail, log_path, uow):
    append(log_path, line(0, "c1", "ENTERQUEUE", "", "", "1"), line(9, "c1", "ABANDON", "1", "1", "9"))
    tail.catch_up()
    log_path.write_text(line(20, "c2", "ENTERQUEUE", "", "", "1"))  # copytruncate, then a new line
    tail.catch_up()
    assert call(uow, "c2").state == "queued"
    assert count(uow, Interaction) == 2
    # the same lines read again (a truncation back to content already seen) add nothing
    events = count(uow, Event)
    log_path.write_text(line(0, "c1", "ENTERQUEUE", "", "", "1"))
    tail.catch_up()
    assert count(uow, Event) == events and count(uow, Interaction) == 2


def test_a_restart_neither_rereads_nor_skips(container, log_path, uow):
    feed = Feed(name="pbx-msk", path=str(log_path), site="Moscow", client="reso")
    append(log_path, line(0, "c1", "ENTERQUEUE", "", "", "1"))
    QueueLogTail(container.uow, feed).catch_up()
    events = count(uow, Event)
    # the tail is stopped; the PBX keeps writing
    append(log_path, line(4, "c1", "CONNECT", "4", "x", "1", agent="ivanov"))
    again = QueueLogTail(container.uow, feed)
    assert again.catch_up() == 1  # only the line written while it was down
    assert call(uow, "c1").state == "connected"
    assert count(uow, Event) == events + 2  # offered, answered
    assert again.catch_up() == 0


def test_a_position_lost_with_its_transaction_reads_the_lines_again_without_duplicates(tail, container, log_path,
                                                                                          uow):
    append(log_path, line(0, "c1", "ENTERQUEUE", "", "", "1"), line(3, "NONE", "ADDMEMBER", "", agent="ivanov"))
    tail.catch_up()
    before = (count(uow, Event), count(uow, Interaction))
    uow.session.delete(uow.session.get(QueueLogPosition, "pbx-msk"))  # as if the position had never been stored
    uow.commit()
    assert tail.catch_up() == 2
    assert (count(uow, Event), count(uow, Interaction)) == before


def test_malformed_lines_are_counted_never_fatal(tail, log_path, uow):
    append(log_path, "garbage\n", "1770000000|c1|osago\n", "notatime|c1|osago|NONE|ENTERQUEUE|||1\n",
           line(1, "c1", "ENTERQUEUE", "", "", "1"), line(2, "c1", "FROBNICATE"), line(3, "NONE", "QUEUESTART"),
           "\xff\xfe\n", line(9, "c1", "CONNECT", "x", "y", "z", agent="ivanov"),
           line(10, "c1", "ABANDON", "1", "1", "9"))
    tail.catch_up()
    assert call(uow, "c1").state == "abandoned"
    position = uow.session.get(QueueLogPosition, "pbx-msk")
    assert position.lines_seen == 9 and position.parse_errors == 6  # QUEUESTART is known and harmless
    health = uow.session.get(ChannelHealth, "pbx-msk")
    assert health.detail["parse_errors"] == 6 and health.last_error_at is None
    assert health.detail["last_line_at"].startswith("2026-02-02T02:40:10")


def test_an_unreadable_pass_is_recorded_and_retried(container, tmp_path, uow):
    missing = tmp_path / "nowhere" / "queue_log"
    tail = QueueLogTail(container.uow, Feed(name="pbx", path=str(missing), site="Moscow", client="reso"))
    assert tail.poll_once() is None  # no file yet: waits for it, nothing stored
    assert uow.session.get(QueueLogPosition, "pbx") is None
    missing.parent.mkdir()
    append(missing, line(0, "c1", "ENTERQUEUE", "", "", "1"))
    assert tail.catch_up() == 1


def test_the_follower_hands_over_whole_lines_only(log_path):
    append(log_path, "a|b\n", "c|d\x0ce\n", "partial")
    chunk = file_follower.read(log_path, None)
    assert chunk.lines == ["a|b", "c|d\x0ce"] and chunk.position.offset == 10
    assert file_follower.read(log_path, chunk.position).lines == []


def test_the_configured_kind_runs_in_the_channel_worker(container, log_path, uow, cc):
    with container.uow() as unit:
        configs.add(unit, "pbx-msk", "queue-log", {"path": str(log_path), "site": "Moscow", "client": "reso",
                                                    "poll_s": 0.05})
    worker = ChannelWorker(container, poll_s=0.05)
    worker.start()
    try:
        append(log_path, line(0, "live-1", "ENTERQUEUE", "", "+74951234567", "1"))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and count(uow, Interaction) == 0:
            time.sleep(0.05)
    finally:
        worker.stop()
    assert call(uow, "live-1").queue_id is not None and threading.active_count() >= 1


def test_queue_log_settings_are_validated(uow):
    from helpline.domain.errors import InvalidInput

    with pytest.raises(InvalidInput, match="time zone"):
        configs.add(uow, "bad", "queue-log", {"path": "/var/log/asterisk/queue_log", "time_zone": "Mars/Base"})
    with pytest.raises(InvalidInput, match="path"):
        configs.add(uow, "bad", "queue-log", {})
