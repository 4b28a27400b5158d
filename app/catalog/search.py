"""In-memory search index over the active catalog, one per catalog revision.

Items sit at positions in list order (most popular first, then by code), and every set of items
— a filter's, a field value's, a search's hits at one weight — is a bitset over those positions
(app/catalog/postings.py). So a list request intersects a few bitsets and reads the lowest set
bits; a search finds its term among the distinct values of each field (few: items share names),
merges the postings of the values hit per weight, and reads the page weight by weight. The cost
of a request grows with the bytes of a bitset (n/8), not with the items hit or sorted.

The ranking is defined by `app.catalog.ranking.reference_search`, a plain scan over the rows;
tests/catalog/test_search_index.py holds this index equal to it. Building the index reads the
catalog once (app/catalog/index_build.py); gunicorn builds it in the master before forking, so
workers share it and none serves before it is ready (gunicorn.conf.py).
"""

from __future__ import annotations

import json
from array import array
from dataclasses import dataclass, field

from app.catalog.fees import fee_text
from app.catalog.index_build import CatalogRows, load_rows
from app.catalog.postings import Postings, TextField, find_values, from_positions, join_values, positions, select
from app.catalog.text import is_latin, normalise

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

FILTER_KEYS = ("department", "audience", "theme", "level", "mobile", "online_only", "visits")


