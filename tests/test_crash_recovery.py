"""A crash loses no queued interaction and a retried request creates no duplicate."""

import threading
import time

import httpx
import pytest

from tests.contact_centre import build_centre
from tests.server_process import ServerProcess

pytestmark = pytest.mark.slow
TOTAL = 60
KILL_AFTER = 25


def test_killed_server_loses_no_queued_interaction_and_retries_create_no_duplicates(make, database_url, tmp_path):
    cc = build_centre(make)
    server = ServerProcess(database_url, log=tmp_path / "server.log").start()
    acknowledged: list[int] = []
    retries = 0
    failures: list[str] = []

    def send_all() -> None:
        nonlocal retries
        with httpx.Client(base_url=server.url, headers=cc.pbx.auth, timeout=5) as http:
            for n in range(TOTAL):
                body = {"channel": "voice", "queue_id": cc.osago_queue.id, "idempotency_key": f"call-{n}",
                        "from_address": f"+7495000{n:04d}"}
                for _attempt in range(300):  # a caller's PBX retrying until the server answers
                    try:
                        response = http.post("/api/v1/interactions", json=body)
                    except httpx.TransportError:
                        retries += 1
                        time.sleep(0.1)
                        continue
                    if response.status_code not in (200, 201):
                        failures.append(f"{n}: {response.status_code} {response.text}")
                    acknowledged.append(response.json()["id"])
                    break
                else:
                    failures.append(f"{n}: never acknowledged")

    sender = threading.Thread(target=send_all)
    sender.start()
    try:
        while len(acknowledged) < KILL_AFTER and sender.is_alive():
            time.sleep(0.01)
        server.kill()
        time.sleep(0.5)  # requests fail while the server is down
        server.start()
        sender.join(120)
        assert not sender.is_alive() and failures == []
        assert retries > 0, "the kill should have interrupted the sender"
        with httpx.Client(base_url=server.url, headers=cc.admin.auth, timeout=10) as http:
            waiting = http.get(f"/api/v1/queues/{cc.osago_queue.id}/waiting").json()
            every = http.get("/api/v1/interactions", params={"limit": 1000}).json()
    finally:
        server.stop()
    assert len(every) == TOTAL  # no duplicate from a retried request
    assert [w["idempotency_key"] for w in waiting] == [f"call-{n}" for n in range(TOTAL)]  # all queued, in order
    assert [w["id"] for w in waiting] == acknowledged
