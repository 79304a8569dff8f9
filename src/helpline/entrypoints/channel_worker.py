"""The channel worker: runs every enabled connector's background services, processes the inbox and
delivers the outbox, in a thread of the server process (or alone: `helpline channels run`).

Inbound messages are committed by the adapters before processing, so stopping or killing the worker at any
moment loses nothing: what was stored is processed when it runs again.
"""

import logging
import threading

from helpline.bootstrap import Container
from helpline.entrypoints.channel_runtime import FACTORIES, Connector, Service
from helpline.services.channels import configs, inbox, outbox
from helpline.services.channels.inbox import Handler
from helpline.services.channels.outbox import Sender

log = logging.getLogger(__name__)


class ChannelWorker:
    def __init__(self, container: Container, poll_s: float = 1.0) -> None:
        self.container = container
        self.poll_s = poll_s
        self.handlers: dict[str, Handler] = {}
        self.senders: dict[str, Sender] = {}
        self.services: list[Service] = []
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def configure(self) -> None:
        """Build the connectors of every enabled channel configuration."""
        with self.container.uow() as uow:
            enabled = configs.all_configs(uow, enabled_only=True)
        for config in enabled:
            factory = FACTORIES.get(config.kind)
            if factory is None:
                continue
            connector: Connector = factory(config, self.container)
            if connector.handler is not None:
                self.handlers[config.name] = connector.handler
            if connector.sender is not None:
                self.senders.setdefault(config.channel, connector.sender)
            self.services.extend(connector.services)

    def start(self) -> None:
        self.configure()
        self.container.wake_channels = self.wake
        for service in self.services:
            service.start()
        self._thread = threading.Thread(target=self._run, name="helpline-channels", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Something was stored or queued: process it now rather than at the next poll."""
        self._wake.set()

    def run_once(self) -> tuple[dict[str, int], dict[str, int]]:
        received = inbox.process_due(self.container.uow, self.handlers)
        delivered = outbox.deliver_due(self.container.uow, self.senders)
        return received, delivered

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # a database hiccup: try again at the next poll
                log.exception("channel worker pass failed")
            self._wake.wait(self.poll_s)
            self._wake.clear()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self.container.wake_channels = lambda: None
        for service in reversed(self.services):
            try:
                service.stop()
            except Exception:
                log.exception("stopping %r failed", service)
        if self._thread is not None:
            self._thread.join(timeout=10)
