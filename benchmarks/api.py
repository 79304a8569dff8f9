"""Load benchmark: create interactions over HTTP against PostgreSQL, server running as in production.

    .venv/bin/python benchmarks/api.py [--workers 2] [--concurrency 16] [--requests 20000]

Prints progress, then as its last line JSON {"requests", "seconds", "per_s", "p99_ms", "errors", ...}, including
the CPU milliseconds per request spent by the server (all uvicorn processes), PostgreSQL (all its processes on
this machine) and the load client, read from /proc around the measured run.
Target (issue 2): at least 500 interactions a second with p99 under 50 ms on a 2-core machine.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

import aiohttp
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.server_process import ServerProcess

from helpline.adapters.db import models as m
from helpline.adapters.db.migrate import upgrade
from helpline.bootstrap import bootstrap
from helpline.config import Settings
from helpline.services import auth

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def scratch_database(base_url: str) -> tuple[str, str]:
    name = f"helpline_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, make_url(base_url).set(database=name).render_as_string(hide_password=False)


def drop_database(base_url: str, name: str) -> None:
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def prepare(url: str) -> tuple[int, str]:
    """A client, a site, a voice queue and an integration user with a token."""
    upgrade(url)
    box = bootstrap(Settings(database_url=url, environment="test", secret_key="bench-" + "x" * 40))
    with box.uow() as uow:
        client = m.Client(code="reso", name="RESO")
        site = m.Site(name="Moscow")
        uow.session.add_all([client, site])
        uow.flush()
        queue = m.Queue(code="osago", name="OSAGO", client_id=client.id, site_id=site.id, channel="voice")
        uow.session.add(queue)
        auth.create_user(uow, username="pbx", role="integration", password=None)
        uow.commit()
        queue_id = queue.id
    with box.uow() as uow:
        token = auth.issue_token(uow, "pbx", "benchmark")
    box.close()
    return queue_id, token


async def load(base: str, token: str, queue_id: int, keys: range, concurrency: int
               ) -> tuple[list[float], int, float]:
    """Closed loop: `concurrency` clients on keep-alive connections, each sending its next request
    as soon as the previous one is answered. Returns latencies (s), errors and wall time (s).
    aiohttp, not httpx: on two shared cores the client must cost far less than the server it measures."""
    latencies: list[float] = []
    errors = 0
    pending = iter(keys)
    connector = aiohttp.TCPConnector(limit=concurrency)
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(base, connector=connector, headers=headers) as client:

        async def one_client() -> None:
            nonlocal errors
            for n in pending:
                body = {"channel": "voice", "queue_id": queue_id, "idempotency_key": f"bench-{n}",
                        "from_address": f"+7495{n:07d}"}
                started = time.perf_counter()
                try:
                    async with client.post("/api/v1/interactions", json=body) as response:
                        await response.read()
                        ok = response.status == 201
                except aiohttp.ClientError:
                    ok = False
                latencies.append(time.perf_counter() - started)
                errors += not ok
                if n % 5000 == 0:
                    print(f"  request {n:,}", file=sys.stderr)

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(concurrency)))
        return latencies, errors, time.perf_counter() - started


def _cpu_ticks(pids: list[int]) -> dict[int, int]:
    """utime + stime of each process still alive, in clock ticks (Linux /proc)."""
    ticks = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        ticks[pid] = int(fields[11]) + int(fields[12])
    return ticks


def _process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(stat.parent.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo += children.get(pid, [])
    return tree


def _postgres_pids() -> list[int]:
    pids = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "postgres":
                pids.append(int(comm.parent.name))
        except OSError:
            continue
    return pids


class CpuMeter:
    """CPU time used by the server's processes, PostgreSQL's and this client between start() and stop()."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid

    def start(self) -> None:
        self._server = _cpu_ticks(_process_tree(self.server_pid))
        self._postgres = _cpu_ticks(_postgres_pids())
        self._client = os.times()

    def stop(self) -> dict[str, float]:
        hz = os.sysconf("SC_CLK_TCK")
        client = os.times()

        def deltas(before: dict[int, int], after: dict[int, int]) -> list[float]:
            return [(t - before.get(pid, 0)) / hz for pid, t in after.items()]

        server = deltas(self._server, _cpu_ticks(_process_tree(self.server_pid)))
        # How the work spread over the worker processes: connections stay with the worker that accepted them.
        self.server_split = sorted((round(s / sum(server), 2) for s in server if s > 0.02 * sum(server)), reverse=True)
        return {"server": sum(server), "postgres": sum(deltas(self._postgres, _cpu_ticks(_postgres_pids()))),
                "client": client.user + client.system - self._client.user - self._client.system}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("HELPLINE_BENCH_DATABASE_URL", DEFAULT_PG))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--warmup", type=int, default=1000)
    args = parser.parse_args()

    name, url = scratch_database(args.database_url)
    server = ServerProcess(url, workers=args.workers)
    server.env["HELPLINE_ENVIRONMENT"] = "production"
    try:
        queue_id, token = prepare(url)
        server.start()
        print(f"server: {args.workers} workers on PostgreSQL; {args.concurrency} concurrent clients", file=sys.stderr)
        asyncio.run(load(server.url, token, queue_id, range(args.warmup), args.concurrency))
        keys = range(args.warmup, args.warmup + args.requests)
        assert server.process is not None
        meter = CpuMeter(server.process.pid)
        meter.start()
        latencies, errors, seconds = asyncio.run(load(server.url, token, queue_id, keys, args.concurrency))
        cpu = meter.stop()
    finally:
        server.stop()
        drop_database(args.database_url, name)
    ordered = sorted(latencies)
    print(json.dumps({
        "requests": len(ordered), "seconds": round(seconds, 3), "per_s": round(len(ordered) / seconds, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[max(0, int(len(ordered) * 0.99) - 1)] * 1000, 2), "errors": errors,
        "workers": args.workers, "concurrency": args.concurrency, "database": "postgresql",
        **{f"cpu_ms_{part}": round(spent * 1000 / len(ordered), 2) for part, spent in cpu.items()},
        "server_cpu_split": meter.server_split,
    }))


if __name__ == "__main__":
    main()
