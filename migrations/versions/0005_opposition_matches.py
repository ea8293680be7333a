"""The opposition list is matched once, when stored: the matched address ids and how they were matched.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

Lists stored before this revision are matched against their campaign's saved stops at the next
start (:func:`lib.store.sensitive.match_unmatched_lists`), then against the territory's addresses
the first time a walk list is drawn.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("opposed_address", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaign.id", ondelete="CASCADE"),
                              nullable=False),
                    sa.Column("address_id", sa.String(64), nullable=False),
                    sa.UniqueConstraint("campaign_id", "address_id"))
    op.create_index("ix_opposed_address_campaign_id", "opposed_address", ["campaign_id"])
    op.create_table("opposition_match",
                    sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaign.id", ondelete="CASCADE"),
                              primary_key=True),
                    sa.Column("dataset", sa.String(64), nullable=False),
                    sa.Column("lines", sa.Integer(), nullable=False),
                    sa.Column("matched_lines", sa.Integer(), nullable=False),
                    sa.Column("addresses", sa.Integer(), nullable=False),
                    sa.Column("matched_at", sa.DateTime(), nullable=False))
    op.create_index("ix_opposition_line_key", "opposition_line", ["campaign_id", "key"])


def downgrade() -> None:
    op.drop_index("ix_opposition_line_key", "opposition_line")
    op.drop_table("opposition_match")
    op.drop_table("opposed_address")
