"""personal texts encrypted at rest: cases.form_data, complaint title/content/answer and rating
comment/reply become app.crypto ciphertexts (text columns); existing rows are encrypted here

Uploaded files are sealed by `flask crypto reencrypt` (the objects live outside the database).

Revision ID: 0021_personal_texts_encrypted
Revises: 0020_fee_rules
Create Date: 2026-12-06

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021_personal_texts_encrypted"
down_revision = "0020_fee_rules"
branch_labels = None
depends_on = None

# (table, column, type before, context): the contexts are those of the models' column types
COLUMNS = (
    ("cases", "form_data", sa.JSON(), "case.form_data"),
    ("complaints", "title", sa.String(length=100), "complaint.title"),
    ("complaints", "content", sa.String(length=2000), "complaint.content"),
    ("complaints", "answer", sa.String(length=2000), "complaint.answer"),
    ("evaluations", "comment", sa.String(length=500), "evaluation.comment"),
    ("evaluations", "reply", sa.String(length=1000), "evaluation.reply"),
)
BATCH = 500


def _convert(table: str, column: str, context: str, *, seal: bool) -> None:
    from app import crypto

    bind = op.get_bind()
    tbl = sa.table(table, sa.column("id", sa.Integer()), sa.column(column, sa.Text()))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(tbl.c.id, tbl.c[column])
            .where(tbl.c.id > last, tbl.c[column].is_not(None))
            .order_by(tbl.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        for row_id, value in rows:
            last = row_id
            if seal:
                if value.startswith("v1."):
                    continue  # already a ciphertext (a re-run)
                new = crypto.encrypt(value, context=context)
            else:
                new = crypto.decrypt(value, context=context) if value.startswith("v1.") else value
            bind.execute(tbl.update().where(tbl.c.id == row_id).values({column: new}))


def upgrade():
    for table, column, before, context in COLUMNS:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=before,
                type_=sa.Text(),
                existing_nullable=column in ("answer", "comment", "reply"),
                postgresql_using=f"{column}::text",
            )
        _convert(table, column, context, seal=True)


def downgrade():
    for table, column, before, context in COLUMNS:
        _convert(table, column, context, seal=False)
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=sa.Text(),
                type_=before,
                existing_nullable=column in ("answer", "comment", "reply"),
                postgresql_using=f"{column}::json" if column == "form_data" else None,
            )
