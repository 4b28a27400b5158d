"""instant-approval rules on items and cases; materials named in a correction request

Revision ID: 0012_instant_rules
Revises: 0007_case_fees
Create Date: 2026-11-22

"""

import sqlalchemy as sa
from alembic import op

revision = "0012_instant_rules"
down_revision = "0007_case_fees"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("service_items") as batch_op:
        batch_op.add_column(sa.Column("instant_rules", sa.JSON(), nullable=True))
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(sa.Column("instant_rules", sa.JSON(), nullable=True))
    with op.batch_alter_table("case_materials") as batch_op:
        batch_op.add_column(sa.Column("needs_correction", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("case_materials") as batch_op:
        batch_op.drop_column("needs_correction")
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_column("instant_rules")
    with op.batch_alter_table("service_items") as batch_op:
        batch_op.drop_column("instant_rules")
