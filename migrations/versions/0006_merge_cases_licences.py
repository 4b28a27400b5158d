"""merge the cases and licences branches

Revision ID: 0006_merge
Revises: 0004_cases, 0005_licences
Create Date: 2026-11-22

"""

# revision identifiers, used by Alembic.
revision = "0006_merge"
down_revision = ("0004_cases", "0005_licences")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
