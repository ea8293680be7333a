"""Field returns (tokens, door taps, turf totals), retention, opposition list and imported results.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _turf_child(name: str, *columns: sa.Column | sa.UniqueConstraint) -> None:
    op.create_table(name, sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("turf_id", sa.Integer(), sa.ForeignKey("turf.id", ondelete="CASCADE"), nullable=False),
                    *columns)
    op.create_index(f"ix_{name}_turf_id", name, ["turf_id"])


def _campaign_child(name: str, *columns: sa.Column | sa.UniqueConstraint) -> None:
    op.create_table(name, sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaign.id", ondelete="CASCADE"),
                              nullable=False), *columns)
    op.create_index(f"ix_{name}_campaign_id", name, ["campaign_id"])


def upgrade() -> None:
    with op.batch_alter_table("campaign") as batch:
        batch.add_column(sa.Column("election_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("retention_days", sa.Integer(), nullable=False, server_default="90"))
    _turf_child("turf_token", sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
                sa.Column("created_at", sa.DateTime(), nullable=False),
                sa.Column("expires_at", sa.DateTime(), nullable=False),
                sa.Column("revoked_at", sa.DateTime(), nullable=True))
    _turf_child("door_tap",
                sa.Column("stop_id", sa.Integer(), sa.ForeignKey("turf_address.id", ondelete="CASCADE"),
                          nullable=False, index=True),
                sa.Column("tap_id", sa.String(64), nullable=False),
                sa.Column("status", sa.String(20), nullable=False),
                sa.Column("source", sa.String(20), nullable=False, server_default="telephone"),
                sa.Column("recorded_at", sa.DateTime(), nullable=False),
                sa.UniqueConstraint("turf_id", "tap_id"))
    _turf_child("turf_report", sa.Column("report_id", sa.String(64), nullable=False),
                sa.Column("conversations", sa.Integer(), nullable=False),
                sa.Column("interested", sa.Integer(), nullable=False),
                sa.Column("proxies", sa.Integer(), nullable=False),
                sa.Column("recorded_at", sa.DateTime(), nullable=False),
                sa.UniqueConstraint("turf_id", "report_id"))
    _campaign_child("opposition_line", sa.Column("line", sa.Integer(), nullable=False),
                    sa.Column("text", sa.Text(), nullable=False), sa.Column("key", sa.Text(), nullable=False),
                    sa.Column("postcode", sa.String(5), nullable=True))
    _campaign_child("imported_results", sa.Column("election_id", sa.String(100), nullable=False),
                    sa.Column("label", sa.String(200), nullable=False),
                    sa.Column("matched", sa.Integer(), nullable=False),
                    sa.Column("results", sa.JSON(), nullable=False),
                    sa.Column("created_at", sa.DateTime(), nullable=False),
                    sa.UniqueConstraint("campaign_id", "election_id"))


def downgrade() -> None:
    for table in ("imported_results", "opposition_line", "turf_report", "door_tap", "turf_token"):
        op.drop_table(table)
    with op.batch_alter_table("campaign") as batch:
        batch.drop_column("retention_days")
        batch.drop_column("election_date")
