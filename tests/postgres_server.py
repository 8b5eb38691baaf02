"""A throw-away PostgreSQL server for tests and benchmarks: Debian's `postgresql` binaries,
a fresh cluster in a temporary folder, listening on a free loopback port, stopped and removed
afterwards. Root cannot run PostgreSQL: as root the server runs as the `postgres` account.
"""

from __future__ import annotations

import getpass
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["find_binaries", "postgres_server", "INSTALL_HINT"]

INSTALL_HINT = "install PostgreSQL's server (Debian: apt-get install postgresql)"


def find_binaries() -> Path | None:
    """The folder of `initdb` and `pg_ctl` (None: PostgreSQL's server is not installed)."""
    found = shutil.which("pg_ctl")
    candidates = ([str(Path(found).resolve().parent)] if found else []) + sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), reverse=True
    )
    for folder in candidates:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a new PostgreSQL cluster; yield its URL (database `shopsense`); stop it after."""
    binaries = find_binaries()
    if binaries is None:
        raise RuntimeError(f"PostgreSQL's server is not installed: {INSTALL_HINT}")
    root = Path(tempfile.mkdtemp(prefix="shopsense-pg-"))
    data, port = root / "data", _free_port()
    as_root = os.geteuid() == 0
    user = "postgres" if as_root else getpass.getuser()
    prefix = ["runuser", "-u", user, "--"] if as_root else []
    if as_root:
        shutil.chown(root, user)
        root.chmod(0o755)

    def run(*command: str) -> None:
        subprocess.run([*prefix, *command], check=True, capture_output=True, cwd=root)

    try:
        run(str(binaries / "initdb"), "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8")
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=on"
        run(str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l",
            str(root / "log"), "start")  # fmt: skip
        try:
            run(str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", user,
                "shopsense")  # fmt: skip
            yield f"postgresql://{user}@127.0.0.1:{port}/shopsense"
        finally:
            run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)
