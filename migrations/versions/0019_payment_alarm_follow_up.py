"""payment alarms: the case's department (staff scope) and their resolution by staff

Revision ID: 0019_payment_alarm_follow_up
Revises: 0018_outbox_created_index
Create Date: 2026-12-04

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019_payment_alarm_follow_up"
down_revision = "0018_outbox_created_index"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payment_alarms") as batch_op:
        batch_op.add_column(sa.Column("department_code", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("resolved_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("resolution", sa.String(length=500), nullable=True))
        batch_op.create_index("ix_payment_alarms_department_code", ["department_code"], unique=False)
    # alarms raised before this revision: their department from the order's case
    op.execute(
        "UPDATE payment_alarms SET case_id = (SELECT case_id FROM fee_orders WHERE fee_orders.id = payment_alarms.order_id)"
        " WHERE order_id IS NOT NULL"
    )
    op.execute(
        "UPDATE payment_alarms SET department_code = (SELECT department_code FROM cases WHERE cases.id = payment_alarms.case_id)"
        " WHERE case_id IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table("payment_alarms") as batch_op:
        batch_op.drop_index("ix_payment_alarms_department_code")
        batch_op.drop_column("resolution")
        batch_op.drop_column("resolved_by")
        batch_op.drop_column("resolved_at")
        batch_op.drop_column("case_id")
        batch_op.drop_column("department_code")
