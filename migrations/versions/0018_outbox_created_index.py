"""outbox events: index on created_at (the notifications sweep's time window)

Revision ID: 0018_outbox_created_index
Revises: 0017_merge_features
Create Date: 2026-12-04

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0018_outbox_created_index"
down_revision = "0017_merge_features"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_outbox_events_created_at", "outbox_events", ["created_at"], unique=False)


def downgrade():
    op.drop_index("ix_outbox_events_created_at", table_name="outbox_events")
