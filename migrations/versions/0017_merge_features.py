"""merge the payments, notifications, delivery and engagement branches

Revision ID: 0017_merge_features
Revises: 0013_payments, 0014_notifications, 0015_delivery, 0016_engagement
Create Date: 2026-12-04

"""

# revision identifiers, used by Alembic.
revision = "0017_merge_features"
down_revision = ("0013_payments", "0014_notifications", "0015_delivery", "0016_engagement")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
