"""Migrations: the first schema with data upgrades in place to the current one, on both backends;
the models and the migrations describe the same tables."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from lib import store
from lib.store.models import Base


def _first_schema_with_data(engine) -> None:
    store.upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO campaign (id, territory, name, organiser, archived, created_at, updated_at) "
                          "VALUES (1, 'paris', 'Ancienne', 'Ana', false, '2025-01-01 10:00:00', '2025-01-01 10:00:00')"))
        conn.execute(text("INSERT INTO walk_plan (id, campaign_id, name, bureaux, holdout, settings, organiser, "
                          "archived, created_at, updated_at) VALUES (1, 1, 'Plan', '[\"75056_0001\"]', NULL, '{}', '', "
                          "false, '2025-01-01 10:00:00', '2025-01-01 10:00:00')"))
        conn.execute(text("INSERT INTO turf (id, plan_id, code, status, team, summary) "
                          "VALUES (1, 1, 'T01', 'attribuee', 'Rouge', '{\"adresses\": 1}')"))
        conn.execute(text("INSERT INTO turf_address (id, turf_id, stop, address_id, bureau_id, label, lon, lat, "
                          "est_voters, est_doors, housing) VALUES (1, 1, 1, 'a1', '75056_0001', '1 Rue A', 2.3, "
                          "48.8, 6, 2, 'individuel')"))
        if engine.dialect.name == "postgresql":  # explicit ids above: move the sequences on
            for table in ("campaign", "walk_plan", "turf", "turf_address"):
                conn.execute(text(f"SELECT setval('{table}_id_seq', 1)"))


def test_the_first_schema_with_data_upgrades_to_head(db_url):
    engine = store.make_engine(db_url)
    _first_schema_with_data(engine)
    assert store.current_revision(engine) == "0001"
    engine.dispose()
    engine = store.open_store(db_url)  # what a server start does
    assert store.current_revision(engine) == "0006"
    campaign = store.get_campaign(engine, 1)
    assert (campaign.name, campaign.retention_days, campaign.election_date) == ("Ancienne", 90, None)
    turfs = store.plan_turfs(engine, 1)
    assert turfs[["code", "status", "team"]].values.tolist() == [["T01", "attribuee", "Rouge"]]
    token = store.issue_link(engine, 1)  # the new tables work on the old data
    assert store.record_tap(engine, token, 1, "ouvert", "t1")
    assert store.turf_coverage(engine, 1)["opened"].tolist() == [1]
    engine.dispose()


def test_links_issued_before_revision_0003_are_numbered_per_turf(db_url):
    engine = store.make_engine(db_url)
    _first_schema_with_data(engine)
    store.upgrade(engine, "0002")
    with engine.begin() as conn:
        for n in (1, 2):
            conn.execute(text(f"INSERT INTO turf_token (turf_id, token_hash, created_at, expires_at) "
                              f"VALUES (1, 'h{n}', '2025-01-01 10:00:00', '2099-01-01 10:00:00')"))
    store.upgrade(engine)
    links = store.list_links(engine, 1)
    assert sorted(links["number"]) == [1, 2] and set(links["note"]) == {""}
    assert store.revoke_link(engine, int(links.loc[links["number"] == 1, "id"].iloc[0]))
    assert store.active_links(engine, [1]) == {1: 1}
    engine.dispose()


def test_an_up_to_date_database_is_left_alone(store_engine):
    store.upgrade(store_engine)
    assert store.current_revision(store_engine) == "0006"


def test_models_and_migrations_describe_the_same_schema(store_engine):
    with store_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_an_unsupported_database_url_is_refused_in_french():
    import pytest

    from lib.errors import TerrainError

    with pytest.raises(TerrainError, match="SQLite ou PostgreSQL"):
        store.make_engine("mysql://user@host/terrain")


def test_an_unreachable_server_gives_a_french_message_without_sql(tmp_path):
    import pytest

    from lib.errors import TerrainError

    engine = store.make_engine(f"postgresql+psycopg://nobody@/terrain?host={tmp_path}&connect_timeout=2")
    with pytest.raises(TerrainError) as err:
        store.list_campaigns(engine)
    assert "réessayez" in str(err.value) and "SELECT" not in str(err.value) and str(tmp_path) not in str(err.value)


def test_an_opposition_list_stored_before_revision_0005_is_matched_at_start(db_url):
    engine = store.make_engine(db_url)
    _first_schema_with_data(engine)
    store.upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO opposition_line (campaign_id, line, text, key, postcode) "
                          "VALUES (1, 2, '1 rue A', '1 rue a', NULL)"))
    engine.dispose()
    engine = store.open_store(db_url)
    assert store.opposed_addresses(engine, 1) == frozenset({"a1"})
    assert store.plan_addresses(engine, 1).empty  # its only stop left every list and phone
    assert store.opposition_summary(engine, 1).dataset == ""  # the walk-list page matches it on the territory
    engine.dispose()
