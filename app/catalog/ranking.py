"""What a catalog search returns, defined as a plain scan over the rows: the definition the index
(app/catalog/search.py) answers from bitsets, and that tests hold it equal to. Not used to serve.

An item's score for a query is the best weight among the fields it matches (weights in
app/catalog/search.py); the result is every item scoring above zero and passing the filters,
by score, then popularity, then code. Without a query, every item passing the filters, by
popularity then code.
"""

from __future__ import annotations

from app.catalog.index_build import CatalogRows
from app.catalog.search import (
    W_DEPARTMENT,
    W_INITIALS,
    W_KEYWORD,
    W_KEYWORD_PINYIN,
    W_MATERIAL,
    W_NAME,
    W_NAME_EXACT,
    W_NAME_PREFIX,
    W_PINYIN,
    W_SYNONYM_NAME,
)
from app.catalog.text import is_latin, normalise


def _passes(r: CatalogRows, i: int, f: dict) -> bool:
    if "department" in f and r.department_code[i] != f["department"]:
        return False
    if "audience" in f and f["audience"] not in r.audience[i]:
        return False
    if "theme" in f and f["theme"] not in r.themes[i]:
        return False
    if "level" in f and r.level[i] != f["level"]:
        return False
    if "mobile" in f and r.mobile[i] != f["mobile"]:
        return False
    if f.get("online_only") and not r.fully_online[i]:
        return False
    if "visits" in f and r.visits[i] > f["visits"]:
        return False
    return True


def _scores(r: CatalogRows, q: str) -> dict[int, int]:
    scores: dict[int, int] = {}

    def add(i: int, weight: int) -> None:
        if scores.get(i, 0) < weight:
            scores[i] = weight

    names = [normalise(n) for n in r.names]
    departments = [normalise(d) for d in r.department_name]
    latin = is_latin(q)
    material_ids: set[int] = set()
    for term, ids in r.material_terms.items():
        if q == term or (len(q) >= 2 and q in term):
            material_ids |= ids
    synonyms = {t for mt_id in material_ids for t in r.material_names.get(mt_id, ()) if t != q}
    for i, name in enumerate(names):
        if q in name:
            add(i, W_NAME_EXACT if name == q else W_NAME_PREFIX if name.startswith(q) else W_NAME)
        if any(q in k for k in r.keywords[i]):
            add(i, W_KEYWORD)
        if q in departments[i]:
            add(i, W_DEPARTMENT)
        if latin:
            if q in r.pinyin[i]:
                add(i, W_PINYIN)
            if q in r.initials[i]:
                add(i, W_INITIALS)
            if q in r.keywords_pinyin[i]:
                add(i, W_KEYWORD_PINYIN)
        if any(t in name for t in synonyms):
            add(i, W_SYNONYM_NAME)
    for mt_id in material_ids:
        for i in r.items_by_material.get(mt_id, ()):
            add(i, W_MATERIAL)
    return scores


def reference_search(r: CatalogRows, q: str, filters: dict) -> list[int]:
    """Positions (in `r`) of the items matching the normalised query `q` and `filters`, best first."""
    key_of = {i: (-r.popularity[i], r.codes[i]) for i in range(len(r))}
    if not q:
        found = [i for i in range(len(r)) if _passes(r, i, filters)]
        return sorted(found, key=key_of.__getitem__)
    scores = _scores(r, q)
    found = [i for i in scores if _passes(r, i, filters)]
    return sorted(found, key=lambda i: (-scores[i], *key_of[i]))
