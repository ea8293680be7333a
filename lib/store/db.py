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
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import DatabaseError, DBAPIError, OperationalError
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
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        raise TerrainError(READ_ONLY.format(folder=folder)) from None
    return f"sqlite:///{folder / 'terrain.sqlite3'}"


DAMAGED = ("le fichier de la base des campagnes est endommagé ({path}) : ce n'est plus une base SQLite lisible, "
           "et Terrain n'y a rien écrit. Arrêtez Terrain, mettez ce fichier de côté (ne le supprimez pas), "
           "remettez à sa place la dernière copie de sauvegarde (la copie nocturne « sqlite3 … .backup » de "
           "docs/deployment.md, « What to back up ») puis redémarrez. Sans copie : démarrez sur une base neuve "
           "et restaurez les campagnes téléchargées en JSON (« Préparer la sauvegarde »).")
READ_ONLY = ("le dossier de la base des campagnes est en lecture seule ({folder}) : Terrain ne peut rien y "
             "enregistrer. Donnez le droit d'écriture sur ce dossier (et sur ses fichiers terrain.sqlite3*) au "
             "compte qui lance Terrain, ou choisissez une autre base avec la variable " + ENV_URL + ".")
UNREACHABLE = ("base de données des campagnes injoignable : vérifiez " + ENV_URL + " (serveur démarré, nom, "
               "mot de passe) ; le détail est dans le journal du serveur.")
DAMAGED_SIGNS = ("not a database", "malformed", "file is encrypted", "database corrupt")
READ_ONLY_SIGNS = ("readonly", "read-only", "unable to open database file", "permission denied")


def failure(url: str, err: BaseException) -> TerrainError:
    """The French sentence for a database that cannot be used at all, by what the error says:
    a damaged SQLite file (and where its backup is), a read-only folder, else unreachable.

    Why: a corrupted file used to read « injoignable » and a read-only folder « Une erreur
    inattendue », neither of which tells the person in charge what to do.
    """
    LOG.error("workspace database unusable (%s): %s", url.split("@")[-1], err)
    text = str(getattr(err, "orig", None) or err).lower()
    path = Path((make_url(url).database or "").removeprefix("file:"))
    if url.startswith("sqlite") and any(sign in text for sign in DAMAGED_SIGNS):
        return TerrainError(DAMAGED.format(path=path))
    if isinstance(err, PermissionError) or (url.startswith("sqlite") and any(s in text for s in READ_ONLY_SIGNS)):
        return TerrainError(READ_ONLY.format(folder=path.parent))
    return TerrainError(UNREACHABLE)


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
                unusable = failure(str(engine.url), err)
                if unusable.message != UNREACHABLE:  # damaged or read-only: retrying cannot help
                    raise unusable from None
                raise TerrainError("la base de données des campagnes ne répond pas ou est occupée : "
                                   "réessayez dans un instant.") from None
            time.sleep(0.02 * (attempt + 1))
        except DatabaseError as err:  # a damaged SQLite file (« database disk image is malformed »)
            unusable = failure(str(engine.url), err)
            if unusable.message == UNREACHABLE:  # an integrity error or a bug: not the database's state
                raise
            raise unusable from None
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