@dataclass(eq=False)
class CatalogIndex:
    revision: int
    n: int
    # the list's columns, to build a summary on demand (values shared between items)
    codes: list[str]
    basic_codes: list[str]
    names: list[str]
    item_types: list[str]
    audience: list[tuple]
    level: list[str]
    mobile: list[bool]
    fully_online: list[bool]
    visits: list[int]
    instant: list[bool]
    promised_time_limit: list[int]
    fee_from_fen: list[int]
    fee_varies: list[bool]
    fee_texts: list[str]
    department: list[tuple]  # (code, name)
    # filters
    all_bits: int
    f_department: Postings
    f_theme: Postings
    f_audience: dict
    f_level: dict
    f_mobile: dict
    f_online: int
    f_visits: list[int]  # f_visits[v]: items needing at most v visits
    # searchable fields
    t_name: TextField
    t_keywords: TextField
    t_pinyin: TextField
    t_initials: TextField
    t_kw_pinyin: TextField
    t_department: TextField
    materials: Postings
    material_names: dict
    material_terms: dict
    m_terms: list[str]  # the material terms, joined for finding the query in them
    m_blob: str
    m_starts: list[int]
    department_codes: frozenset
    theme_codes: frozenset
    # every summary as its response text (UTF-8), end to end in one object, so serving a page
    # copies bytes instead of encoding dicts, and touches no shared object's reference count
    summary_blob: bytes = b""
    summary_ends: array = field(default_factory=lambda: array("Q"))

    # -- building

    @classmethod
    def load(cls, revision: int) -> CatalogIndex:
        return cls.build(load_rows(), revision)

    @classmethod
    def build(cls, r: CatalogRows, revision: int = 0) -> CatalogIndex:
        n = len(r)
        nbytes = (n + 7) // 8

        def bits_where(values: list, wanted) -> int:
            return from_positions((p for p, v in enumerate(values) if v == wanted), nbytes)

        def groups(values) -> dict:
            out: dict = {}
            for p, vs in enumerate(values):
                for v in vs:
                    out.setdefault(v, []).append(p)
            return out

        norm: dict[str, str] = {}

        def normalised(v: str) -> str:
            hit = norm.get(v)
            if hit is None:
                hit = norm[v] = normalise(v)
            return hit

        top_visits = max(r.visits, default=0)
        audiences: dict[tuple, tuple] = {}
        departments: dict[tuple, tuple] = {}
        fee_texts: dict[tuple, str] = {}
        idx = cls(
            revision=revision,
            n=n,
            codes=r.codes,
            basic_codes=r.basic_codes,
            names=r.names,
            item_types=r.item_types,
            audience=[audiences.setdefault(tuple(a), tuple(a)) for a in r.audience],
            level=r.level,
            mobile=r.mobile,
            fully_online=r.fully_online,
            visits=r.visits,
            instant=r.instant,
            promised_time_limit=r.promised_time_limit,
            fee_from_fen=r.fee_from_fen,
            fee_varies=r.fee_varies,
            fee_texts=[
                fee_texts.setdefault((f, v), fee_text(f, v)) for f, v in zip(r.fee_from_fen, r.fee_varies, strict=True)
            ],
            department=[
                departments.setdefault((c, nm), (c, nm))
                for c, nm in zip(r.department_code, r.department_name, strict=True)
            ],
            all_bits=(1 << n) - 1,
            f_department=Postings(n, groups([c] for c in r.department_code)),
            f_theme=Postings(n, groups(r.themes)),
            f_audience={k: from_positions(v, nbytes) for k, v in groups(r.audience).items()},
            f_level={k: from_positions(v, nbytes) for k, v in groups([lv] for lv in r.level).items()},
            f_mobile={flag: bits_where(r.mobile, flag) for flag in (True, False)},
            f_online=bits_where(r.fully_online, True),
            f_visits=[
                from_positions((p for p, v in enumerate(r.visits) if v <= ceiling), nbytes)
                for ceiling in range(top_visits + 1)
            ],
            t_name=TextField(n, [(normalised(v),) for v in r.names]),
            t_keywords=TextField(n, r.keywords),
            t_pinyin=TextField(n, [(v,) for v in r.pinyin]),
            t_initials=TextField(n, [(v,) for v in r.initials]),
            t_kw_pinyin=TextField(n, [(v,) for v in r.keywords_pinyin]),
            t_department=TextField(n, [(normalised(v),) for v in r.department_name]),
            materials=Postings(n, r.items_by_material),
            material_names=r.material_names,
            material_terms=r.material_terms,
            m_terms=list(r.material_terms),
            m_blob=join_values(list(r.material_terms))[0],
            m_starts=join_values(list(r.material_terms))[1],
            department_codes=r.department_codes,
            theme_codes=r.theme_codes,
        )
        idx._encode_summaries()
        return idx

    def _encode_summaries(self) -> None:
        parts, ends, end = [], array("Q"), 0
        for p in range(self.n):
            text = json.dumps(self.summary(p), ensure_ascii=False, separators=(",", ":")).encode()
            parts.append(text)
            end += len(text)
            ends.append(end)
        self.summary_blob, self.summary_ends = b"".join(parts), ends

    # -- querying

    def summary(self, p: int) -> dict:
        """The list entry of the item at position `p`."""
        dep_code, dep_name = self.department[p]
        fee_from = self.fee_from_fen[p]
        return {
            "code": self.codes[p],
            "basic_code": self.basic_codes[p],
            "name": self.names[p],
            "department": {"code": dep_code, "name": dep_name},
            "type": self.item_types[p],
            "audience": list(self.audience[p]),
            "level": self.level[p],
            "mobile": self.mobile[p],
            "fully_online": self.fully_online[p],
            "visits": self.visits[p],
            "instant": self.instant[p],
            "promised_time_limit": self.promised_time_limit[p],
            "fee_from_fen": fee_from,
            "fee_varies": self.fee_varies[p],
            "fee_text": self.fee_texts[p],
        }

    def summary_json(self, p: int) -> bytes:
        """`summary(p)` as the response sends it: compact JSON, UTF-8 (held equal to the schema's
        dump by tests/miniprogram_api/test_catalog_bodies.py)."""
        ends = self.summary_ends
        return self.summary_blob[ends[p - 1] if p else 0 : ends[p]]

    def _mask(self, f: dict) -> int | None:
        """Bitset of the items passing the filters; None when nothing is filtered."""
        parts: list[int] = []
        if "department" in f:
            parts.append(self.f_department.bits(f["department"]))
        if "theme" in f:
            parts.append(self.f_theme.bits(f["theme"]))
        if "audience" in f:
            parts.append(self.f_audience.get(f["audience"], 0))
        if "level" in f:
            parts.append(self.f_level.get(f["level"], 0))
        if "mobile" in f:
            parts.append(self.f_mobile[bool(f["mobile"])])
        if f.get("online_only"):
            parts.append(self.f_online)
        if "visits" in f:
            v = f["visits"]
            parts.append(0 if v < 0 else self.f_visits[min(v, len(self.f_visits) - 1)] if self.f_visits else 0)
        if not parts:
            return None
        parts.sort(key=int.bit_length)  # the sparsest first: every AND is then as short as it
        mask = parts[0]
        for b in parts[1:]:
            if not mask:
                break
            mask &= b
        return mask

    def _levels(self, q: str) -> dict[int, int]:
        """weight -> bitset of the items hit at that weight (an item may be in several)."""
        levels: dict[int, int] = {}

        def add(weight: int, bits: int) -> None:
            if bits:
                levels[weight] = levels.get(weight, 0) | bits

        exact, prefix, inner = [], [], []
        for vid in self.t_name.matching(q):
            value = self.t_name.values[vid]
            (exact if value == q else prefix if value.startswith(q) else inner).append(vid)
        add(W_NAME_EXACT, self.t_name.postings.union(exact))
        add(W_NAME_PREFIX, self.t_name.postings.union(prefix))
        add(W_NAME, self.t_name.postings.union(inner))
        add(W_KEYWORD, self.t_keywords.items(q))
        add(W_DEPARTMENT, self.t_department.items(q))
        if is_latin(q):
            add(W_PINYIN, self.t_pinyin.items(q))
            add(W_INITIALS, self.t_initials.items(q))
            add(W_KEYWORD_PINYIN, self.t_kw_pinyin.items(q))
        # Material synonyms: 身份证件 means 居民身份证 whatever the wording of the item's name.
        # A term is hit when it is the query or, for a query of two characters or more, holds it.
        if len(q) >= 2:
            hit_terms = [self.m_terms[k] for k in find_values(self.m_blob, self.m_starts, q)]
        else:
            hit_terms = [q] if q in self.material_terms else []
        material_ids: set[int] = set()
        for term in hit_terms:
            material_ids |= self.material_terms[term]
        if material_ids:
            terms = {t for mt_id in material_ids for t in self.material_names.get(mt_id, ()) if t != q}
            add(W_SYNONYM_NAME, self.t_name.postings.union({v for t in terms for v in self.t_name.matching(t)}))
            add(W_MATERIAL, self.materials.union(material_ids))
        return levels

    def page(self, q: str, filters: dict, start: int, size: int) -> tuple[int, list[int]]:
        """(how many items match, the positions of `size` of them from `start`), ranked: by
        weight, then popularity, then code."""
        mask = self._mask(filters)
        if not q:
            bits = self.all_bits if mask is None else mask
            if mask is None:
                return self.n, list(range(min(start, self.n), min(start + size, self.n)))
            return bits.bit_count(), select(bits, start, size)
        total, out, seen, skip = 0, [], 0, start
        for _weight, bits in sorted(self._levels(q).items(), reverse=True):
            if mask is not None:
                bits &= mask
            if seen:
                bits ^= bits & seen
            if not bits:
                continue
            seen |= bits
            count = bits.bit_count()
            total += count
            if len(out) < size:
                if skip >= count:
                    skip -= count
                else:
                    got = select(bits, skip, size - len(out))
                    skip = 0
                    out.extend(got)
        return total, out

    def search(self, q: str, filters: dict) -> list[int]:
        """Every matching position, ranked (for whole lists: a theme's items)."""
        if not q:
            mask = self._mask(filters)
            return list(range(self.n)) if mask is None else positions(mask)
        total, _ = self.page(q, filters, 0, 0)
        return self.page(q, filters, 0, total)[1]
