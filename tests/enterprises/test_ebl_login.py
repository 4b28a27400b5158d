"""The electronic business licence (电子营业执照) scan-to-authorise login: off by default; when on,
a signed scan result binds the legal representative who authorised it, nobody else; tampered,
stale, replayed and wrongly signed answers are refused."""

from __future__ import annotations

import sqlalchemy as sa

from app.enterprises.models import EnterpriseBinding
from app.extensions import db
from tests.identity.helpers import RESIDENTS, assert_error, bearer

from .helpers import API, TEA, citizen

LIN = {"holder_name": "林晓岚", "holder_id_number": RESIDENTS["林晓岚"]}


def _start(api, token: str) -> str:
    resp = api.post(f"{API}/enterprises/ebl/start", headers=bearer(token))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["qr_content"].endswith(body["ticket"]) and body["expires_in"] > 0
    return body["ticket"]


def _complete(api, token: str, ticket: str):
    return api.post(f"{API}/enterprises/ebl/complete", json={"ticket": ticket}, headers=bearer(token))


def test_off_by_default(api):
    token = citizen(api, name="林晓岚")
    assert_error(api.post(f"{API}/enterprises/ebl/start", headers=bearer(token)), 404, "EBL_LOGIN_DISABLED")


def test_the_legal_representative_scans_and_is_bound(api, ebl, actx):
    token = citizen(api, name="林晓岚")  # level 3: the licence app verified the holder
    ticket = _start(api, token)
    assert_error(_complete(api, token, ticket), 409, "EBL_SCAN_PENDING")
    ebl.scan(ticket, uscc=TEA, entity_name="青岚云栖茶业有限公司", role="LEGAL_REPRESENTATIVE", **LIN)
    resp = _complete(api, token, ticket)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["role"] == "legal_representative" and resp.get_json()["uscc"] == TEA
    binding = db.session.scalar(sa.select(EnterpriseBinding))
    assert binding.method == "ebl"
    # the ticket is used up
    assert_error(_complete(api, token, ticket), 409, "EBL_TICKET_INVALID")


def test_other_roles_and_other_people_are_refused_alike(api, ebl, actx):
    token = citizen(api, name="林晓岚")
    answers = []
    for holder in (
        {"uscc": TEA, "role": "AGENT", **LIN},  # not the legal representative
        {"uscc": TEA, "role": "LEGAL_REPRESENTATIVE", "holder_name": "陈云栖", "holder_id_number": RESIDENTS["陈云栖"]},
        {"uscc": "91539900MA3HCWL020", "role": "LEGAL_REPRESENTATIVE", **LIN},  # registry: another representative
    ):
        ticket = _start(api, token)
        ebl.scan(ticket, **holder)
        body = assert_error(_complete(api, token, ticket), 403, "BINDING_REFUSED")
        answers.append(body["message"])
    assert len(set(answers)) == 1
    ticket = _start(api, token)
    ebl.scan(ticket, outcome="reject")
    assert_error(_complete(api, token, ticket), 409, "EBL_TICKET_INVALID")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EnterpriseBinding)) == 0


def test_a_ticket_works_only_for_the_account_that_asked(api, ebl):
    lin = citizen(api, name="林晓岚")
    other = citizen(api, name="陈云栖")
    ticket = _start(api, lin)
    ebl.scan(ticket, uscc=TEA, role="LEGAL_REPRESENTATIVE", **LIN)
    assert_error(_complete(api, other, ticket), 409, "EBL_TICKET_INVALID")
    assert _complete(api, lin, ticket).status_code == 200


def test_untrustworthy_answers_are_refused(api, ebl):
    token = citizen(api, name="林晓岚")
    for mode in ("signature", "body", "stale", "replay"):
        ticket = _start(api, token)
        ebl.scan(ticket, uscc=TEA, role="LEGAL_REPRESENTATIVE", **LIN)
        ebl.tamper_next(mode)
        assert_error(_complete(api, token, ticket), 502, "EBL_RESPONSE_INVALID")


def test_a_wrong_platform_key_trusts_nothing(api, ebl, identity_app, stranger_keypair):
    token = citizen(api, name="林晓岚")
    identity_app.config["EBL_PLATFORM_PUBLIC_KEY"] = stranger_keypair.public_pem
    identity_app.extensions.pop("enterprise_ebl_gateway", None)
    assert_error(api.post(f"{API}/enterprises/ebl/start", headers=bearer(token)), 502, "EBL_RESPONSE_INVALID")


def test_acting_sessions_cannot_use_it(api, ebl, sandbox):
    from .helpers import representative_acting_token

    acting = representative_acting_token(api, sandbox, uscc=TEA)
    assert_error(api.post(f"{API}/enterprises/ebl/start", headers=bearer(acting)), 403, "ACTING_NOT_ALLOWED")


def test_production_refuses_the_simulator_or_missing_credentials():
    import pytest

    from app import create_app
    from tests.test_config import GOOD

    on = {"ENTERPRISE_EBL_ENABLED": True, "EBL_APP_ID": "zsb", "EBL_APP_SECRET": "s" * 32}
    for bad, named in (
        (
            {**on, "EBL_API_BASE": "http://127.0.0.1:9106", "EBL_PLATFORM_PUBLIC_KEY": "/etc/zsb/ebl.pem"},
            "EBL_API_BASE",
        ),
        ({**on, "EBL_API_BASE": "https://ebl.example.gov.cn"}, "EBL_PLATFORM_PUBLIC_KEY"),
    ):
        with pytest.raises(RuntimeError, match=named):
            create_app("production", **{**GOOD, **bad})
