"""joint delivery: one parcel for the results of several cases

Revision ID: 0032_joint_delivery
Revises: 0032_joint_payments
Create Date: 2026-12-06

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0032_joint_delivery"
down_revision = "0032_joint_payments"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "delivery_parcels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("address_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("province_code", sa.String(length=12), nullable=True),
        sa.Column("city_code", sa.String(length=12), nullable=True),
        sa.Column("county_code", sa.String(length=12), nullable=True),
        sa.Column("courier", sa.String(length=16), nullable=True),
        sa.Column("courier_name", sa.String(length=64), nullable=True),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("waybill_no", sa.String(length=64), nullable=True),
        sa.Column("order_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_delivery_parcels_account_id_accounts")),
        sa.ForeignKeyConstraint(
            ["address_id"], ["delivery_addresses.id"], name=op.f("fk_delivery_parcels_address_id_delivery_addresses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_parcels")),
        sa.UniqueConstraint("order_id", name=op.f("uq_delivery_parcels_order_id")),
    )
    with op.batch_alter_table("delivery_parcels") as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_parcels_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_parcels_waybill_no"), ["waybill_no"], unique=False)
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.add_column(sa.Column("parcel_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_deliveries_parcel_id"), ["parcel_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_deliveries_parcel_id_delivery_parcels"), "delivery_parcels", ["parcel_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_deliveries_parcel_id_delivery_parcels"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_deliveries_parcel_id"))
        batch_op.drop_column("parcel_id")
    with op.batch_alter_table("delivery_parcels") as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_parcels_waybill_no"))
        batch_op.drop_index(batch_op.f("ix_delivery_parcels_account_id"))
    op.drop_table("delivery_parcels")
