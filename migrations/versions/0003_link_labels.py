"""Volunteer links get a number per turf and an optional note, so one link can be told apart and revoked alone.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("turf_token") as batch:
        batch.add_column(sa.Column("number", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("note", sa.String(60), nullable=False, server_default=""))
    # links issued before: numbered 1, 2, … per turf in the order they were made
    op.execute("UPDATE turf_token SET number = (SELECT COUNT(*) FROM turf_token AS older "
               "WHERE older.turf_id = turf_token.turf_id AND older.id <= turf_token.id)")


def downgrade() -> None:
    with op.batch_alter_table("turf_token") as batch:
        batch.drop_column("note")
        batch.drop_column("number")
