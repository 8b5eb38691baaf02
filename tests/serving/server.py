"""`shopsense serve` as a child process on a free loopback port, for crash and load tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from tests.serving.conftest import ADMIN_KEY, CATALOG_KEY, TOKEN_SECRET

#: Longest wait for a server to answer /healthz after it is started.
START_TIMEOUT = 90.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A running `shopsense serve`; its stderr goes to `log`."""

    def __init__(
        self,
        bundle: Path,
        store: Path,
        log: Path,
        watch: float = 0.0,
        options: Sequence[str] = (),
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [
            sys.executable,
            "-c",
            "from shopsense.cli import app; app()",
            "serve",
            f"--bundle={bundle}",
            "--host=127.0.0.1",
            f"--port={self.port}",
            f"--store={store}",
            f"--watch={watch}",
            *options,
        ]
        env = {
            **os.environ,
            "SHOPSENSE_API_KEYS": f"{CATALOG_KEY}:catalog,{ADMIN_KEY}:admin",
            "SHOPSENSE_TOKEN_SECRET": TOKEN_SECRET,
        }
        with open(log, "ab") as handle:
            self.process = subprocess.Popen(
                command, stdout=handle, stderr=subprocess.STDOUT, env=env
            )
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.kill()
        raise TimeoutError(f"server not up after {START_TIMEOUT}s: {self.log.read_text()[-2000:]}")

    def signal(self, number: int) -> None:
        self.process.send_signal(number)

    def kill(self) -> None:
        """kill -9: no shutdown code runs."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """A clean shutdown (SIGTERM), escalating to SIGKILL if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
