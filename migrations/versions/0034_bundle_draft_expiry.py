"""bundle drafts expire like case drafts: when the citizen was last told

Revision ID: 0034_bundle_draft_expiry
Revises: 0033_stats_rollup
Create Date: 2026-12-06

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0034_bundle_draft_expiry"
down_revision = "0033_stats_rollup"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("bundle_applications", sa.Column("expiry_warned_at", sa.DateTime(), nullable=True))


def downgrade():
    op.drop_column("bundle_applications", "expiry_warned_at")
