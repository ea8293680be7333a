"""Campaigns, scenarios, walk plans, turfs and their ordered addresses.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _stamps() -> list[sa.Column]:
    return [sa.Column("organiser", sa.String(200), nullable=False, server_default=""),
            sa.Column("archived", sa.Boolean(), nullable=False, server_default=sa.false()),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False)]


def _campaign_child(name: str, *columns: sa.Column) -> None:
    op.create_table(name, sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaign.id", ondelete="CASCADE"),
                              nullable=False),
                    sa.Column("name", sa.String(200), nullable=False), *columns, *_stamps())
    op.create_index(f"ix_{name}_campaign_id", name, ["campaign_id"])


def upgrade() -> None:
    op.create_table("campaign", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("territory", sa.String(100), nullable=False),
                    sa.Column("name", sa.String(200), nullable=False), *_stamps())
    _campaign_child("scenario", sa.Column("query", sa.JSON(), nullable=False))
    _campaign_child("walk_plan", sa.Column("bureaux", sa.JSON(), nullable=False),
                    sa.Column("holdout", sa.JSON(), nullable=True),
                    sa.Column("settings", sa.JSON(), nullable=False))
    op.create_table("turf", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("plan_id", sa.Integer(), sa.ForeignKey("walk_plan.id", ondelete="CASCADE"),
                              nullable=False),
                    sa.Column("code", sa.String(20), nullable=False),
                    sa.Column("status", sa.String(20), nullable=False, server_default="a_faire"),
                    sa.Column("team", sa.String(200), nullable=False, server_default=""),
                    sa.Column("planned_date", sa.Date(), nullable=True),
                    sa.Column("summary", sa.JSON(), nullable=False),
                    sa.UniqueConstraint("plan_id", "code"))
    op.create_index("ix_turf_plan_id", "turf", ["plan_id"])
    op.create_table("turf_address", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("turf_id", sa.Integer(), sa.ForeignKey("turf.id", ondelete="CASCADE"), nullable=False),
                    sa.Column("stop", sa.Integer(), nullable=False),
                    sa.Column("address_id", sa.String(64), nullable=False),
                    sa.Column("bureau_id", sa.String(32), nullable=False),
                    sa.Column("label", sa.Text(), nullable=False),
                    sa.Column("lon", sa.Float(), nullable=False),
                    sa.Column("lat", sa.Float(), nullable=False),
                    sa.Column("est_voters", sa.Float(), nullable=False),
                    sa.Column("est_doors", sa.Float(), nullable=False),
                    sa.Column("housing", sa.String(20), nullable=False),
                    sa.UniqueConstraint("turf_id", "stop"))
    op.create_index("ix_turf_address_turf_id", "turf_address", ["turf_id"])
    op.create_index("ix_turf_address_address_id", "turf_address", ["address_id"])


def downgrade() -> None:
    for table in ("turf_address", "turf", "walk_plan", "scenario", "campaign"):
        op.drop_table(table)
