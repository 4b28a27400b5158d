"""The population registry (人口库) and the normalisation of what citizens type: names,
resident ID numbers, mobile numbers.

The registry is the authority on whether a person exists. An ID number is checked here only for
what it must be on its face — 18 characters, the GB 11643 check digit, a real birth date — and
not for its region code: division codes change over time and the registry decides.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from app import crypto
from app.extensions import db
from app.identity import errors
from app.identity.models import Resident

SEED_FILE = Path(__file__).resolve().parent / "seed" / "residents.json"

ID_CONTEXT = "id_number"
NAME_CONTEXT = "person_name"
PHONE_CONTEXT = "phone"

_NAME = re.compile(
    r"^[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ebef]+(?:·[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ebef]+)*$"
)
_MIDDLE_DOTS = str.maketrans({"•": "·", "・": "·", "．": "·", ".": "·", "‧": "·", "∙": "·"})
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalise_name(raw: str) -> str:
    """A Chinese name as on the ID card: CJK characters, '·' between the parts of a minority
    name; surrounding and inner spaces dropped."""
    name = unicodedata.normalize("NFKC", raw or "").translate(_MIDDLE_DOTS)
    name = re.sub(r"\s+", "", name)
    if not 2 <= len(name) <= 30 or not _NAME.match(name):
        raise errors.InvalidName(errors=errors.field_errors("name", "请填写身份证上的中文姓名"))
    return name


def normalise_id_number(raw: str) -> str:
    """An 18-character resident ID number (upper-case X), or InvalidIdNumber saying why."""
    number = ric.compact(unicodedata.normalize("NFKC", raw or "")).replace(" ", "")

    def bad(reason: str):
        return errors.InvalidIdNumber(errors=errors.field_errors("id_number", reason))

    if len(number) != 18:
        raise bad("身份证号码应为18位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise bad("身份证号码只能包含数字和末位的X")
    if number[-1] != ric.calc_check_digit(number):
        raise bad("身份证号码校验位不正确")
    try:
        born = ric.get_birth_date(number)
    except StdnumError:
        raise bad("身份证号码中的出生日期不正确") from None
    if born.year < 1900 or born > date.today():
        raise bad("身份证号码中的出生日期不正确")
    return number


def normalise_mobile(raw: str) -> str:
    """An 11-digit mainland mobile number; spaces, dashes and a +86 prefix are tolerated."""
    mobile = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", raw or ""))
    if mobile.startswith("+86"):
        mobile = mobile[3:]
    elif mobile.startswith("0086"):
        mobile = mobile[4:]
    if not _MOBILE.match(mobile):
        raise errors.InvalidMobile(errors=errors.field_errors("mobile", "请输入11位手机号码"))
    return mobile


def id_hash(number: str) -> str:
    return crypto.lookup_hash(number, purpose=ID_CONTEXT)


def phone_hash(mobile: str) -> str:
    return crypto.lookup_hash(mobile, purpose=PHONE_CONTEXT)


# ---------------------------------------------------------------- registry


def add_resident(*, name: str, id_number: str) -> Resident:
    """Add one person to the registry (flushes; the caller commits)."""
    name = normalise_name(name)
    number = normalise_id_number(id_number)
    digest = id_hash(number)
    if db.session.scalar(sa.select(Resident.id).where(Resident.id_hash == digest)) is not None:
        raise errors.ResidentExists()
    resident = Resident(
        id_hash=digest,
        id_enc=crypto.encrypt(number, context=ID_CONTEXT),
        name_enc=crypto.encrypt(name, context=NAME_CONTEXT),
    )
    db.session.add(resident)
    db.session.flush()
    return resident


def seed_residents(path: Path = SEED_FILE) -> tuple[int, int]:
    """Load the demo residents (idempotent by ID number). Returns (added, already present)."""
    rows = json.loads(path.read_text(encoding="utf-8"))["residents"]
    added = present = 0
    for row in rows:
        digest = id_hash(normalise_id_number(row["id_number"]))
        if db.session.scalar(sa.select(Resident.id).where(Resident.id_hash == digest)) is not None:
            present += 1
            continue
        add_resident(name=row["name"], id_number=row["id_number"])
        added += 1
    db.session.commit()
    return added, present


def match_resident(*, name: str, id_number: str) -> Resident | None:
    """The active resident with this (normalised) ID number and exactly this name, else None."""
    resident = db.session.scalar(
        sa.select(Resident).where(Resident.id_hash == id_hash(id_number), Resident.active.is_(True))
    )
    if resident is None:
        return None
    if not crypto.constant_time_equal(crypto.decrypt(resident.name_enc, context=NAME_CONTEXT), name):
        return None
    return resident
