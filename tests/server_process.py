"""Run Helpline as a real server process for tests that need one (crash recovery, load)."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    def __init__(self, database_url: str, port: int | None = None, workers: int = 1, log: Path | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.port = port or free_port()
        self.workers = workers
        self.env = {**os.environ, "HELPLINE_DATABASE_URL": database_url, "HELPLINE_ENVIRONMENT": "test",
                    "HELPLINE_SECRET_KEY": "server-process-secret-" + "x" * 32, "HELPLINE_LOG_LEVEL": "WARNING",
                    **(env or {})}
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> "ServerProcess":  # imports alone can take 30 s on a busy machine
        self._close_log()
        self._log_file = open(self.log, "ab") if self.log else None  # noqa: SIM115 - lives with the process
        out = self._log_file or subprocess.DEVNULL
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "helpline.entrypoints.app:app_factory",
             "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers), "--no-access-log"],
            env=self.env, stdout=out, stderr=out)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._close_log()
                raise RuntimeError(f"server exited with {self.process.returncode}" +
                                   (f"; its log: {self.log}" if self.log else ""))
            try:
                if httpx.get(f"{self.url}/api/v1/openapi.json", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise TimeoutError("server did not start")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing; what a power cut or OOM kill does to the process."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)
        self._close_log()

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._close_log()
