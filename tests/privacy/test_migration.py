"""Migration 0021 on a database with rows written before it (a SQLite file of its own): form data,
complaint and rating texts are encrypted in place and read back through the models; the downgrade
gives the plain values back."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app
from app.cases.models import Case
from app.complaints.models import Complaint
from app.evaluations.models import Evaluation
from app.extensions import db

BEFORE = "0020_fee_rules"
FORM = '{"applicant_name": "林晓岚", "contact_phone": "13566778899"}'

ROWS = (
    "INSERT INTO accounts (id, status, created_at) VALUES (1, 'active', '2026-01-01')",
    "INSERT INTO cases (id, account_id, service_code, service_name, department_code, department_name, status,"
    " required_level, form_schema, form_data, fee_fen, created_at, updated_at)"
    f" VALUES (1, 1, 's', '户籍证明开具', 'YQX-GA', '公安局', 'concluded', 3, '{{}}', '{FORM}', 0, '2026-01-01', '2026-01-01')",
    "INSERT INTO complaints (id, account_id, kind, subject_type, subject_name, department_code, title, content,"
    " status, due_on, created_at, answer) VALUES (1, 1, 'complaint', 'case', 'x', 'YQX-GA', '林晓岚投诉',"
    " '电话13566778899', 'answered', '2026-01-02', '2026-01-01', '已回电林晓岚')",
    "INSERT INTO evaluations (id, case_id, account_id, department_code, service_code, score, answers, comment,"
    " created_at) VALUES (1, 1, 1, 'YQX-GA', 's', 2, '{}', '请联系13566778899', '2026-01-01')",
)


def test_existing_rows_are_encrypted_and_read_back(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.db'}")
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            for statement in ROWS:
                conn.execute(sa.text(statement))
        upgrade()
        raw = db.session.execute(
            sa.text("SELECT form_data, title, content, answer, comment, reply FROM cases, complaints, evaluations")
        ).one()
        assert [v[:3] if v else v for v in raw] == ["v1."] * 5 + [None]
        assert "13566778899" not in "".join(v for v in raw if v)
        assert db.session.get(Case, 1).form_data == {"applicant_name": "林晓岚", "contact_phone": "13566778899"}
        complaint = db.session.get(Complaint, 1)
        assert (complaint.title, complaint.content, complaint.answer) == (
            "林晓岚投诉",
            "电话13566778899",
            "已回电林晓岚",
        )
        assert db.session.get(Evaluation, 1).comment == "请联系13566778899"
        db.session.remove()

        downgrade(revision=BEFORE)
        plain = db.session.execute(
            sa.text("SELECT form_data, content, comment FROM cases, complaints, evaluations")
        ).one()
        assert plain[1:] == ("电话13566778899", "请联系13566778899") and '"13566778899"' in plain[0]
        db.session.remove()
        upgrade()  # and up again over the plain rows
        assert db.session.get(Complaint, 1).answer == "已回电林晓岚"
        db.session.remove()
        db.engine.dispose()
