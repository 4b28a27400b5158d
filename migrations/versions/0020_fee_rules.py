"""catalog fees: alternative standards chosen by a rule — the least charge and whether it varies

The list showed the sum of every fee line (`fee_total_fen`); it now shows the least charge
(`fee_from_fen`) and whether the amount depends on the application (`fee_varies`). Catalogs
imported before this revision have no rules: every line is charged, so the stored sum is their
least charge and nothing varies. Stored guides are cleared (rebuilt on read until the next
import or `flask catalog seed`), since their fees element changed shape.

Revision ID: 0020_fee_rules
Revises: 0019_payment_alarm_follow_up
Create Date: 2026-12-06

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020_fee_rules"
down_revision = "0019_payment_alarm_follow_up"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("service_items") as batch_op:
        batch_op.alter_column("fee_total_fen", new_column_name="fee_from_fen", existing_type=sa.Integer())
        batch_op.add_column(sa.Column("fee_varies", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE service_items SET guide = NULL")


def downgrade():
    with op.batch_alter_table("service_items") as batch_op:
        batch_op.drop_column("fee_varies")
        batch_op.alter_column("fee_from_fen", new_column_name="fee_total_fen", existing_type=sa.Integer())
    op.execute("UPDATE service_items SET guide = NULL")
