"""joint payment orders: one provider order paying the fees of several cases

Revision ID: 0032_joint_payments
Revises: 0024_enterprises_bundles
Create Date: 2026-12-06

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0032_joint_payments"
down_revision = "0024_enterprises_bundles"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "fee_joint_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("out_trade_no", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("case_ids", sa.JSON(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("merchant_id", sa.String(length=32), nullable=False),
        sa.Column("app_id", sa.String(length=32), nullable=False),
        sa.Column("amount_fen", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=127), nullable=False),
        sa.Column("payer_id", sa.String(length=128), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("prepay_ref", sa.String(length=64), nullable=True),
        sa.Column("provider_trade_no", sa.String(length=64), nullable=True),
        sa.Column("settled_by", sa.String(length=16), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("paid_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("queried_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fee_joint_orders")),
        sa.UniqueConstraint("account_id", "idempotency_key", name="uq_fee_joint_orders_idempotency_key"),
        sa.UniqueConstraint("channel", "provider_trade_no", name="uq_fee_joint_orders_provider_trade_no"),
        sa.UniqueConstraint("out_trade_no", name=op.f("uq_fee_joint_orders_out_trade_no")),
    )
    with op.batch_alter_table("fee_joint_orders") as batch_op:
        batch_op.create_index(batch_op.f("ix_fee_joint_orders_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_fee_joint_orders_status_created", ["status", "created_at"], unique=False)
    with op.batch_alter_table("fee_orders") as batch_op:
        batch_op.add_column(sa.Column("joint_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_fee_orders_joint_id"), ["joint_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_fee_orders_joint_id_fee_joint_orders"), "fee_joint_orders", ["joint_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("fee_orders") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_fee_orders_joint_id_fee_joint_orders"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_fee_orders_joint_id"))
        batch_op.drop_column("joint_id")
    with op.batch_alter_table("fee_joint_orders") as batch_op:
        batch_op.drop_index("ix_fee_joint_orders_status_created")
        batch_op.drop_index(batch_op.f("ix_fee_joint_orders_account_id"))
    op.drop_table("fee_joint_orders")
