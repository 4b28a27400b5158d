"""Applying as a company (Principal.acting): the owner clause of app/cases/access.py, the
enterprise's credit record at submission (经营异常名录 flags, 严重违法失信名单 blocks), the
applicant hash, and the audience checked again at submit."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from app.cases import service as cases
from app.cases.models import Case
from app.enterprises import public as enterprises
from app.extensions import db
from app.identity.tokens import Acting, Principal
from tests.cases.enterprise_helpers import ANNUAL_REPORT, ready_change_registration, submit
from tests.enterprises.helpers import (
    ABNORMAL,
    BLACKLISTED,
    CHANGE_REGISTRATION,
    LOGISTICS,
    TEA,
    acting_token,
    create_enterprise,
    enterprise_id,
    representative,
    representative_acting_token,
    seed_enterprise_credit,
)
from tests.identity.helpers import bearer

NOW = datetime.now(UTC).replace(tzinfo=None)


def _case(app, eid: int | None, code: str, account_id: int) -> int:
    with app.app_context():
        case = Case(
            account_id=account_id,
            enterprise_id=eid,
            service_code=code,
            service_name="测试事项",
            department_code="QLS-XZSP",
            department_name="测试部门",
            form_schema={},
            form_data={},
        )
        db.session.add(case)
        db.session.commit()
        out = case.id
        db.session.remove()
        return out


def _principal(account_id: int, acting: Acting | None = None) -> Principal:
    return Principal(account_id=account_id, session_id="s", level=3, auth_time=NOW, face_at=None, acting=acting)


def _account(app) -> int:
    from app.identity.models import Account

    with app.app_context():
        account = Account()
        db.session.add(account)
        db.session.commit()
        out = account.id
        db.session.remove()
        return out


def test_the_owner_clause_person_representative_agent_and_another_company(identity_app):
    person, handler = _account(identity_app), _account(identity_app)
    company = create_enterprise(identity_app)["id"]
    other = create_enterprise(identity_app, legal_rep="郑海川")["id"]
    own = _case(identity_app, None, CHANGE_REGISTRATION, person)
    in_scope = _case(identity_app, company, CHANGE_REGISTRATION, handler)
    out_of_scope = _case(identity_app, company, ANNUAL_REPORT, handler)
    elsewhere = _case(identity_app, other, CHANGE_REGISTRATION, person)

    def seen(principal: Principal) -> set[int]:
        with identity_app.app_context():
            out = {c["id"] for c in cases.list_applications(principal, page_size=100)["items"]}
            db.session.remove()
            return out

    everything = Acting(enterprise_id=company, role="legal_representative")
    one_item = Acting(enterprise_id=company, role="agent", grant_id=1, item_codes=frozenset({CHANGE_REGISTRATION}))
    # a person sees their own, never an enterprise's case they handled
    assert seen(_principal(person)) == {own}
    assert seen(_principal(handler)) == set()
    # the representative all of the company's, whoever handled them; an agent those in scope
    assert seen(_principal(person, everything)) == {in_scope, out_of_scope}
    assert seen(_principal(person, one_item)) == {in_scope}
    assert seen(_principal(handler, Acting(enterprise_id=other, role="legal_representative"))) == {elsewhere}
    with identity_app.app_context():
        for principal, case_id in ((_principal(person, one_item), out_of_scope), (_principal(person), in_scope)):
            try:
                cases.get_application(principal, case_id)
            except Exception as exc:  # noqa: BLE001 - the type is asserted
                assert type(exc).__name__ == "CaseNotFound"
            else:
                raise AssertionError("visible")
        db.session.remove()


def test_enterprise_credit_at_submission_flags_and_blocks(api, identity_app, sandbox):
    seed_enterprise_credit(identity_app)
    flagged = representative_acting_token(api, sandbox, uscc=ABNORMAL)
    draft = ready_change_registration(api, flagged, uscc=ABNORMAL, use_licence=False)
    resp = submit(api, flagged, draft["id"])
    assert resp.status_code == 200, resp.get_json()
    eid = enterprise_id(identity_app, uscc=ABNORMAL)
    with identity_app.app_context():
        case = db.session.get(Case, draft["id"])
        assert case.enterprise_id == eid and case.credit_flag == "general_bad_credit"
        assert case.applicant_hash == enterprises.enterprise_facts(eid)["uscc_hash"]
        db.session.remove()

    blocked = representative_acting_token(api, sandbox, uscc=BLACKLISTED)
    draft = ready_change_registration(api, blocked, uscc=BLACKLISTED, use_licence=False)
    resp = submit(api, blocked, draft["id"])
    body = resp.get_json()
    assert resp.status_code == 403 and body["error"] == "CREDIT_BLOCKED" and "企业" in body["message"], body
    with identity_app.app_context():
        assert db.session.get(Case, draft["id"]).status == "draft"
        db.session.remove()


def test_a_clean_company_submits_with_its_own_hash_not_the_persons(api, identity_app, sandbox):
    seed_enterprise_credit(identity_app)
    with identity_app.app_context():
        from app.credit import service as credit
        from app.identity import registry

        credit.add_entry(resident_hash=registry.id_hash("53990019690704051X"), severity="general", reason="演示")
        db.session.commit()
        db.session.remove()
    # 郑海川 has a general entry on his personal record; his company's record is clean
    token = representative_acting_token(api, sandbox, uscc=LOGISTICS)
    draft = ready_change_registration(api, token, uscc=LOGISTICS, use_licence=False)
    assert submit(api, token, draft["id"]).status_code == 200
    with identity_app.app_context():
        case = db.session.get(Case, draft["id"])
        assert case.credit_flag is None
        db.session.remove()


def test_a_draft_in_the_wrong_context_is_refused_at_submit(api, identity_app, sandbox):
    """A legal-person draft held as a person's own (started before the audience was enforced)."""
    personal, eid = representative(api, sandbox, uscc=TEA)
    act = acting_token(api, personal, enterprise_id=eid)
    draft = ready_change_registration(api, act, uscc=TEA, use_licence=False)
    with identity_app.app_context():
        db.session.execute(sa.update(Case).where(Case.id == draft["id"]).values(enterprise_id=None))
        db.session.commit()
        db.session.remove()
    resp = submit(api, personal, draft["id"])
    body = resp.get_json()
    assert resp.status_code == 403 and body["error"] == "AUDIENCE_MISMATCH", body
    # and the company no longer sees it
    assert api.get(f"/api/v1/applications/{draft['id']}", headers=bearer(act)).status_code == 404
