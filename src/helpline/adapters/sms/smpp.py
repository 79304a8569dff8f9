"""SMPP 3.4 through smpplib: one transceiver session to the SMS centre, kept up by a thread.

The thread binds (bind_transceiver), then reads every PDU the centre sends: answers to our submit_sm (the
sender waits for them by sequence number), deliver_sm (delivery receipts and customers' SMS, stored in the
inbox before deliver_sm_resp is sent, so the centre redelivers what we failed to store), enquire_link. A
quiet link is checked with enquire_link; a link that drops, or does not answer, is reconnected with
back-off. Health is recorded on every bind and every failure.

The outbox worker sends through `SmppSender`: the text is encoded (GSM 7-bit or UCS-2) and split with a
concatenation header when long; every part asks for a delivery receipt (registered_delivery=1).
"""

import contextlib
import logging
import random
import re
import select
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import smpplib.client
import smpplib.consts
import smpplib.smpp

from helpline.adapters.sms import encoding
from helpline.services import sms
from helpline.services.channels.inbox import Inbound
from helpline.services.channels.outbox import OutgoingMessage, PermanentFailure
from helpline.services.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)

RECEIPT_TYPE = 0x04  # esm_class bits 2-5: an SMSC delivery receipt
TEMPORARY_APP_ERROR = 0x64  # ESME_RX_T_APPN: we could not take it now, the centre tries again later
# submit_sm_resp statuses no retry fixes: bad length, bad source or destination address, TON or NPI
PERMANENT_STATUSES = frozenset({0x01, 0x0A, 0x0B, 0x48, 0x49, 0x50, 0x51, 0x61, 0x62})
FINAL_STATES = {"DELIVRD": True, "UNDELIV": False, "EXPIRED": False, "REJECTD": False, "DELETED": False}
MESSAGE_STATES = {2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV", 6: "ACCEPTD", 7: "UNKNOWN", 8: "REJECTD"}
_RECEIPT_TEXT = re.compile(r"id:(?P<id>\S+).*?stat:(?P<stat>[A-Z]+)(?:.*?err:(?P<err>\w+))?", re.S | re.I)
BACKOFF_S = (0.2, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)

Store = Callable[[Inbound], None]
Health = Callable[[bool, str], None]


class SmppUnavailable(Exception):
    """Not bound, the link dropped, or the centre is busy: the outbox retries."""


@dataclass(frozen=True)
class SmppConfig:
    host: str
    port: int
    system_id: str
    password: str = ""
    system_type: str = ""
    source_addr: str = "Helpline"
    source_ton: int = 5
    source_npi: int = 0
    enquire_link_s: float = 30.0
    timeout_s: float = 10.0


@dataclass(frozen=True)
class Receipt:
    message_id: str
    state: str
    error: str

    @property
    def final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def delivered(self) -> bool:
        return FINAL_STATES.get(self.state, False)


def parse_receipt(text: str, receipted_id: str | None = None, message_state: int | None = None) -> Receipt | None:
    """A receipt's id and state, from the TLVs when the centre sends them, else from the text
    `id:... sub:... dlvrd:... submit date:... done date:... stat:DELIVRD err:000 text:...`."""
    found = _RECEIPT_TEXT.search(text)
    message_id = receipted_id or (found.group("id") if found else None)
    state = MESSAGE_STATES.get(message_state or 0) or (found.group("stat").upper() if found else None)
    if not message_id or not state:
        return None
    error = found.group("err") if found and found.group("err") else ""
    return Receipt(message_id, state, "" if FINAL_STATES.get(state) else f"{state} err:{error or '-'}")


def _text(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value or "")


def to_inbound(source: str, pdu: Any, raw: bytes) -> Inbound | None:
    """What a deliver_sm brings: a receipt, a customer's SMS, or None (a receipt of no final state)."""
    esm = pdu.esm_class or 0
    data = pdu.short_message or pdu.message_payload or b""
    if esm & 0x3C == RECEIPT_TYPE:
        state = pdu.message_state if isinstance(pdu.message_state, int) else None
        found = parse_receipt(_text(data), _text(pdu.receipted_message_id) or None, state)
        if found is None or not found.final:
            return None
        return sms.receipt(source, found.message_id, found.delivered, raw, error=found.error, state=found.state)
    sender = _text(pdu.source_addr)
    international = (pdu.source_addr_ton or 0) in (0, 1) and sender.lstrip("+").isdigit()
    phone = "+" + sender.lstrip("+") if international else sender
    has_udh = bool(esm & encoding.UDHI)
    text = encoding.decode(data, pdu.data_coding or 0, has_udh=has_udh)
    part = encoding.concatenation(data) if has_udh else None
    return sms.mobile_originated(source, phone, text, raw, to=_text(pdu.destination_addr) or None,
                                 part=part if part is not None and part.total > 1 else None)


class _Waiter:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.pdu: Any = None


class SmppLink:
    """The session to the centre: start() runs it in a thread, stop() unbinds and ends it."""

    def __init__(self, name: str, config: SmppConfig, store: Store, on_health: Health,
                 backoff_s: tuple[float, ...] = BACKOFF_S) -> None:
        self.name = name
        self.config = config
        self.store = store
        self.on_health = on_health
        self.backoff_s = backoff_s
        self.bound = threading.Event()
        self.binds = 0  # successful binds so far (a reconnect adds one)
        self._client: Any = None
        self._lock = threading.Lock()  # one writer on the socket at a time
        self._waiting: dict[int, _Waiter] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"smpp:{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        client = self._client
        if client is not None and self.bound.is_set():
            with contextlib.suppress(Exception):  # the link is going anyway
                self._send(smpplib.smpp.make_pdu("unbind", client=client))
        self._close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # --- sending ---------------------------------------------------------------------------------

    def submit(self, to: str, text: str) -> list[str]:
        """Send one text (one or more parts); the centre's message id of each part."""
        encoded = encoding.encode(text, reference=random.randrange(256))
        destination = to.lstrip("+")
        ids = []
        for part in encoded.parts:
            fields = {"source_addr_ton": self.config.source_ton, "source_addr_npi": self.config.source_npi,
                      "source_addr": self.config.source_addr, "dest_addr_ton": 1, "dest_addr_npi": 1,
                      "destination_addr": destination, "esm_class": encoded.esm_class,
                      "data_coding": encoded.data_coding, "short_message": part, "registered_delivery": 1}
            answer = self._request("submit_sm", fields)
            if answer.command == "generic_nack" or answer.status != 0:
                error = f"the centre refused the message: {answer.command} status 0x{answer.status:02x}"
                raise (PermanentFailure if answer.status in PERMANENT_STATUSES else SmppUnavailable)(error)
            ids.append(_text(answer.message_id))
        return ids

    def _request(self, command: str, fields: dict[str, Any]) -> Any:
        if not self.bound.wait(self.config.timeout_s):
            raise SmppUnavailable("not bound to the SMS centre")
        waiter = _Waiter()
        with self._lock:
            client = self._client
            if client is None:
                raise SmppUnavailable("not bound to the SMS centre")
            pdu = smpplib.smpp.make_pdu(command, client=client, **fields)
            self._waiting[pdu.sequence] = waiter
            try:
                client.send_pdu(pdu)
            except Exception as error:
                self._waiting.pop(pdu.sequence, None)
                raise SmppUnavailable(f"sending failed: {error}") from error
        if not waiter.done.wait(self.config.timeout_s) or waiter.pdu is None:
            self._waiting.pop(pdu.sequence, None)
            raise SmppUnavailable("the SMS centre did not answer")
        return waiter.pdu

    def _send(self, pdu: Any) -> None:
        with self._lock:
            if self._client is None:
                raise SmppUnavailable("not connected")
            self._client.send_pdu(pdu)

    # --- the session -----------------------------------------------------------------------------

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self._connect()
                failures = 0
                self.on_health(True, "bound")
                self._read_loop()
            except Exception as error:  # a dropped or refused link: reconnect after a pause
                if self._stop.is_set():
                    break
                log.warning("SMPP %s: %s", self.name, error)
                self.on_health(False, f"{type(error).__name__}: {error}")
            finally:
                self._close()
            self._stop.wait(self.backoff_s[min(failures, len(self.backoff_s) - 1)])
            failures += 1

    def _connect(self) -> None:
        client = smpplib.client.Client(self.config.host, self.config.port, timeout=self.config.timeout_s,
                                       allow_unknown_opt_params=True)
        client.connect()
        with self._lock:
            self._client = client
        client.bind_transceiver(system_id=self.config.system_id, password=self.config.password,
                                system_type=self.config.system_type)
        self.binds += 1
        self.bound.set()

    def _close(self) -> None:
        self.bound.clear()
        with self._lock:
            client, self._client = self._client, None
            waiting, self._waiting = self._waiting, {}
        for waiter in waiting.values():
            waiter.done.set()  # no answer is coming: the sender gives up at once
        if client is not None and client._socket is not None:
            client._socket.close()
            client._socket = None
            client.state = smpplib.consts.SMPP_CLIENT_STATE_CLOSED

    def _read_loop(self) -> None:
        quiet_since = time.monotonic()
        enquiry_sent: float | None = None
        while not self._stop.is_set():
            client = self._client
            readable, _, _ = select.select([client._socket], [], [], 0.2)
            now = time.monotonic()
            if not readable:
                if enquiry_sent is not None and now - enquiry_sent > self.config.timeout_s:
                    raise SmppUnavailable("no answer to enquire_link")
                if enquiry_sent is None and now - quiet_since > self.config.enquire_link_s:
                    self._send(smpplib.smpp.make_pdu("enquire_link", client=client))
                    enquiry_sent = now
                continue
            pdu, raw = self._read(client)
            quiet_since, enquiry_sent = now, None
            if pdu is not None:
                self._dispatch(client, pdu, raw)

    def _read(self, client: Any) -> tuple[Any, bytes]:
        """One PDU and its bytes (kept: a received SMS is stored exactly as it came)."""
        header = client._recv_exact(4)
        (length,) = struct.unpack(">L", header)
        if length < 16 or length > 65536:
            raise SmppUnavailable(f"a PDU of impossible length {length}")
        raw = header + client._recv_exact(length - 4)
        return smpplib.smpp.parse_pdu(raw, client=client, allow_unknown_opt_params=True), raw

    def _dispatch(self, client: Any, pdu: Any, raw: bytes) -> None:
        command = pdu.command
        if command in ("submit_sm_resp", "generic_nack"):
            waiter = self._waiting.pop(pdu.sequence, None)
            if waiter is not None:
                waiter.pdu = pdu
                waiter.done.set()
        elif command == "deliver_sm":
            self._answer(client, "deliver_sm_resp", pdu.sequence, self._deliver(pdu, raw))
        elif command == "enquire_link":
            self._answer(client, "enquire_link_resp", pdu.sequence)
        elif command == "unbind":
            self._answer(client, "unbind_resp", pdu.sequence)
            raise SmppUnavailable("the SMS centre unbound")

    def _deliver(self, pdu: Any, raw: bytes) -> int:
        try:
            inbound = to_inbound(self.name, pdu, raw)
            if inbound is not None:
                self.store(inbound)
            return 0
        except Exception:  # not stored: the centre keeps it and delivers it again
            log.exception("SMPP %s: storing a deliver_sm failed", self.name)
            return TEMPORARY_APP_ERROR

    def _answer(self, client: Any, command: str, sequence: int, status: int = 0) -> None:
        answer = smpplib.smpp.make_pdu(command, client=client, status=status)
        answer.sequence = sequence
        self._send(answer)


class SmppSender:
    """The outbox sender of an SMPP connector."""

    def __init__(self, name: str, link: SmppLink, new_uow: UnitOfWorkFactory) -> None:
        self.name = name
        self.link = link
        self.new_uow = new_uow

    def send(self, message: OutgoingMessage) -> str:
        part_ids = self.link.submit(message.to_address, message.body.rstrip("\n"))
        if len(part_ids) > 1:
            with self.new_uow() as uow:
                sms.record_parts(uow, self.name, message.id, part_ids)
        return part_ids[0]
