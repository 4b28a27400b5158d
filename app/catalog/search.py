"""In-memory search index over the active catalog, one per process.

A county catalog holds a few thousand items and a province's some tens of thousands: small
enough to hold per process, and matching in memory works the same on SQLite and PostgreSQL.
Each searchable field of every item is joined into one string per field, so finding a term is
a C-speed `str.find` over one string; a hit maps back to its item by bisection over the start
offsets. The index is rebuilt when the catalog revision changes.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.catalog import models as m
from app.catalog.fees import fee_text
from app.catalog.text import is_latin, normalise
from app.extensions import db

SEP = "\x00"

# Field weights: a hit in the name outranks a keyword, which outranks a pinyin reading, which
# outranks a material the item merely requires.
W_NAME_EXACT = 200
W_NAME_PREFIX = 140
W_NAME = 100
W_SYNONYM_NAME = 80
W_KEYWORD = 60
W_PINYIN = 50
W_INITIALS = 40
W_KEYWORD_PINYIN = 30
W_DEPARTMENT = 10
W_MATERIAL = 15


@dataclass
class _Field:
    blob: str
    starts: list[int]

    @classmethod
    def build(cls, values: list[str]) -> _Field:
        starts, pos = [], 0
        for v in values:
            starts.append(pos)
            pos += len(v) + 1
        return cls(SEP.join(values), starts)

    def hits(self, term: str) -> list[int]:
        """Indices of the items whose value contains `term` (each item once)."""
        out: list[int] = []
        blob, starts, n = self.blob, self.starts, len(self.starts)
        pos = blob.find(term)
        while pos != -1:
            idx = bisect_right(starts, pos) - 1
            out.append(idx)
            if idx + 1 >= n:
                break
            pos = blob.find(term, starts[idx + 1])
        return out


@dataclass
class CatalogIndex:
    revision: int
    ids: list[int]
    codes: list[str]
    summaries: list[dict]
    names: list[str]
    popularity: list[int]
    department: list[str]
    audience: list[frozenset]
    themes: list[frozenset]
    level: list[str]
    mobile: list[bool]
    fully_online: list[bool]
    visits: list[int]
    f_name: _Field
    f_keywords: _Field
    f_pinyin: _Field
    f_initials: _Field
    f_kw_pinyin: _Field
    f_department: _Field
    by_code: dict[str, int]
    items_by_material: dict[int, list[int]]
    # normalised synonym or canonical name -> material type ids
    material_terms: dict[str, set[int]]
    material_names: dict[int, list[str]]
    department_codes: frozenset
    theme_codes: frozenset
    cache: OrderedDict = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    CACHE_SIZE = 2048

    # -- building

    @classmethod
    def load(cls, revision: int) -> CatalogIndex:
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
            .order_by(m.ServiceItem.id)
        ).all()
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

        summaries = [
            {
                "code": r[1],
                "basic_code": r[2],
                "name": r[3],
                "department": {"code": r[18], "name": r[19]},
                "type": r[4],
                "audience": list(r[5]),
                "level": r[6],
                "mobile": r[7],
                "fully_online": r[8],
                "visits": r[9],
                "instant": r[10],
                "promised_time_limit": r[11],
                "fee_from_fen": r[12],
                "fee_varies": r[20],
                "fee_text": fee_text(r[12], r[20]),
            }
            for r in rows
        ]
        return cls(
            revision=revision,
            ids=[r[0] for r in rows],
            codes=[r[1] for r in rows],
            summaries=summaries,
            names=[normalise(r[3]) for r in rows],
            popularity=[r[13] for r in rows],
            department=[r[18] for r in rows],
            audience=[frozenset(r[5]) for r in rows],
            themes=[frozenset(t) for t in themes],
            level=[r[6] for r in rows],
            mobile=[r[7] for r in rows],
            fully_online=[r[8] for r in rows],
            visits=[r[9] for r in rows],
            f_name=_Field.build([normalise(r[3]) for r in rows]),
            f_keywords=_Field.build([SEP.join(normalise(k) for k in (r[14] or [])) for r in rows]),
            f_pinyin=_Field.build([r[15] or "" for r in rows]),
            f_initials=_Field.build([r[16] or "" for r in rows]),
            f_kw_pinyin=_Field.build([r[17] or "" for r in rows]),
            f_department=_Field.build([normalise(r[19]) for r in rows]),
            by_code={r[1]: i for i, r in enumerate(rows)},
            items_by_material=items_by_material,
            material_terms=material_terms,
            material_names=material_names,
            department_codes=frozenset(db.session.scalars(sa.select(m.Department.code))),
            theme_codes=frozenset(db.session.scalars(sa.select(m.Theme.code))),
        )

    # -- querying

    def _score(self, q: str) -> dict[int, int]:
        scores: dict[int, int] = {}

        def add(indices, weight):
            for i in indices:
                if scores.get(i, 0) < weight:
                    scores[i] = weight

        for i in self.f_name.hits(q):
            name = self.names[i]
            add((i,), W_NAME_EXACT if name == q else W_NAME_PREFIX if name.startswith(q) else W_NAME)
        add(self.f_keywords.hits(q), W_KEYWORD)
        add(self.f_department.hits(q), W_DEPARTMENT)
        if is_latin(q):
            add(self.f_pinyin.hits(q), W_PINYIN)
            add(self.f_initials.hits(q), W_INITIALS)
            add(self.f_kw_pinyin.hits(q), W_KEYWORD_PINYIN)
        # Material synonyms: 身份证件 means 居民身份证 whatever the wording of the item's name.
        material_ids: set[int] = set()
        for term, ids in self.material_terms.items():
            if q == term or (len(q) >= 2 and q in term):
                material_ids |= ids
        for mt_id in material_ids:
            for term in self.material_names.get(mt_id, ()):
                if term != q:
                    add(self.f_name.hits(term), W_SYNONYM_NAME)
            add(self.items_by_material.get(mt_id, ()), W_MATERIAL)
        return scores

    def search(self, q: str, filters: dict) -> list[int]:
        """Item positions matching `q` and `filters`, best first; memoised per revision."""
        key = (q, tuple(sorted(filters.items())))
        with self.lock:
            hit = self.cache.get(key)
            if hit is not None:
                self.cache.move_to_end(key)
                return hit
        if q:
            scores = self._score(q)
            candidates = list(scores)
        else:
            scores = None
            candidates = range(len(self.ids))
        result = [i for i in candidates if self._passes(i, filters)]
        pop, codes = self.popularity, self.codes
        if scores is None:
            result.sort(key=lambda i: (-pop[i], codes[i]))
        else:
            result.sort(key=lambda i: (-scores[i], -pop[i], codes[i]))
        with self.lock:
            self.cache[key] = result
            if len(self.cache) > self.CACHE_SIZE:
                self.cache.popitem(last=False)
        return result

    def _passes(self, i: int, f: dict) -> bool:
        if "department" in f and self.department[i] != f["department"]:
            return False
        if "audience" in f and f["audience"] not in self.audience[i]:
            return False
        if "theme" in f and f["theme"] not in self.themes[i]:
            return False
        if "level" in f and self.level[i] != f["level"]:
            return False
        if "mobile" in f and self.mobile[i] != f["mobile"]:
            return False
        if f.get("online_only") and not self.fully_online[i]:
            return False
        if "visits" in f and self.visits[i] > f["visits"]:
            return False
        return True
