"""Administrative divisions (行政区划) of the demo: the fictional 示范省 with 青岚市 and 云栖县
as the catalog seed names them (departments carry division codes 990000, 539900, 539921).
The codes are the seed's own — a city's code does not start with its province's digits here, so
the chain is checked through each row's parent, never by prefix.

The migration inserts SEED; `validate_chain` is what address writes call.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from delivery.errors import InvalidDivision
from delivery.models import Division, DivisionLevel

P, C, X = DivisionLevel.PROVINCE.value, DivisionLevel.CITY.value, DivisionLevel.COUNTY.value

# (code, name, level, parent code)
SEED: tuple[tuple[str, str, str, str | None], ...] = (
    ("990000", "示范省", P, None),
    ("539900", "青岚市", C, "990000"),
    ("539902", "岚城区", X, "539900"),
    ("539903", "新港区", X, "539900"),
    ("539921", "云栖县", X, "539900"),
    ("539922", "松溪县", X, "539900"),
    ("539800", "白鹭市", C, "990000"),
    ("539802", "鹭江区", X, "539800"),
    ("539821", "石门县", X, "539800"),
)


def children(parent_code: str | None) -> list[dict]:
    """The divisions directly under `parent_code` (provinces when None), by code."""
    query = sa.select(Division).order_by(Division.code)
    if parent_code is None:
        query = query.where(Division.parent_code.is_(None))
    else:
        if db.session.get(Division, parent_code) is None:
            raise InvalidDivision(errors={"query": {"parent": ["行政区划代码不存在"]}})
        query = query.where(Division.parent_code == parent_code)
    return [{"code": d.code, "name": d.name, "level": d.level} for d in db.session.scalars(query)]


def validate_chain(province_code: str, city_code: str, county_code: str) -> dict[str, Division]:
    """The three divisions, each of its level and each the parent of the next; else
    InvalidDivision naming the first field that is wrong."""
    rows = {
        d.code: d
        for d in db.session.scalars(
            sa.select(Division).where(Division.code.in_({province_code, city_code, county_code}))
        )
    }
    expected = (
        ("province_code", province_code, P, None),
        ("city_code", city_code, C, province_code),
        ("county_code", county_code, X, city_code),
    )
    for field, code, level, parent in expected:
        row = rows.get(code)
        if row is None or row.level != level:
            raise InvalidDivision(errors={"json": {field: ["行政区划代码不存在或级别不符"]}})
        if parent is not None and row.parent_code != parent:
            raise InvalidDivision(
                "所选地区不属于上一级行政区划",
                errors={"json": {field: ["所选地区不属于上一级行政区划"]}},
            )
    return {"province": rows[province_code], "city": rows[city_code], "county": rows[county_code]}


def names(*codes: str | None) -> dict[str, str]:
    """code → name for the given codes (unknown ones left out)."""
    wanted = {c for c in codes if c}
    if not wanted:
        return {}
    return dict(db.session.execute(sa.select(Division.code, Division.name).where(Division.code.in_(wanted))).all())


def ancestry(code: str) -> dict[str, str]:
    """{"province": name, "city": name, "county": name} up from `code` (levels it has)."""
    out: dict[str, str] = {}
    seen = 0
    while code and seen < 4:
        row = db.session.get(Division, code)
        if row is None:
            break
        out[row.level] = row.name
        code = row.parent_code
        seen += 1
    return out
