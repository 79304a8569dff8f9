"""A small SMPP 3.4 centre on 127.0.0.1 for tests (a fake at the edge of the outside world).

It answers bind_transceiver, enquire_link and unbind; takes submit_sm with a message id and, when asked
for (registered_delivery), sends a deliver_sm receipt; can send a customer's SMS (`inject`); can be told
to refuse submissions (`fail_next`) and can be stopped and started again on the same port (a restart).
"""

import contextlib
import itertools
import socket
import struct
import threading
from dataclasses import dataclass
from typing import Any

import smpplib.client
import smpplib.smpp


@dataclass
class Submitted:
    message_id: str
    destination: str
    source: str
    data_coding: int
    esm_class: int
    short_message: bytes
    registered_delivery: int


class _Session:
    def __init__(self, smsc: "FakeSmsc", sock: socket.socket) -> None:
        self.smsc, self.sock = smsc, sock
        self.lock = threading.Lock()
        self.sequence = smpplib.client.SimpleSequenceGenerator()
        self.bound = False

    def send(self, pdu: Any) -> None:
        with self.lock:
            self.sock.sendall(pdu.generate())

    def answer(self, command: str, request: Any, status: int = 0, **fields: Any) -> None:
        pdu = smpplib.smpp.make_pdu(command, client=self.sequence, status=status, **fields)
        pdu.sequence = request.sequence
        self.send(pdu)

    def read(self) -> Any:
        header = self._exact(4)
        (length,) = struct.unpack(">L", header)
        return smpplib.smpp.parse_pdu(header + self._exact(length - 4), client=self.sequence,
                                      allow_unknown_opt_params=True)

    def _exact(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def serve(self) -> None:
        try:
            while True:
                self.smsc.handle(self, self.read())
        except (OSError, ConnectionError):
            pass
        finally:
            self.sock.close()
            with self.smsc.lock:
                if self in self.smsc.sessions:
                    self.smsc.sessions.remove(self)


class FakeSmsc:
    def __init__(self, system_id: str = "helpline", password: str = "secret") -> None:
        self.system_id, self.password = system_id, password
        self.port = 0
        self.lock = threading.Lock()
        self.sessions: list[_Session] = []
        self.submitted: list[Submitted] = []
        self.binds = 0
        self.enquire_links = 0
        self.deliver_answers: list[int] = []  # the status of each deliver_sm_resp
        self.receipt_state = "DELIVRD"  # the state the next receipts report
        self.auto_receipts = True
        self._failures: list[int] = []
        self._ids = itertools.count(1)
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None

    # --- control ---------------------------------------------------------------------------------

    def start(self) -> "FakeSmsc":
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen()
        self.port = server.getsockname()[1]
        self._server = server
        self._thread = threading.Thread(target=self._accept, args=(server,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close the port and every session (the centre goes down)."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        with self.lock:
            sessions, self.sessions = list(self.sessions), []
        for session in sessions:
            with contextlib.suppress(OSError):
                session.sock.shutdown(socket.SHUT_RDWR)
            session.sock.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def fail_next(self, status: int, times: int = 1) -> None:
        """Refuse the next submissions with this command_status (0x58 throttled, 0x0B bad destination)."""
        self._failures.extend([status] * times)

    def inject(self, source: str, text: str, destination: str = "Helpline", ton: int = 1, reference: int = 0,
               order: list[int] | None = None) -> None:
        """A customer's SMS, sent to every bound session; a long one in parts (in `order`: part indexes from 0,
        repeated or left out as a real network may)."""
        from helpline.adapters.sms.encoding import encode

        encoded = encode(text, reference)
        for index in order if order is not None else range(len(encoded.parts)):
            part = encoded.parts[index]
            self._deliver(source_addr=source, source_addr_ton=ton, source_addr_npi=1, destination_addr=destination,
                          esm_class=encoded.esm_class, data_coding=encoded.data_coding, short_message=part)

    def receipt(self, message_id: str, state: str) -> None:
        text = (f"id:{message_id} sub:001 dlvrd:{'001' if state == 'DELIVRD' else '000'} submit date:2602020900 "
                f"done date:2602020901 stat:{state} err:{'000' if state == 'DELIVRD' else '001'} text:")
        self._deliver(source_addr="70000000000", destination_addr="Helpline", esm_class=0x04, data_coding=0,
                      short_message=text.encode())

    def bound_sessions(self) -> int:
        with self.lock:
            return sum(session.bound for session in self.sessions)

    # --- protocol --------------------------------------------------------------------------------

    def _accept(self, server: socket.socket) -> None:
        server.settimeout(0.05)  # closing a socket does not wake accept(): look at the flag now and then
        while self._server is server:
            try:
                sock, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.settimeout(None)
            session = _Session(self, sock)
            with self.lock:
                self.sessions.append(session)
            threading.Thread(target=session.serve, daemon=True).start()

    def _deliver(self, **fields: Any) -> None:
        with self.lock:
            sessions = [s for s in self.sessions if s.bound]
        for session in sessions:
            session.send(smpplib.smpp.make_pdu("deliver_sm", client=session.sequence, **fields))

    def handle(self, session: _Session, pdu: Any) -> None:
        command = pdu.command
        if command == "bind_transceiver":
            ok = pdu.system_id.decode() == self.system_id and pdu.password.decode() == self.password
            session.bound = ok  # before the answer, as a centre does: the client may submit the moment it reads it
            self.binds += ok
            session.answer("bind_transceiver_resp", pdu, status=0 if ok else 0x0E, system_id="fakesmsc")
        elif command == "enquire_link":
            self.enquire_links += 1
            session.answer("enquire_link_resp", pdu)
        elif command == "unbind":
            session.answer("unbind_resp", pdu)
            session.bound = False
            session.sock.shutdown(socket.SHUT_RDWR)
        elif command == "submit_sm":
            self._submit(session, pdu)
        elif command == "deliver_sm_resp":
            self.deliver_answers.append(pdu.status)

    def _submit(self, session: _Session, pdu: Any) -> None:
        if self._failures:
            session.answer("submit_sm_resp", pdu, status=self._failures.pop(0))
            return
        message_id = f"smsc-{next(self._ids)}"
        self.submitted.append(Submitted(message_id, pdu.destination_addr.decode(), pdu.source_addr.decode(),
                                        pdu.data_coding or 0, pdu.esm_class or 0, pdu.short_message or b"",
                                        pdu.registered_delivery or 0))
        session.answer("submit_sm_resp", pdu, message_id=message_id)
        if self.auto_receipts and (pdu.registered_delivery or 0) & 1:
            self.receipt(message_id, self.receipt_state)
