"""Who routes: the one process holding the routing lease; the others stand by and retry.

PostgreSQL: a session advisory lock taken on a connection of its own. The server releases it the moment that
connection ends, so when the routing process dies (even by SIGKILL) a standby takes over on its next try.
The same connection LISTENs for the `helpline_events` notification sent by the events table on every commit.
SQLite: an exclusive `flock` on a file beside the database, which the kernel releases when the process dies;
new events are found by polling.
"""

from __future__ import annotations

import fcntl
import threading
import time
from pathlib import Path
from typing import IO, Any

from sqlalchemy.engine import make_url

LOCK_KEY = 0x48656C70_526F7574  # "HelpRout": the advisory lock id
CHANNEL = "helpline_events"
_IN_MEMORY = threading.Lock()  # a `:memory:` database lives in one process


class RoutingLease:
    def __init__(self, database_url: str) -> None:
        self.url = make_url(database_url)
        self._pg: Any = None
        self._file: IO[bytes] | None = None
        self._memory = False

    @property
    def is_postgresql(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    def try_acquire(self) -> bool:
        if self.is_postgresql:
            import psycopg

            conninfo = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
            conn = psycopg.connect(conninfo, autocommit=True, application_name="helpline-routing")
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()
            if not (row and row[0]):
                conn.close()
                return False
            conn.execute(f"LISTEN {CHANNEL}")
            self._pg = conn
            return True
        database = self.url.database
        if not database or database == ":memory:":
            self._memory = _IN_MEMORY.acquire(blocking=False)
            return self._memory
        handle = Path(f"{database}.routing.lock").open("ab")  # noqa: SIM115 - held for the lease's life
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def wait_for_events(self, timeout: float) -> None:
        """Return when new events may have been committed, or after `timeout` seconds. On PostgreSQL this
        also proves the lease is still held: a lost connection raises."""
        if self._pg is None:
            time.sleep(timeout)
            return
        for _ in self._pg.notifies(timeout=timeout, stop_after=1):
            pass

    def release(self) -> None:
        if self._pg is not None:
            try:
                self._pg.close()  # ending the session releases the advisory lock
            finally:
                self._pg = None
        if self._file is not None:
            self._file.close()  # closing the descriptor releases the flock
            self._file = None
        if self._memory:
            _IN_MEMORY.release()
            self._memory = False
