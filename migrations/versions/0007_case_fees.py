"""cases: the fee due (payment_pending state)

Revision ID: 0007_case_fees
Revises: 0006_merge
Create Date: 2026-11-22

"""

import sqlalchemy as sa
from alembic import op

revision = "0007_case_fees"
down_revision = "0006_merge"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(sa.Column("fee_fen", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_column("fee_fen")
