"""The market-entity registry (市场主体登记 in miniature): normalising what is typed (USCC, names),
adding enterprises one by one or from the demo seed, and looking them up.

A USCC (统一社会信用代码) is checked on its face with python-stdnum (18 characters of the GB 32100
alphabet, check digit); whether the entity exists is the registry's business. The enterprise's
holder key (`uscc_hash`) is a keyed hash of the USCC, so e-licences and credit entries held by
an enterprise are keyed the same way as a person's are by `id_hash`.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError as StdnumError

from app import crypto
from app.credit import service as credit
from app.enterprises import errors
from app.enterprises.models import Enterprise, EnterpriseStatus
from app.errors import ValidationFailed
from app.extensions import db
from app.identity import registry as people

SEED_FILE = Path(__file__).resolve().parent / "seed" / "enterprises.json"

USCC_CONTEXT = "uscc"
KINDS_MAX = 64
STATUSES = tuple(s.value for s in EnterpriseStatus)


def normalise_uscc(raw: str) -> str:
    """An 18-character USCC (upper case), or InvalidUscc saying why."""
    number = stdnum_uscc.compact(unicodedata.normalize("NFKC", raw or ""))
    try:
        return stdnum_uscc.validate(number)
    except StdnumError as exc:
        reason = {
            "InvalidLength": "统一社会信用代码应为18位",
            "InvalidChecksum": "统一社会信用代码校验位不正确",
        }.get(type(exc).__name__, "统一社会信用代码格式不正确")
        raise errors.InvalidUscc(errors=errors.field_errors("uscc", reason)) from None


def uscc_hash(number: str) -> str:
    """The enterprise's holder key: keyed hash of an already normalised USCC."""
    return crypto.lookup_hash(number, purpose=USCC_CONTEXT)


def _text(value, field: str, label: str, max_len: int, *, required: bool = True) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if required and not text:
        raise errors.InvalidEnterprise(errors=errors.field_errors(field, f"请填写{label}"))
    if len(text) > max_len:
        raise errors.InvalidEnterprise(errors=errors.field_errors(field, f"{label}不能超过{max_len}个字符"))
    return text


def clean_record(row: dict) -> dict:
    """Validate and normalise one registry record (a seed row, a CSV line, CLI options).

    Keys: uscc, name, kind, status, address, division_code, established_on (YYYY-MM-DD),
    legal_rep_name, legal_rep_id_number. Raises a ValidationFailed naming the field."""
    out = {
        "uscc": normalise_uscc(row.get("uscc", "")),
        "name": _text(row.get("name"), "name", "企业名称", 200),
        "kind": _text(row.get("kind"), "kind", "市场主体类型", KINDS_MAX),
        "address": _text(row.get("address"), "address", "住所", 300, required=False),
        "division_code": _text(row.get("division_code"), "division_code", "登记机关区划", 12, required=False),
    }
    status = _text(row.get("status") or EnterpriseStatus.ACTIVE, "status", "登记状态", 16)
    if status not in STATUSES:
        raise errors.InvalidEnterprise(errors=errors.field_errors("status", "登记状态应为" + "、".join(STATUSES)))
    out["status"] = status
    if out["division_code"] and not (out["division_code"].isdigit() and len(out["division_code"]) in (6, 9, 12)):
        raise errors.InvalidEnterprise(errors=errors.field_errors("division_code", "行政区划代码应为6位数字"))
    established = str(row.get("established_on") or "").strip()
    try:
        out["established_on"] = date.fromisoformat(established) if established else None
    except ValueError:
        raise errors.InvalidEnterprise(
            errors=errors.field_errors("established_on", "成立日期格式应为YYYY-MM-DD")
        ) from None
    if out["established_on"] and out["established_on"] > date.today():
        raise errors.InvalidEnterprise(errors=errors.field_errors("established_on", "成立日期不能晚于今天"))
    # the identity registry's own checks, reported under this record's field names
    try:
        out["legal_rep_name"] = people.normalise_name(row.get("legal_rep_name", ""))
    except ValidationFailed as exc:
        raise errors.InvalidEnterprise(errors=errors.field_errors("legal_rep_name", "法定代表人姓名格式有误")) from exc
    try:
        out["legal_rep_id_number"] = people.normalise_id_number(row.get("legal_rep_id_number", ""))
    except ValidationFailed as exc:
        raise errors.InvalidEnterprise(
            errors=errors.field_errors("legal_rep_id_number", "法定代表人身份证号码有误")
        ) from exc
    return out


def exists(number: str) -> bool:
    return db.session.scalar(sa.select(Enterprise.id).where(Enterprise.uscc_hash == uscc_hash(number))) is not None


def add_enterprise(record: dict) -> Enterprise:
    """Add one enterprise from a record `clean_record` accepts (flushes; the caller commits)."""
    data = clean_record(record)
    if exists(data["uscc"]):
        raise errors.EnterpriseExists()
    enterprise = Enterprise(
        uscc=data["uscc"],
        uscc_hash=uscc_hash(data["uscc"]),
        name=data["name"],
        kind=data["kind"],
        status=data["status"],
        address=data["address"],
        division_code=data["division_code"],
        established_on=data["established_on"],
        legal_rep_hash=people.id_hash(data["legal_rep_id_number"]),
        legal_rep_id_enc=crypto.encrypt(data["legal_rep_id_number"], context=people.ID_CONTEXT),
        legal_rep_name_enc=crypto.encrypt(data["legal_rep_name"], context=people.NAME_CONTEXT),
    )
    db.session.add(enterprise)
    db.session.flush()
    return enterprise


def seed_enterprises(path: Path = SEED_FILE, *, credit_records: bool = True) -> dict:
    """Load the demo enterprises (idempotent by USCC) and, unless `credit_records` is False,
    their credit records (`seed_credit`); commits. Returns {"added", "present", "credit_added"}."""
    rows = json.loads(path.read_text(encoding="utf-8"))["enterprises"]
    added = present = 0
    for row in rows:
        if exists(normalise_uscc(row["uscc"])):
            present += 1
        else:
            add_enterprise(row)
            added += 1
    db.session.commit()
    credit_added = seed_credit(path) if credit_records else 0
    return {"added": added, "present": present, "credit_added": credit_added}


def seed_credit(path: Path = SEED_FILE) -> int:
    """The demo enterprises' credit records, keyed by their uscc_hash (经营异常名录 = general,
    严重违法失信名单 = serious), idempotent; commits. Returns how many were added."""
    added = 0
    for row in json.loads(path.read_text(encoding="utf-8"))["enterprises"]:
        listed = row.get("credit")
        if not listed:
            continue
        holder = uscc_hash(normalise_uscc(row["uscc"]))
        status = credit.check(holder)
        if status.serious if listed["severity"] == "serious" else status.general:
            continue
        credit.add_entry(
            resident_hash=holder, severity=listed["severity"], reason=listed["reason"], source="enterprise-demo"
        )
        added += 1
    db.session.commit()
    return added


def by_uscc(number: str) -> Enterprise | None:
    """The registered enterprise with this USCC (any spelling `normalise_uscc` accepts), else None."""
    try:
        number = normalise_uscc(number)
    except errors.InvalidUscc:
        return None
    return db.session.scalar(sa.select(Enterprise).where(Enterprise.uscc_hash == uscc_hash(number)))


def legal_rep_name(enterprise: Enterprise) -> str:
    return crypto.decrypt(enterprise.legal_rep_name_enc, context=people.NAME_CONTEXT)
