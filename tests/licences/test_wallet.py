"""The wallet: a person sees only their own licences; authorised use; issue and revoke rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.licences import errors, identifiers, service
from app.licences.models import ELicence, LicenceStatus, LicenceUse
from tests.identity.helpers import CHEN, LIN, assert_error, bearer, wechat_login

from .helpers import issue, level3, resident_id


def test_wallet_lists_only_my_licences(api, identity_app):
    mine = issue(identity_app, person=LIN)
    mine_too = issue(identity_app, person=LIN, type_code="L-JHZ", issuer="YQX-MZ", essentials={"spouse_name": "陈云栖"})
    theirs = issue(identity_app, person=CHEN)
    token = level3(api, person=LIN, user="lin")["access_token"]

    resp = api.get("/api/v1/licences", headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["total"] == 2 and body["page"] == 1 and body["page_size"] == 20
    assert {i["id"] for i in body["items"]} == {mine["id"], mine_too["id"]}
    item = next(i for i in body["items"] if i["id"] == mine["id"])
    assert item["licence_type"] == {"code": "L-JMSFZ", "name": "居民身份证"}
    assert item["issuer"] == {"code": "YQX-GA", "name": "云栖县公安局"}
    assert item["holder_masked"] == "林*岚"
    assert item["number_masked"] == "5399**********1204"
    assert item["status"] == "valid" and item["valid_until"] is None
    assert identifiers.is_valid(item["identifier"])

    detail = api.get(f"/api/v1/licences/{mine_too['id']}", headers=bearer(token)).get_json()
    assert detail["essentials"] == {"spouse_name": "陈*栖"}

    assert_error(api.get(f"/api/v1/licences/{theirs['id']}", headers=bearer(token)), 404, "LICENCE_NOT_FOUND")
    assert_error(api.get("/api/v1/licences/999999", headers=bearer(token)), 404, "LICENCE_NOT_FOUND")

    page2 = api.get("/api/v1/licences?page=2&page_size=1", headers=bearer(token)).get_json()
    assert page2["total"] == 2 and [i["id"] for i in page2["items"]] == [body["items"][1]["id"]]
    assert_error(api.get("/api/v1/licences?colour=red", headers=bearer(token)), 422, "VALIDATION_ERROR")


def test_wallet_needs_real_name(api, identity_app):
    issue(identity_app, person=LIN)
    token = wechat_login(api, user="nobody")["access_token"]
    assert_error(api.get("/api/v1/licences", headers=bearer(token)), 403, "STEP_UP_REQUIRED")
    assert_error(api.get("/api/v1/licences"), 401, "TOKEN_MISSING")
    with identity_app.app_context():
        account_id = wechat_login(api, user="nobody")["account_id"]
        assert service.wallet_for_account(account_id) == []
        with pytest.raises(errors.LicenceNotFound):
            service.get_for_account(account_id, 1)


def test_service_functions_for_cases(api, identity_app):
    lin = issue(identity_app, person=LIN)
    chen = issue(identity_app, person=CHEN)
    account_id = level3(api, person=LIN, user="lin")["account_id"]
    with identity_app.app_context():
        wallet = service.wallet_for_account(account_id)
        assert [w["id"] for w in wallet] == [lin["id"]]
        assert set(wallet[0]) == {
            "id", "identifier", "licence_type", "status", "holder_masked", "number_masked",
            "issued_on", "valid_until", "issuer",
        }  # fmt: skip
        assert service.get_for_account(account_id, lin["id"])["id"] == lin["id"]

        used = service.authorise_use(account_id=account_id, licence_id=lin["id"], purpose="申请 YQX-2026-000123")
        assert used["licence_id"] == lin["id"] and used["licence_type_code"] == "L-JMSFZ"
        row = db.session.get(LicenceUse, used["authorisation_id"])
        assert row.account_id == account_id and row.purpose == "申请 YQX-2026-000123"

        with pytest.raises(errors.LicenceNotFound):
            service.authorise_use(account_id=account_id, licence_id=chen["id"], purpose="x")
        with pytest.raises(errors.InvalidPurpose):
            service.authorise_use(account_id=account_id, licence_id=lin["id"], purpose="  ")
        service.revoke(lin["id"], "证件遗失补领")
        with pytest.raises(errors.LicenceNotUsable):
            service.authorise_use(account_id=account_id, licence_id=lin["id"], purpose="x")
        with pytest.raises(errors.LicenceAlreadyRevoked):
            service.revoke(lin["id"], "again")
        assert service.get_for_account(account_id, lin["id"])["status"] == "revoked"
        db.session.remove()


def test_expired_licence_reads_expired_and_is_not_usable(api, identity_app):
    old = issue(identity_app, person=LIN, issued_on=date(2015, 1, 1), valid_until=date(2025, 1, 1))
    account_id = level3(api, person=LIN, user="lin")["account_id"]
    with identity_app.app_context():
        assert service.wallet_for_account(account_id)[0]["status"] == "expired"
        with pytest.raises(errors.LicenceNotUsable):
            service.authorise_use(account_id=account_id, licence_id=old["id"], purpose="x")
        assert db.session.get(ELicence, old["id"]).status == LicenceStatus.VALID
        assert service.expire_due() == 1
        assert db.session.get(ELicence, old["id"]).status == LicenceStatus.EXPIRED
        assert service.expire_due() == 0
        db.session.remove()


def test_issue_validation(identity_app):
    with identity_app.app_context():
        rid = resident_id(id_number=LIN[1])
        with pytest.raises(errors.UnknownLicenceType):
            service.issue(resident_id=rid, licence_type_code="L-NOPE", issuer_department_code="YQX-GA", essentials={})
        with pytest.raises(errors.UnknownIssuer):
            service.issue(resident_id=rid, licence_type_code="L-HKB", issuer_department_code="NOPE", essentials={})
        with pytest.raises(errors.ResidentNotFound):
            service.issue(resident_id=0, licence_type_code="L-HKB", issuer_department_code="YQX-GA", essentials={})
        with pytest.raises(errors.InvalidEssentials):
            service.issue(
                resident_id=rid, licence_type_code="L-HKB", issuer_department_code="YQX-GA", essentials={"a": [1]}
            )
        with pytest.raises(errors.InvalidEssentials):
            service.issue(
                resident_id=rid,
                licence_type_code="L-HKB",
                issuer_department_code="YQX-GA",
                essentials={},
                valid_until=service.today() - timedelta(days=1),
            )
        out = service.issue(
            resident_id=rid,
            licence_type_code="L-HKB",
            issuer_department_code="YQX-GA",
            essentials={"licence_number": "539921015123"},
            source_ref="YQX-2026-000001",
        )
        assert out["number_masked"] == "539******123"
        row = db.session.get(ELicence, out["id"])
        assert row.source_ref == "YQX-2026-000001"
        assert service.essentials_of(row) == {}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ELicence)) == 1
        db.session.remove()
