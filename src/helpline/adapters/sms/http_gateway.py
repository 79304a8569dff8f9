"""The outbox sender for a generic HTTP SMS gateway: one JSON POST per message.

Request: `POST <url>` with `Authorization: Bearer <token>` and `{"to", "from", "text", "reference"}` (the
reference is the outbox message id, which the gateway may use to refuse a repeat). The answer's
`message_id` (or `id`) is the provider id that delivery receipts name. A 4xx answer other than 429 is the
gateway refusing this message (bad number, bad sender id): retrying cannot help. A 5xx, a 429 or a timeout
is passing trouble: the outbox retries with back-off.
"""

import json
import urllib.error
import urllib.request

from helpline.services.channels.outbox import OutgoingMessage, PermanentFailure


class GatewayUnavailable(Exception):
    """A 5xx, 429, timeout or connection error: the outbox retries."""


class HttpGatewaySender:
    def __init__(self, name: str, url: str, token: str, sender_id: str, timeout_s: float = 10.0) -> None:
        self.name = name
        self.url = url
        self.token = token
        self.sender_id = sender_id
        self.timeout_s = timeout_s

    def send(self, message: OutgoingMessage) -> str:
        payload = {"to": message.to_address, "from": self.sender_id, "text": message.body.rstrip("\n"),
                   "reference": str(message.id)}
        request = urllib.request.Request(self.url, data=json.dumps(payload, ensure_ascii=False).encode(),
                                         method="POST", headers={"Authorization": f"Bearer {self.token}",
                                                                 "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                answer = response.read()
        except urllib.error.HTTPError as error:
            detail = error.read()[:300].decode(errors="replace")
            if 400 <= error.code < 500 and error.code != 429:
                raise PermanentFailure(f"the gateway refused the message: {error.code} {detail}") from error
            raise GatewayUnavailable(f"the gateway answered {error.code}: {detail}") from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise GatewayUnavailable(f"the gateway cannot be reached: {error}") from error
        return _message_id(answer)


def _message_id(answer: bytes) -> str:
    # The gateway took the message: a retry would send it twice, so a bad answer is not retried either.
    try:
        document = json.loads(answer)
        found = document.get("message_id") or document.get("id")
    except (ValueError, AttributeError) as error:
        raise PermanentFailure(f"the gateway's answer is not JSON: {answer[:200]!r}") from error
    if not found:
        raise PermanentFailure(f"the gateway's answer has no message_id: {answer[:200]!r}")
    return str(found)[:200]
