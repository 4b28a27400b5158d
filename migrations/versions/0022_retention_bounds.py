"""retention: drafts' expiry notice, indexes for the idle-draft and raw-notification purges

Revision ID: 0022_retention_bounds
Revises: 0021_personal_texts_encrypted
Create Date: 2026-12-06

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022_retention_bounds"
down_revision = "0021_personal_texts_encrypted"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(sa.Column("expiry_warned_at", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_cases_status_updated", ["status", "updated_at"], unique=False)
    with op.batch_alter_table("payment_notifications") as batch_op:
        batch_op.create_index("ix_payment_notifications_received_at", ["received_at"], unique=False)


def downgrade():
    with op.batch_alter_table("payment_notifications") as batch_op:
        batch_op.drop_index("ix_payment_notifications_received_at")
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_index("ix_cases_status_updated")
        batch_op.drop_column("expiry_warned_at")
