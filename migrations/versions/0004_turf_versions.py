"""Turfs get a version, who last changed them and when: two organisers editing the same turf on
« Suivi du terrain » are told instead of the last save silently winning (optimistic locking).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("turf") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("updated_by", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("turf") as batch:
        batch.drop_column("updated_at")
        batch.drop_column("updated_by")
        batch.drop_column("version")
