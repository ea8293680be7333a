"""A throwaway PostgreSQL server for tests and benches: ``initdb`` + ``pg_ctl`` on a temp dir,
listening on a Unix socket only (no TCP port, no password), deleted on exit.

PostgreSQL refuses to run as root: when we are root its tools run as the ``postgres`` user
(``runuser``), and the temp dir is handed to that user.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import create_engine, text


def binaries() -> Path | None:
    """The newest Debian PostgreSQL bin directory, or None when PostgreSQL is not installed."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextlib.contextmanager
def cluster(max_connections: int = 200) -> Iterator[Callable[[], str]]:
    """Start a cluster; yields a function that creates an empty database and returns its URL."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="terrain-pg-"))  # not under a 0700 parent: postgres must enter it
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    root.chmod(0o755)
    data = root / "data"
    subprocess.run(_as_postgres([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                 "--no-sync", "-E", "UTF8"]), check=True, capture_output=True)
    opts = f"-k {root} -c listen_addresses='' -c max_connections={max_connections}"
    subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", opts, "-w", "-l",
                                 str(root / "log"), "start"]), check=True, capture_output=True)
    admin = create_engine(f"postgresql+psycopg://postgres@/postgres?host={root}", isolation_level="AUTOCOMMIT")

    def new_database() -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        return f"postgresql+psycopg://postgres@/{name}?host={root}"
    try:
        yield new_database
    finally:
        admin.dispose()
        subprocess.run(_as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       check=False, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
