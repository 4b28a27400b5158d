"""The auditor's scan (issue 15): walk every journey that takes personal data — real name, an
application form with names, a mobile and a street address, the address book, a complaint and a
consultation, the scan of an ID card uploaded, mail delivery of the result, a rating with a comment
— then search the raw database (the SQLite file's bytes; on PostgreSQL every text, json and bytea
column of every table, read by SQL), the upload folder and every log record for each value typed
in. None may be found. The owner and the department's officers still read them in full; lists
show them masked."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from tests.cases.helpers import APPS, HUJI, citizen, create_draft, person, submit, upload
from tests.delivery.helpers import add_address, approve, choose, reviewer, row, run_jobs
from tests.engagement import move
from tests.identity.helpers import bearer
from tests.staff_api.helpers import BASE

NAME, ID_NUMBER = person("林晓岚")
RELATED = "欧阳澜汐"
FORM_MOBILE = "13566778899"
FORM_STREET = "临江路177号澜苑小区9栋"
RECIPIENT = "司马云舒"
ADDRESS_MOBILE = "13677889900"
ADDRESS_STREET = "栖霞西路288号锦绣华庭6栋1单元1203室"
COMPLAINT = "欧阳澜汐在三号窗口被要求重复提交材料，请回电13588990011处理"
CONSULTATION = "司马云舒想问临江路177号的住户如何开具证明，电话13599001122"
ANSWER = "已电话联系欧阳澜汐并致歉"
COMMENT = "窗口说明不清楚，请联系13511223344"
REPLY = "已致电13511223344说明整改情况"
SCAN = (
    b"%PDF-1.4\n% ID card scan\n1 0 obj << /Name (LIN-XIAOLAN-ID-5399-SCAN-0042) >> endobj\n"
    + bytes(range(256)) * 4
    + b"\ntrailer <<>>\n%%EOF\n"
)
SCAN_PIECE = b"LIN-XIAOLAN-ID-5399-SCAN-0042"

TEXTS = (
    NAME,
    ID_NUMBER,
    RELATED,
    FORM_MOBILE,
    FORM_STREET,
    RECIPIENT,
    ADDRESS_MOBILE,
    ADDRESS_STREET,
    COMPLAINT,
    CONSULTATION,
    ANSWER,
    COMMENT,
    REPLY,
    "13588990011",
    "13599001122",
    "13511223344",
)


def needles() -> list[tuple[str, bytes]]:
    """Every value as bytes: UTF-8, and as a JSON encoder with ensure_ascii would write it."""
    out = [("scan bytes", SCAN), ("scan piece", SCAN_PIECE), ("scan tail", bytes(range(256)) * 2)]
    for text in TEXTS:
        out.append((text, text.encode("utf-8")))
        escaped = json.dumps(text)[1:-1].encode()
        if escaped != text.encode("utf-8"):
            out.append((text + " (json-escaped)", escaped))
    return out


def found_in(blob: bytes) -> list[str]:
    return [label for label, needle in needles() if needle in blob]


def journeys(api, identity_app) -> dict:
    """Every journey that takes personal data; returns what the checks below need."""
    token = citizen(api, name=NAME)  # real name (name + ID number)
    address = add_address(api, token, recipient=RECIPIENT, mobile=ADDRESS_MOBILE, detail=ADDRESS_STREET)
    draft = create_draft(api, token, code=HUJI)
    form = {
        "applicant_name": NAME,
        "contact_phone": FORM_MOBILE,
        "certificate_type": "亲属关系证明（户籍可查）",
        "purpose": f"办理{FORM_STREET}房产过户",
        "related_person_name": RELATED,
        "need_paper": True,
    }
    resp = api.patch(f"{APPS}/{draft['id']}", json={"form": form}, headers=bearer(token))
    assert resp.status_code == 200 and resp.get_json()["form_errors"] == {}, resp.get_json()
    resp = upload(api, token, draft["id"], 0, data=SCAN, name="身份证.pdf")
    assert resp.status_code == 201, resp.get_json()
    file_id = resp.get_json()["materials"][0]["files"][0]["id"]
    resp = submit(api, token, draft["id"])
    assert resp.status_code == 200, resp.get_json()
    case_id = draft["id"]
    assert choose(api, token, case_id, "mail", address["id"]).status_code == 200

    officer = reviewer(api, identity_app)
    approve(api, officer, case_id)
    run_jobs(identity_app)  # the courier order (SF simulator) and the notifications
    assert row(identity_app, case_id).status == "ordered"

    complaint = api.post(
        "/api/v1/complaints",
        json={
            "kind": "complaint",
            "subject_type": "case",
            "case_id": case_id,
            "title": "重复提交",
            "content": COMPLAINT,
        },
        headers=bearer(token),
    )
    assert complaint.status_code == 201, complaint.get_json()
    consultation = api.post(
        "/api/v1/complaints",
        json={
            "kind": "consultation",
            "subject_type": "item",
            "service_code": HUJI,
            "title": "开具证明咨询",
            "content": CONSULTATION,
        },
        headers=bearer(token),
    )
    assert consultation.status_code == 201, consultation.get_json()
    complaint_id = complaint.get_json()["id"]
    resp = api.post(f"{BASE}/complaints/{complaint_id}/answer", json={"answer": ANSWER}, headers=officer)
    assert resp.status_code == 200, resp.get_json()

    move(identity_app, case_id, "conclude")
    resp = api.post(f"{APPS}/{case_id}/evaluation", json={"score": 2, "comment": COMMENT}, headers=bearer(token))
    assert resp.status_code == 201, resp.get_json()
    resp = api.post(f"{BASE}/evaluations/{resp.get_json()['id']}/reply", json={"reply": REPLY}, headers=officer)
    assert resp.status_code == 200, resp.get_json()
    run_jobs(identity_app)
    return {"token": token, "officer": officer, "case_id": case_id, "file_id": file_id, "complaint_id": complaint_id}


def views_read_in_full_and_lists_mask(api, identity_app, seen: dict) -> None:
    token, officer, case_id = seen["token"], seen["officer"], seen["case_id"]
    mine = api.get(f"{APPS}/{case_id}", headers=bearer(token)).get_json()
    assert mine["form_data"]["related_person_name"] == RELATED and mine["form_data"]["contact_phone"] == FORM_MOBILE
    staff_view = api.get(f"{BASE}/cases/{case_id}", headers=officer).get_json()
    assert staff_view["form_data"]["purpose"] == f"办理{FORM_STREET}房产过户"
    for url, headers in (
        (f"{APPS}/{case_id}/files/{seen['file_id']}", bearer(token)),
        (f"{BASE}/cases/{case_id}/files/{seen['file_id']}", officer),
    ):
        resp = api.get(url, headers=headers)
        assert resp.status_code == 200 and resp.data == SCAN
        assert resp.mimetype == "application/pdf" and resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Content-Disposition"].startswith("attachment;")

    detail = api.get(f"/api/v1/complaints/{seen['complaint_id']}", headers=bearer(token)).get_json()
    assert detail["content"] == COMPLAINT and detail["answer"] == ANSWER
    assert api.get(f"{BASE}/complaints/{seen['complaint_id']}", headers=officer).get_json()["content"] == COMPLAINT
    lists = [
        api.get("/api/v1/complaints", headers=bearer(token)).get_json(),
        api.get(f"{BASE}/departments/YQX-GA/complaints", headers=officer).get_json(),
        api.get(f"{BASE}/departments/YQX-GA/evaluations", headers=officer).get_json(),
        api.get(f"{BASE}/departments/YQX-GA/cases", headers=officer).get_json(),
        api.get(f"{BASE}/departments/YQX-GA/deliveries?status=ordered", headers=officer).get_json(),
        api.get(APPS, headers=bearer(token)).get_json(),
        api.get("/api/v1/addresses", headers=bearer(token)).get_json(),
    ]
    assert [page["total"] >= 1 for page in lists] == [True] * len(lists), [page["total"] for page in lists]
    listed = json.dumps(lists, ensure_ascii=False).encode("utf-8")
    assert found_in(listed) == [], found_in(listed)
    [rated] = lists[2]["items"]
    assert rated["comment"] is None and rated["followup"]["reply"] is None
    full = api.get(f"{BASE}/evaluations/{rated['id']}", headers=officer).get_json()
    assert full["comment"] == COMMENT and full["followup"]["reply"] == REPLY


def database_bytes(app) -> list[tuple[str, bytes]]:
    """(where, bytes) of the raw database: the SQLite files, or every text/json/bytea value on
    PostgreSQL read by SQL."""
    with app.app_context():
        db.session.remove()
        engine = db.engine
        if engine.dialect.name == "sqlite":
            path = Path(engine.url.database)
            engine.dispose()  # checkpoint: everything written is in the files now
            return [
                (str(p), p.read_bytes()) for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal")) if p.exists()
            ]
        out = []
        with engine.connect() as conn:
            columns = conn.execute(
                sa.text(
                    "SELECT table_name, column_name, data_type FROM information_schema.columns"
                    " WHERE table_schema = current_schema()"
                    " AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea')"
                )
            ).all()
            assert len(columns) > 100
            for table, column, data_type in columns:
                cast = f'"{column}"' if data_type == "bytea" else f'"{column}"::text'
                for (value,) in conn.execute(sa.text(f'SELECT {cast} FROM "{table}" WHERE "{column}" IS NOT NULL')):
                    out.append((f"{table}.{column}", bytes(value) if data_type == "bytea" else value.encode("utf-8")))
        return out


def test_no_personal_value_typed_in_is_found_in_the_database_the_files_or_the_logs(api, identity_app, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    seen = journeys(api, identity_app)
    views_read_in_full_and_lists_mask(api, identity_app, seen)

    stored = database_bytes(identity_app)
    assert sum(len(blob) for _, blob in stored) > 10_000
    leaks = [(where, found_in(blob)) for where, blob in stored if found_in(blob)]
    assert leaks == [], leaks

    files = [p for p in (tmp_path / "files").rglob("*") if p.is_file()]
    assert len(files) == 1
    assert [(p.name, found_in(p.read_bytes())) for p in files if found_in(p.read_bytes())] == []

    assert len(caplog.records) > 30  # the journeys did log
    logged = []
    for record in caplog.records:
        text = " ".join(
            str(v) for v in (record.getMessage(), record.args, record.exc_text, record.__dict__) if v is not None
        )
        if found := found_in(text.encode("utf-8")):
            logged.append((record.name, found))
    assert logged == [], logged
