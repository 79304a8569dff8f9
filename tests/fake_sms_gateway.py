"""A fake HTTP SMS gateway on 127.0.0.1 (a real HTTP server in a thread) that records what it receives and
answers as told: a message id, or an error status for the next requests."""

import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class GatewayRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeSmsGateway:
    token: str = "gateway-token"
    requests: list[GatewayRequest] = field(default_factory=list)
    answers: list[tuple[int, bytes]] = field(default_factory=list)  # queued (status, body) for the next requests
    delay_s: float = 0.0
    _server: ThreadingHTTPServer | None = None
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1/messages"

    def start(self) -> "FakeSmsGateway":
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                gateway.requests.append(GatewayRequest(self.path, dict(self.headers), json.loads(body)))
                if gateway.delay_s:
                    threading.Event().wait(gateway.delay_s)
                if self.headers.get("Authorization") != f"Bearer {gateway.token}":
                    status, answer = 401, b'{"error": "bad token"}'
                elif gateway.answers:
                    status, answer = gateway.answers.pop(0)
                else:
                    status, answer = 200, json.dumps({"message_id": f"gw-{next(gateway._ids)}"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def fail_next(self, status: int, times: int = 1, body: bytes = b'{"error": "failed"}') -> None:
        self.answers.extend([(status, body)] * times)
