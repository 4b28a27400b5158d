"""the figures' rollup cells (app/stats/models.py) and the indexes a city's years asked for

Measured at 500,000 cases / 3.3 million timeline rows (docs/benchmarks.md, "A city's years").

Revision ID: 0033_stats_rollup
Revises: 0032_joint_delivery
Create Date: 2026-12-06

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0033_stats_rollup"
down_revision = "0032_joint_delivery"
branch_labels = None
depends_on = None

CELL = ("grain", "period", "department_code")
CASE_SUMS = ("cases", "lag0", "legal", "instant", "licence", "commitment", "upload")
# the live part of the figures' ratings (app/stats/rollup.py `unsettled`)
FOLLOWUP = sa.text("followup_due IS NOT NULL")
OPEN = sa.text("open = 1")
OPEN_CASES = sa.text("status IN ('submitted', 'accepted', 'correction_requested', 'approved', 'denied')")


def _cell_columns():
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
    ]


def upgrade():
    op.create_table(
        "stats_case_cells",
        *_cell_columns(),
        sa.Column("service_code", sa.String(length=64), nullable=False),
        sa.Column("spent", sa.Integer(), nullable=True),
        sa.Column("open", sa.Integer(), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in CASE_SUMS),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stats_case_cells_cell", "stats_case_cells", list(CELL))
    op.create_index(
        "ix_stats_case_cells_open", "stats_case_cells", ["period"], postgresql_where=OPEN, sqlite_where=OPEN
    )
    op.create_table(
        "stats_rating_cells",
        *_cell_columns(),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in ("ratings", "good", "bad", "in_time")),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_stats_rating_cells_cell", "stats_rating_cells", list(CELL))
    op.create_index(
        "ix_evaluations_followup_due", "evaluations", ["followup_due"], postgresql_where=FOLLOWUP, sqlite_where=FOLLOWUP
    )
    op.create_index(
        "ix_cases_department_open",
        "cases",
        ["department_code", "submitted_at", "id"],
        postgresql_include=["service_code", "bundle_time_limit", "status"],
        postgresql_where=OPEN_CASES,
        sqlite_where=OPEN_CASES,
    )
    op.create_table(
        "stats_rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=False),
        sa.Column("settled_before", sa.DateTime(), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("calendar_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade():
    op.drop_table("stats_rollup_state")
    op.drop_index("ix_cases_department_open", table_name="cases")
    op.drop_index("ix_evaluations_followup_due", table_name="evaluations")
    op.drop_index("ix_stats_rating_cells_cell", table_name="stats_rating_cells")
    op.drop_table("stats_rating_cells")
    op.drop_index("ix_stats_case_cells_open", table_name="stats_case_cells")
    op.drop_index("ix_stats_case_cells_cell", table_name="stats_case_cells")
    op.drop_table("stats_case_cells")
