"""No plaintext ID number, phone or name reaches the database or the logs — checked over every
journey at once: raw rows of every identity table and every log record, at DEBUG level."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from app import crypto
from app.extensions import db
from app.identity import registry
from app.identity.models import TABLES, ChannelIdentity, VerifiedIdentity

from .helpers import (
    LIN,
    MA,
    alipay_login,
    assert_error,
    bearer,
    face_pass,
    me,
    realname,
    sms_login,
    wechat_login,
)

PHONE = "13987654321"


def _journeys(api, sandbox, identity_app):
    # mobile app: SMS login, real name with an X check digit, a mismatch
    app_session = sms_login(api, identity_app, mobile=PHONE)
    assert_error(
        api.post(
            "/api/v1/identity/realname",
            json={"name": "马文韬", "id_number": MA[1]},
            headers=bearer(app_session["access_token"]),
        ),
        422,
        "REALNAME_MISMATCH",
    )
    realname(api, app_session["access_token"], person=MA)
    # WeChat: real name, face, older flow
    wechat = realname(api, wechat_login(api, user="alice")["access_token"], person=LIN)
    face_pass(api, sandbox, wechat["access_token"], channel="wechat")
    verify_result = sandbox.legacy_verify_result(name=LIN[0], id_number=LIN[1], user="alice")
    api.post(
        "/api/v1/identity/face/complete", json={"verify_result": verify_result}, headers=bearer(wechat["access_token"])
    )
    # Alipay: face login into the WeChat account, a tampered answer on the way
    fresh = alipay_login(api, user="alice")
    sandbox.tamper_next_alipay_response("body")
    api.post(
        "/api/v1/identity/face/start",
        json={"channel": "alipay", "name": LIN[0], "id_number": LIN[1]},
        headers=bearer(fresh["access_token"]),
    )
    linked = face_pass(api, sandbox, fresh["access_token"], channel="alipay", person=LIN, url="/api/v1/auth/face")
    info = me(api, linked["access_token"])
    assert info["realname"]["id_number"] == "5399**********1204"
    # a bad ID number typed in: refused, and not logged either
    api.post(
        "/api/v1/identity/realname",
        json={"name": LIN[0], "id_number": LIN[1][:-1] + "9"},
        headers=bearer(app_session["access_token"]),
    )
    # the registry CLI
    identity_app.test_cli_runner().invoke(args=["residents", "add", "--name", LIN[0], "--id-number", LIN[1]])


def _secrets() -> list[str]:
    return [LIN[1], LIN[1][:-1] + "9", MA[1], MA[1].lower(), PHONE, LIN[0], MA[0], "马文韬"]


def test_no_plaintext_personal_data_in_the_database_or_the_logs(api, sandbox, identity_app, caplog):
    caplog.set_level(logging.DEBUG)
    _journeys(api, sandbox, identity_app)

    leaks = []
    for record in caplog.records:
        text = " ".join(
            str(v) for v in (record.getMessage(), record.args, record.exc_text, record.__dict__) if v is not None
        )
        leaks += [(record.name, s) for s in _secrets() if s in text]
    assert not leaks, leaks
    assert len(caplog.records) > 20  # the journeys did log

    with identity_app.app_context():
        rows_seen = 0
        for table in TABLES:
            for row in db.session.execute(sa.text(f"SELECT * FROM {table}")):
                rows_seen += 1
                text = " ".join(str(v) for v in row)
                found = [s for s in _secrets() if s in text]
                assert not found, (table, found)
        assert rows_seen > 30
        # ...yet it is all there, encrypted and found by keyed hash
        identity = db.session.scalar(
            sa.select(VerifiedIdentity).where(VerifiedIdentity.id_hash == registry.id_hash(LIN[1]))
        )
        assert crypto.decrypt(identity.id_enc, context=registry.ID_CONTEXT) == LIN[1]
        phone = db.session.scalar(
            sa.select(ChannelIdentity).where(ChannelIdentity.subject == registry.phone_hash(PHONE))
        )
        assert crypto.decrypt(phone.phone_enc, context=registry.PHONE_CONTEXT) == PHONE
