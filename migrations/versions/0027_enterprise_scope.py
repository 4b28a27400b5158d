"""enterprise scope: the enterprise a fee order is paid by and a message is about

Revision ID: 0027_enterprise_scope
Revises: 0024_enterprises_bundles
Create Date: 2026-12-06

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0027_enterprise_scope"
down_revision = "0024_enterprises_bundles"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("fee_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enterprise_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("notification_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enterprise_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_notification_messages_enterprise_inbox", ["enterprise_id", "account_id", "channel"], unique=False
        )


def downgrade():
    with op.batch_alter_table("notification_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_messages_enterprise_inbox")
        batch_op.drop_column("enterprise_id")
    with op.batch_alter_table("fee_orders", schema=None) as batch_op:
        batch_op.drop_column("enterprise_id")
