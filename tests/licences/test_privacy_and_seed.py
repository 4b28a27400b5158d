"""No plaintext holder name, licence number or personal particulars in licence rows; the demo
seed is idempotent and its CLI works."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.licences import identifiers, service
from app.licences.models import TABLES, ELicence
from tests.identity.helpers import CHEN, LIN, bearer

from .helpers import issue, level4

SECRETS = (LIN[0], LIN[1], CHEN[0], CHEN[1], "J539921-2015-000520", "栖凤大道66号", "陈云栖")


def _raw_rows(app) -> str:
    with app.app_context():
        dump = []
        for table in TABLES:
            for row in db.session.execute(sa.text(f"SELECT * FROM {table}")):
                dump.append(repr(tuple(row)))
        db.session.remove()
    return "\n".join(dump)


def test_no_plaintext_personal_data_in_rows(api, identity_app, sandbox):
    lic = issue(identity_app, person=LIN, essentials={"address": "示范省青岚市云栖县栖凤大道66号"})
    issue(
        identity_app,
        person=LIN,
        type_code="L-JHZ",
        issuer="YQX-MZ",
        essentials={"spouse_name": "陈云栖", "spouse_id_number": CHEN[1], "licence_number": "J539921-2015-000520"},
    )
    session = level4(api, sandbox, person=LIN, user="lin")
    token = session["access_token"]
    code = api.post(f"/api/v1/licences/{lic['id']}/show-code", headers=bearer(token)).get_json()["code"]
    api.get(f"/api/v1/licence-checks/{code}")
    with identity_app.app_context():
        service.authorise_use(
            account_id=session["account_id"],
            licence_id=lic["id"],
            purpose="办件 YQX-2026-000009",
        )
    dump = _raw_rows(identity_app)
    assert "办件 YQX-2026-000009" in dump  # the dump covers the use audit too
    for secret in SECRETS:
        assert secret not in dump, secret


def test_demo_seed_is_idempotent(identity_app):
    runner = identity_app.test_cli_runner()
    result = runner.invoke(args=["licences", "seed"])
    assert result.exit_code == 0, result.output
    assert "43 issued, 0 already present, 0 skipped" in result.output
    again = runner.invoke(args=["licences", "seed"])
    assert "0 issued, 43 already present" in again.output
    with identity_app.app_context():
        rows = db.session.scalars(sa.select(ELicence)).all()
        assert len(rows) == 43
        assert all(identifiers.is_valid(r.identifier) for r in rows)
        statuses = {service.effective_status(r) for r in rows}
        assert statuses == {"valid", "expired"}  # demo data includes two lapsed licences
        db.session.remove()
