"""delivery: administrative divisions (seeded), address book, deliveries, routes, courier per
department, raw route pushes

Revision ID: 0015_delivery
Revises: 0012_instant_rules
Create Date: 2026-12-04

"""

import sqlalchemy as sa
from alembic import op

revision = "0015_delivery"
down_revision = "0012_instant_rules"
branch_labels = None
depends_on = None

# A copy of delivery.divisions.SEED at the time of writing (migrations do not import app code).
DIVISIONS = (
    ("990000", "示范省", "province", None),
    ("539900", "青岚市", "city", "990000"),
    ("539902", "岚城区", "county", "539900"),
    ("539903", "新港区", "county", "539900"),
    ("539921", "云栖县", "county", "539900"),
    ("539922", "松溪县", "county", "539900"),
    ("539800", "白鹭市", "city", "990000"),
    ("539802", "鹭江区", "county", "539800"),
    ("539821", "石门县", "county", "539800"),
)


def upgrade():
    divisions = op.create_table(
        "delivery_divisions",
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("parent_code", sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(["parent_code"], ["delivery_divisions.code"]),
        sa.PrimaryKeyConstraint("code"),
    )
    with op.batch_alter_table("delivery_divisions") as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_divisions_parent_code"), ["parent_code"], unique=False)
    op.bulk_insert(divisions, [{"code": c, "name": n, "level": lv, "parent_code": p} for c, n, lv, p in DIVISIONS])

    op.create_table(
        "delivery_courier_configs",
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("courier", sa.String(length=16), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("department_code"),
    )
    op.create_table(
        "delivery_route_pushes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "delivery_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("contact", sa.Text(), nullable=False),
        sa.Column("province_code", sa.String(length=12), nullable=False),
        sa.Column("city_code", sa.String(length=12), nullable=False),
        sa.Column("county_code", sa.String(length=12), nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["city_code"], ["delivery_divisions.code"]),
        sa.ForeignKeyConstraint(["county_code"], ["delivery_divisions.code"]),
        sa.ForeignKeyConstraint(["province_code"], ["delivery_divisions.code"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("delivery_addresses") as batch_op:
        batch_op.create_index("ix_delivery_addresses_account", ["account_id", "deleted_at"], unique=False)
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("address_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=True),
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
        sa.Column("exception_note", sa.String(length=255), nullable=True),
        sa.Column("pickup_code", sa.String(length=12), nullable=True),
        sa.Column("pickup_address", sa.String(length=255), nullable=True),
        sa.Column("pickup_hours", sa.String(length=255), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["address_id"], ["delivery_addresses.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id"),
        sa.UniqueConstraint("order_id"),
    )
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.create_index(batch_op.f("ix_deliveries_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deliveries_waybill_no"), ["waybill_no"], unique=False)
        batch_op.create_index("ix_deliveries_department_status", ["department_code", "status"], unique=False)
    op.create_table(
        "delivery_routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("route_key", sa.String(length=64), nullable=False),
        sa.Column("op_code", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("accept_time", sa.DateTime(), nullable=False),
        sa.Column("accept_address", sa.String(length=200), nullable=False),
        sa.Column("remark", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["deliveries.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("delivery_id", "route_key"),
    )


def downgrade():
    op.drop_table("delivery_routes")
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_index("ix_deliveries_department_status")
        batch_op.drop_index(batch_op.f("ix_deliveries_waybill_no"))
        batch_op.drop_index(batch_op.f("ix_deliveries_account_id"))
    op.drop_table("deliveries")
    with op.batch_alter_table("delivery_addresses") as batch_op:
        batch_op.drop_index("ix_delivery_addresses_account")
    op.drop_table("delivery_addresses")
    op.drop_table("delivery_route_pushes")
    op.drop_table("delivery_courier_configs")
    with op.batch_alter_table("delivery_divisions") as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_divisions_parent_code"))
    op.drop_table("delivery_divisions")
