"""indexes for a city's years: work queue order, figures and trend (index-only scans)

Measured at 500,000 cases / 3.3 million timeline rows (docs/benchmarks.md, "A city's years").

Revision ID: 0030_city_scale_indexes
Revises: 0029_bundle_applications
Create Date: 2026-12-06

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0030_city_scale_indexes"
down_revision = "0029_bundle_applications"
branch_labels = None
depends_on = None

CLOSING = sa.text("action IN ('conclude', 'reject')")
INSTANT = sa.text("action = 'instant_approve'")


def upgrade():
    op.create_index(
        "ix_cases_department_submitted",
        "cases",
        ["department_code", "submitted_at", "id"],
        postgresql_include=["service_code", "status"],
    )
    op.create_index("ix_cases_submitted", "cases", ["submitted_at"], postgresql_include=["service_code", "status"])
    op.create_index(
        "ix_case_events_closing",
        "case_events",
        ["case_id", "created_at"],
        postgresql_where=CLOSING,
        sqlite_where=CLOSING,
    )
    op.create_index(
        "ix_case_events_instant", "case_events", ["case_id"], postgresql_where=INSTANT, sqlite_where=INSTANT
    )


def downgrade():
    op.drop_index("ix_case_events_instant", table_name="case_events")
    op.drop_index("ix_case_events_closing", table_name="case_events")
    op.drop_index("ix_cases_submitted", table_name="cases")
    op.drop_index("ix_cases_department_submitted", table_name="cases")
