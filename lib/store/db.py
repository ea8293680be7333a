"""Engine, migrations at start, and one way to write: short transactions retried when busy.

SQLite (default, one file, WAL) and PostgreSQL (``TERRAIN_DATABASE_URL``) run the same code and
the same Alembic migrations. SQLite write transactions start with ``BEGIN IMMEDIATE`` so two
writers queue on the busy timeout instead of failing half-way with « database is locked »;
whatever still fails after the retries reaches the user as a French :class:`TerrainError`.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from lib.errors import TerrainError

LOG = logging.getLogger("terrain")
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
ENV_URL = "TERRAIN_DATABASE_URL"
BUSY_TIMEOUT_MS = 10_000
RETRIES = 8
T = TypeVar("T")


def default_url(data_dir: Path | str) -> str:
    """``TERRAIN_DATABASE_URL`` when set, else the SQLite file ``<data_dir>/_workspace/terrain.sqlite3``."""
    url = os.environ.get(ENV_URL, "").strip()
    if url:
        return url
    folder = Path(data_dir) / "_workspace"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'terrain.sqlite3'}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _sqlite_begin)
    cur = dbapi_connection.cursor()
    # secure_delete: a deleted row is overwritten with zeros, not left in the page's free space
    for pragma in ("journal_mode=WAL", f"busy_timeout={BUSY_TIMEOUT_MS}", "foreign_keys=ON",
                   "synchronous=NORMAL", "secure_delete=ON"):
        cur.execute(f"PRAGMA {pragma}")
    cur.close()


def _sqlite_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
                           pool_size=20, max_overflow=10)
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _postgres_engine(url: str) -> Engine:
    return create_engine(url, pool_size=20, max_overflow=10, pool_pre_ping=True)


ENGINES: dict[str, Callable[[str], Engine]] = {"sqlite": _sqlite_engine, "postgresql": _postgres_engine}


def make_engine(url: str) -> Engine:
    """An engine for a SQLite or PostgreSQL URL (French error for anything else)."""
    backend = url.split(":", 1)[0].split("+", 1)[0]
    if backend not in ENGINES:
        raise TerrainError("adresse de base de données non prise en charge : utilisez SQLite ou PostgreSQL "
                           f"(variable {ENV_URL}).")
    return ENGINES[backend](url)


def alembic_config(engine: Engine) -> Config:
    """Programmatic Alembic configuration (no alembic.ini needed at run time)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` in place (run at every start; a no-op when up to date)."""
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision recorded in the database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _transient(err: OperationalError) -> bool:
    """Busy SQLite file, PostgreSQL serialization failure or deadlock: worth another try."""
    text = str(err.orig).lower()
    code = getattr(err.orig, "sqlstate", None)
    return "locked" in text or "busy" in text or code in {"40001", "40P01"}


def write(engine: Engine, work: Callable[[Session], T]) -> T:
    """Run ``work`` in one transaction, retried when the database is busy.

    Why: twenty volunteers tapping at once must each be recorded, and none may see a raw
    « database is locked ». ``work`` must be safe to run again (it is, inside a rolled-back
    transaction).
    """
    for attempt in range(RETRIES):
        try:
            with Session(engine, expire_on_commit=False) as session, session.begin():
                return work(session)
        except OperationalError as err:  # busy, locked, serialization failure, server gone
            if not _transient(err) or attempt == RETRIES - 1:
                LOG.error("database write failed: %s", err)
                raise TerrainError("la base de données des campagnes ne répond pas ou est occupée : "
                                   "réessayez dans un instant.") from None
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


def read(engine: Engine, work: Callable[[Session], T]) -> T:
    """Run ``work`` in a read transaction (same retry policy as :func:`write`)."""
    return write(engine, work)


def erase(engine: Engine, work: Callable[[Session], T], tables: Iterable[str]) -> T:
    """Delete sensitive rows (``work``), then make their bytes leave the database files.

    Why: a deleted row stays on disk until its page is reused — in SQLite's WAL file, in the
    page's free space, in PostgreSQL's dead tuples — and a purge the CNIL asks for must not
    leave the opposition list readable in ``terrain.sqlite3-wal``.
    """
    result = write(engine, work)
    reclaim(engine, tables)
    return result


def reclaim(engine: Engine, tables: Iterable[str]) -> None:
    """After an erasure: SQLite copies the zeroed pages home and empties its WAL (checkpoint
    TRUNCATE); PostgreSQL rewrites the tables without their dead rows (VACUUM FULL, outside any
    transaction). A busy database is logged, never an error: the rows are deleted either way."""
    if engine.dialect.name == "sqlite":
        _checkpoint(engine)
    else:
        _vacuum(engine, sorted(set(tables)))


def _checkpoint(engine: Engine) -> None:
    raw = engine.raw_connection()  # no SQLAlchemy transaction: a checkpoint cannot run inside one
    try:
        for attempt in range(RETRIES):
            cur = raw.cursor()
            busy = cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            cur.close()
            if not busy:
                return
            time.sleep(0.05 * (attempt + 1))
        LOG.warning("erasure: WAL checkpoint still busy (readers); it completes at the next checkpoint")
    finally:
        raw.close()


def _vacuum(engine: Engine, tables: list[str]) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("SET lock_timeout = '5s'")  # never hold the phones' taps for long
        for table in tables:
            try:
                conn.exec_driver_sql(f'VACUUM (FULL) "{table}"')
            except DBAPIError as err:
                LOG.warning("erasure: VACUUM FULL %s not done (%s); autovacuum will reclaim it", table, err)
