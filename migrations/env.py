"""Alembic environment: the engine comes from ``lib.store.db.alembic_config`` (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from lib.store.models import Base

# Replicas sharing one PostgreSQL upgrade it at every start, often at the same second: the first
# takes this lock and migrates, the others wait, then find the schema at head and do nothing
# (without it the second one failed on « duplicate key … pg_type »). Released at commit.
MIGRATION_LOCK = 0x7465727261696E  # "terrain"

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    # render_as_batch: SQLite alters tables by copy; the same scripts then run on PostgreSQL.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
        context.run_migrations()
    connection.commit()
