"""Alembic environment: the engine comes from ``lib.store.db.alembic_config`` (no alembic.ini)."""

from __future__ import annotations

from alembic import context

from lib.store.models import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    # render_as_batch: SQLite alters tables by copy; the same scripts then run on PostgreSQL.
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
