"""The live tail of an Asterisk queue_log (`kind: queue-log`): a thread that reads what the PBX appended
since the last pass, every `poll_s` seconds, and hands it to the feed use case. A failing pass (the database
away, the file unreadable) is recorded in channel health and tried again; its lines are not lost, since the
stored position only moves with the lines' own commit."""

import logging
import threading
from pathlib import Path

from helpline.adapters.telephony import file_follower
from helpline.services import queue_log_feed
from helpline.services.channels import health
from helpline.services.queue_log_feed import Feed, FeedPass
from helpline.services.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)


class QueueLogTail:
    def __init__(self, new_uow: UnitOfWorkFactory, feed: Feed, poll_s: float = 1.0) -> None:
        self.new_uow, self.feed, self.poll_s = new_uow, feed, poll_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll_once(self) -> FeedPass | None:
        """Read and apply what is new; None when there was nothing to read (no file, no new whole line)."""
        with self.new_uow() as uow:
            start = queue_log_feed.position(uow, self.feed.name)
            chunk = file_follower.read(Path(self.feed.path), start)
            if chunk is None or (not chunk.lines and chunk.position == start):
                return None
            return queue_log_feed.apply(uow, self.feed, chunk)

    def catch_up(self) -> int:
        """Apply passes until nothing is new (a big backlog is read MAX_READ bytes per transaction)."""
        lines = 0
        while (done := self.poll_once()) is not None:
            lines += done.lines
        return lines

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"queue-log:{self.feed.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.catch_up()
            except Exception as error:  # recorded and retried at the next pass: the position did not move
                log.exception("queue_log tail %s failed", self.feed.name)
                try:
                    with self.new_uow() as uow:
                        health.record_error(uow, self.feed.name, "voice", f"{type(error).__name__}: {error}")
                except Exception:
                    log.exception("recording the failure of %s failed", self.feed.name)
            self._stop.wait(self.poll_s)
