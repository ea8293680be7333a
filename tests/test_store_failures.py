"""A workspace database that cannot be used says why and what to do (issue 22 item 15): a damaged
SQLite file is called damaged and points to its backup, a read-only folder is called read-only."""

from __future__ import annotations

import sqlite3

import pytest

from lib import store
from lib.errors import TerrainError


def test_a_file_that_is_not_a_database_is_called_damaged_with_where_its_backup_is(tmp_path):
    path = tmp_path / "terrain.sqlite3"
    path.write_bytes(b"\x00\xffce n'est pas une base" * 500)
    with pytest.raises(TerrainError) as err:
        store.open_store(f"sqlite:///{path}")
    assert "endommagé" in str(err.value) and str(path) in str(err.value)
    assert "sauvegarde" in str(err.value) and "docs/deployment.md" in str(err.value)


def test_a_database_damaged_inside_is_called_damaged(tmp_path):
    path = tmp_path / "terrain.sqlite3"
    store.open_store(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as conn:  # the file as it is on disk, WAL folded in
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    data[page:] = b"\xa5" * (len(data) - page)  # every page after the header overwritten
    path.write_bytes(bytes(data))
    with pytest.raises(TerrainError, match="endommagé"):
        store.open_store(f"sqlite:///{path}")


def test_a_read_only_database_is_called_read_only(tmp_path):
    path = tmp_path / "terrain.sqlite3"
    store.open_store(f"sqlite:///{path}").dispose()
    engine = store.make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")  # what a read-only folder gives
    with pytest.raises(TerrainError, match=f"lecture seule \\({tmp_path}\\)"):
        store.create_campaign(engine, "paris", "A")
    engine.dispose()


def test_a_data_folder_where_the_workspace_cannot_be_made_is_called_read_only(tmp_path, monkeypatch):
    monkeypatch.delenv("TERRAIN_DATABASE_URL", raising=False)
    blocked = tmp_path / "data"
    blocked.write_text("un fichier, pas un dossier")  # mkdir fails as on a read-only folder
    with pytest.raises(TerrainError, match="lecture seule"):
        store.default_url(blocked)


def test_an_integrity_error_is_not_mistaken_for_a_damaged_database(store_engine):
    from sqlalchemy.exc import IntegrityError

    from lib.store.db import write
    from lib.store.models import Campaign

    with pytest.raises(IntegrityError):
        write(store_engine, lambda s: s.add_all([Campaign(id=1, territory="p", name="a"),
                                                 Campaign(id=1, territory="p", name="b")]) or s.flush())
