"""Runs live routing in a background thread of a server process (or in the foreground of `helpline
router`) whenever this process holds the routing lease; otherwise stands by and tries again."""

from __future__ import annotations

import logging
import threading

from helpline.adapters.db.routing_lease import RoutingLease
from helpline.bootstrap import Container
from helpline.services.live_routing import LiveRouter

log = logging.getLogger(__name__)


class RoutingWorker:
    def __init__(self, container: Container) -> None:
        self.container = container
        self.settings = container.settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.router: LiveRouter | None = None
        self.leading = threading.Event()  # set while this process routes

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="helpline-routing", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        while not self._stop.is_set():
            lease = RoutingLease(self.settings.database_url)
            try:
                if lease.try_acquire():
                    self._route(lease)
                    continue
            except Exception:
                log.exception("routing stopped; this process will try to take it up again")
            finally:
                self.leading.clear()
                lease.release()
            self._stop.wait(self.settings.routing_standby_retry_s)

    def _route(self, lease: RoutingLease) -> None:
        s = self.settings
        router = self.router = LiveRouter(self.container.uow, alert_timeout_s=s.routing_alert_timeout_s,
                                          reject_holdoff_s=s.routing_reject_holdoff_s, refresh_s=s.routing_refresh_s)
        router.start()
        self.leading.set()
        log.info("this process routes (lease on %s)", "PostgreSQL" if lease.is_postgresql else "SQLite")
        while not self._stop.is_set():
            if router.run_once():
                continue
            wait = s.routing_poll_s
            due = router.next_timer()
            if due is not None:
                wait = min(wait, max((due - self.container.clock()).total_seconds(), 0.005))
            lease.wait_for_events(wait)
