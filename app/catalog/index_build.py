"""What the catalog index is built from: the active items' searchable and listed columns, read in
one pass and put in list order (most popular first, then by implementation code)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from app.catalog import models as m
from app.catalog.text import normalise
from app.extensions import db


@dataclass
class CatalogRows:
    """The active items, one list per column, all in list order (position p is the same item
    in every list)."""

    codes: list[str]
    basic_codes: list[str]
    names: list[str]  # as written
    item_types: list[str]
    audience: list[list[str]]
    level: list[str]
    mobile: list[bool]
    fully_online: list[bool]
    visits: list[int]
    instant: list[bool]
    promised_time_limit: list[int]
    fee_from_fen: list[int]
    fee_varies: list[bool]
    popularity: list[int]
    keywords: list[list[str]]  # normalised
    pinyin: list[str]
    initials: list[str]
    keywords_pinyin: list[str]
    department_code: list[str]
    department_name: list[str]  # as written
    themes: list[frozenset]
    # material type id -> positions of the items requiring it
    items_by_material: dict[int, list[int]]
    # material type id -> its name and synonyms, normalised
    material_names: dict[int, list[str]]
    # normalised synonym or canonical name -> material type ids
    material_terms: dict[str, set[int]]
    department_codes: frozenset
    theme_codes: frozenset

    def __len__(self) -> int:
        return len(self.codes)


def load_rows() -> CatalogRows:
    rows = db.session.execute(
        sa.select(
            m.ServiceItem.id,
            m.ServiceItem.implementation_code,
            m.ServiceItem.basic_code,
            m.ServiceItem.name,
            m.ServiceItem.item_type,
            m.ServiceItem.audience,
            m.ServiceItem.level,
            m.ServiceItem.mobile,
            m.ServiceItem.fully_online,
            m.ServiceItem.visits,
            m.ServiceItem.instant,
            m.ServiceItem.promised_time_limit,
            m.ServiceItem.fee_from_fen,
            m.ServiceItem.popularity,
            m.ServiceItem.keywords,
            m.ServiceItem.search_pinyin,
            m.ServiceItem.search_initials,
            m.ServiceItem.keywords_pinyin,
            m.Department.code,
            m.Department.name,
            m.ServiceItem.fee_varies,
        )
        .join(m.Department, m.ServiceItem.department_id == m.Department.id)
        .where(m.ServiceItem.active.is_(True))
    ).all()
    # List order: popularity, then code (compared in Python, whatever the database's collation).
    rows.sort(key=lambda r: (-r[13], r[1]))
    pos = {r[0]: i for i, r in enumerate(rows)}
    themes: list[set] = [set() for _ in rows]
    for item_id, theme_code in db.session.execute(
        sa.select(m.service_item_themes.c.service_item_id, m.Theme.code).join(
            m.Theme, m.Theme.id == m.service_item_themes.c.theme_id
        )
    ):
        if item_id in pos:
            themes[pos[item_id]].add(theme_code)
    items_by_material: dict[int, list[int]] = {}
    for item_id, mt_id in db.session.execute(
        sa.select(m.ServiceMaterial.service_item_id, m.ServiceMaterial.material_type_id).distinct()
    ):
        if item_id in pos:
            items_by_material.setdefault(mt_id, []).append(pos[item_id])
    material_terms: dict[str, set[int]] = {}
    material_names: dict[int, list[str]] = {}
    for mt_id, name, synonyms in db.session.execute(
        sa.select(m.MaterialType.id, m.MaterialType.name, m.MaterialType.synonyms)
    ):
        words = [name, *(synonyms or [])]
        material_names[mt_id] = [normalise(w) for w in words if normalise(w)]
        for w in material_names[mt_id]:
            material_terms.setdefault(w, set()).add(mt_id)
    # Many items share a value (三级四同): one string object per distinct value.
    shared: dict = {}

    def one(v):
        return shared.setdefault(v, v)

    return CatalogRows(
        codes=[r[1] for r in rows],
        basic_codes=[one(r[2]) for r in rows],
        names=[one(r[3]) for r in rows],
        item_types=[one(r[4]) for r in rows],
        audience=[list(r[5]) for r in rows],
        level=[one(r[6]) for r in rows],
        mobile=[r[7] for r in rows],
        fully_online=[r[8] for r in rows],
        visits=[r[9] for r in rows],
        instant=[r[10] for r in rows],
        promised_time_limit=[r[11] for r in rows],
        fee_from_fen=[r[12] for r in rows],
        fee_varies=[r[20] for r in rows],
        popularity=[r[13] for r in rows],
        keywords=[[normalise(k) for k in (r[14] or [])] for r in rows],
        pinyin=[one(r[15] or "") for r in rows],
        initials=[one(r[16] or "") for r in rows],
        keywords_pinyin=[one(r[17] or "") for r in rows],
        department_code=[one(r[18]) for r in rows],
        department_name=[one(r[19]) for r in rows],
        themes=[frozenset(t) for t in themes],
        items_by_material=items_by_material,
        material_names=material_names,
        material_terms=material_terms,
        department_codes=frozenset(db.session.scalars(sa.select(m.Department.code))),
        theme_codes=frozenset(db.session.scalars(sa.select(m.Theme.code))),
    )
