"""The catalog's public functions. Every other layer — the citizen API, the staff API, cases —
calls these, never the models. Results are plain dicts and dataclasses so the seam could be
served remotely one day."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from app.catalog import models as m
from app.catalog.bundle_service import (  # the 一件事 bundle functions, called from here
    applicable_members,
    bundle_document,
    check_answers,
    combined_form,
    evaluate_bundle,
    get_bundle,
    get_bundle_definition,
    list_bundles,
    member_views,
    merged_materials,
    split_form,
    validate_bundle,
    validate_combined,
)
from app.catalog.errors import FormInvalid, ServiceNotFound, UnknownFilter
from app.catalog.fees import charged_fen
from app.catalog.form_check import form_errors
from app.catalog.guide import build_guide, load_items
from app.catalog.reads import guide_text
from app.catalog.reads import read_first as _read_first
from app.catalog.search import CatalogIndex
from app.catalog.text import normalise
from app.extensions import db

MAX_QUERY_LENGTH = 50
log = logging.getLogger(__name__)


# ---------------------------------------------------------------- revision and index


class _ProcessState:
    """Per-process memo of the catalog revision and the index built for it."""

    def __init__(self):
        self.lock = threading.Lock()
        self.revision: int | None = None
        self.checked_at = 0.0
        self.index: CatalogIndex | None = None
        self.db_url: str | None = None
        self.building: int | None = None  # the revision whose index a background thread builds


_state = _ProcessState()


# Built once: constructing a statement costs more than running it through the compiled cache.
_REVISION = sa.select(m.CatalogState.revision).where(m.CatalogState.id == 1)
_GUIDE = sa.select(m.ServiceItem.id, m.ServiceItem.guide).where(
    m.ServiceItem.implementation_code == sa.bindparam("code"), m.ServiceItem.active.is_(True)
)


def _read_revision() -> int:
    row = _read_first(_REVISION)
    return (row[0] if row else 0) or 0


def revision() -> int:
    """The catalog revision this process serves: the database's, re-read at most once per
    CATALOG_REVISION_TTL seconds (so a change made by another process shows within that time) —
    or, while the index of a newer one is built in the background, that of the index still
    served, so that what is memoised under a revision was answered from that revision."""
    rev = _database_revision()
    idx = _state.index
    if idx is not None and idx.revision != rev and _rebuild_in_background(rev):
        return idx.revision
    return rev


def _database_revision() -> int:
    ttl = current_app.config["CATALOG_REVISION_TTL"]
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    now = time.monotonic()
    st = _state
    if st.revision is None or st.db_url != url or now - st.checked_at >= ttl:
        rev = _read_revision()
        with st.lock:
            if st.db_url != url:
                st.index = None
            st.revision, st.checked_at, st.db_url = rev, now, url
    return st.revision


def bump_revision() -> None:
    """Mark the catalog changed; called inside the writing transaction."""
    updated = db.session.execute(
        sa.update(m.CatalogState).where(m.CatalogState.id == 1).values(revision=m.CatalogState.revision + 1)
    ).rowcount
    if not updated:
        db.session.add(m.CatalogState(id=1, revision=1))
    db.session.flush()
    _state.revision = None  # this process sees its own write at once


def _rebuild_in_background(rev: int) -> bool:
    """Start building the index of `rev` in a thread (unless one is building already) and say
    whether the previous index is to be served meanwhile (CATALOG_INDEX_BACKGROUND_REBUILD)."""
    if not current_app.config["CATALOG_INDEX_BACKGROUND_REBUILD"]:
        return False
    st = _state
    with st.lock:
        if st.building is None:
            st.building = rev
            app = current_app._get_current_object()
            threading.Thread(target=_build, args=(app, rev), name="catalog-index", daemon=True).start()
    return True


def _build(app, rev: int) -> None:
    try:
        with app.app_context():
            try:
                idx = CatalogIndex.load(rev)
            finally:
                db.session.remove()
        with _state.lock:
            if _state.index is None or _state.index.revision < rev:
                _state.index = idx
        log.info("catalog index of revision %s built in the background", rev)
    except Exception:  # the previous index goes on serving; the next request tries again
        log.exception("catalog index of revision %s not built", rev)
    finally:
        _state.building = None


def _index() -> CatalogIndex:
    rev = _database_revision()
    idx = _state.index
    if idx is not None and idx.revision != rev and _rebuild_in_background(rev):
        return idx
    if idx is None or idx.revision != rev:
        with _state.lock:
            idx = _state.index
            if idx is None or idx.revision != rev:
                idx = CatalogIndex.load(rev)
                _state.index = idx
    return idx


def warm_up() -> float:
    """Build this process's search index now (a server calls it at start, so the first search
    does not pay for it). Returns the seconds it took."""
    started = time.perf_counter()
    _index()
    return time.perf_counter() - started


# ---------------------------------------------------------------- queries


@dataclass
class ServicePage:
    items: list[dict]
    total: int
    page: int
    page_size: int


def search_services(
    *,
    q: str | None = None,
    department: str | None = None,
    audience: str | None = None,
    theme: str | None = None,
    level: str | None = None,
    mobile: bool | None = None,
    online_only: bool = False,
    visits: int | None = None,
    page: int = 1,
    page_size: int = 20,
    as_json: bool = False,
) -> ServicePage:
    """Active items matching the query and filters, ranked by relevance then popularity.

    `q` matches substrings of names and keywords, material synonyms, and — typed in Latin
    letters — the pinyin and pinyin initials of names. `visits` is a ceiling: 1 finds the items
    needing at most one visit (最多跑一次), 0 those needing none. `as_json`: the items as their
    compact JSON text (bytes) instead of dicts.
    """
    filters: dict = {}
    for key, value in (
        ("department", department),
        ("audience", audience),
        ("theme", theme),
        ("level", level),
        ("mobile", mobile),
        ("visits", visits),
    ):
        if value is not None:
            filters[key] = value
    if online_only:
        filters["online_only"] = True
    idx = _index()
    unknown = {}
    if department is not None and department not in idx.department_codes:
        unknown["department"] = ["没有这个部门编码"]
    if theme is not None and theme not in idx.theme_codes:
        unknown["theme"] = ["没有这个主题编码"]
    if unknown:
        raise UnknownFilter(errors={"query": unknown})
    total, positions = idx.page(normalise(q or "")[:MAX_QUERY_LENGTH], filters, (page - 1) * page_size, page_size)
    return ServicePage(
        items=[idx.summary_json(p) for p in positions] if as_json else [idx.summary(p) for p in positions],
        total=total,
        page=page,
        page_size=page_size,
    )


def list_departments() -> list[dict]:
    """Departments that have at least one active item, with their item counts."""
    counts = dict(
        db.session.execute(
            sa.select(m.ServiceItem.department_id, sa.func.count())
            .where(m.ServiceItem.active.is_(True))
            .group_by(m.ServiceItem.department_id)
        ).all()
    )
    deps = db.session.scalars(sa.select(m.Department).order_by(m.Department.level, m.Department.code))
    return [
        {
            "code": d.code,
            "name": d.name,
            "level": d.level,
            "division_code": d.division_code,
            "division_name": d.division_name,
            "address": d.address,
            "phone": d.phone,
            "office_hours": d.office_hours,
            "service_count": counts.get(d.id, 0),
        }
        for d in deps
        if counts.get(d.id)
    ]


def list_themes() -> list[dict]:
    """Life-event themes, each with its active items (most applied first)."""
    idx = _index()
    out = []
    for t in db.session.scalars(sa.select(m.Theme).order_by(m.Theme.sort, m.Theme.code)):
        positions = idx.search("", {"theme": t.code})
        out.append(
            {
                "code": t.code,
                "name": t.name,
                "audience": t.audience,
                "description": t.description,
                "services": [idx.summary(p) for p in positions],
            }
        )
    return out


def get_service(code: str) -> dict:
    """The full guide of one active item (its 12 standard elements and the rest).

    Served from the guide document stored with the item at write time: one indexed lookup."""
    row = _read_first(_GUIDE, {"code": code})
    if row is None:
        raise ServiceNotFound()
    if row.guide is None:  # written before guides were stored; build it now
        return build_guide(load_items([row.id])[0])
    return row.guide


def fee_due(code: str, form: dict) -> int | None:
    """What an application of the active item `code` with this form is charged, in fen (the
    standard the item's fee rule picks, app/catalog/fees.py); None when there is no such item."""
    fees = db.session.scalar(
        sa.select(m.ServiceItem.fees).where(m.ServiceItem.implementation_code == code, m.ServiceItem.active.is_(True))
    )
    return None if fees is None else charged_fen(fees, form)


def submit_terms(code: str, form: dict) -> tuple[list[str] | None, int] | None:
    """(`audience_of`, `fee_due`) of the active item `code` in one read; None: no such item."""
    row = db.session.execute(
        sa.select(m.ServiceItem.audience, m.ServiceItem.fees).where(
            m.ServiceItem.implementation_code == code, m.ServiceItem.active.is_(True)
        )
    ).first()
    return None if row is None else (row.audience, charged_fen(row.fees, form))


# ---------------------------------------------------------------- application forms


def validate_form(code: str, data: dict) -> None:
    """Raise FormInvalid (with field errors) unless `data` satisfies the item's form schema."""
    schema = db.session.scalar(
        sa.select(m.ServiceItem.form_schema).where(
            m.ServiceItem.implementation_code == code, m.ServiceItem.active.is_(True)
        )
    )
    if schema is None:
        raise ServiceNotFound()
    errors = form_errors(schema, data)
    if errors:
        raise FormInvalid(errors=errors)


# --- ent-core: item codes for enterprise agent grants (app.enterprises) ---


def item_codes_of_themes(theme_codes) -> frozenset[str]:
    """The implementation codes of the items in any of these themes (read now, so a
    grant by theme follows the catalog as it changes)."""
    codes = list(theme_codes or ())
    if not codes:
        return frozenset()
    rows = db.session.scalars(
        sa.select(m.ServiceItem.implementation_code)
        .join(m.service_item_themes, m.service_item_themes.c.service_item_id == m.ServiceItem.id)
        .join(m.Theme, m.Theme.id == m.service_item_themes.c.theme_id)
        .where(m.Theme.code.in_(codes))
    )
    return frozenset(rows)


def unknown_codes(*, item_codes=(), theme_codes=()) -> list[str]:
    """Which of these item (implementation) codes and theme codes the catalog does not know."""
    items, themes = set(item_codes or ()), set(theme_codes or ())
    known = set()
    if items:
        known |= set(
            db.session.scalars(
                sa.select(m.ServiceItem.implementation_code).where(m.ServiceItem.implementation_code.in_(items))
            )
        )
    if themes:
        known |= set(db.session.scalars(sa.select(m.Theme.code).where(m.Theme.code.in_(themes))))
    return sorted((items | themes) - known)


# --- ent-scope ---


def audience_of(code: str) -> list[str] | None:
    """Who the active item `code` is for ("individual", "legal_person"); None when there is no
    such item (taken offline: a case under way keeps going)."""
    return db.session.scalar(
        sa.select(m.ServiceItem.audience).where(
            m.ServiceItem.implementation_code == code, m.ServiceItem.active.is_(True)
        )
    )


__all__ = [
    "MAX_QUERY_LENGTH",
    "ServicePage",
    "applicable_members",
    "audience_of",
    "submit_terms",
    "bump_revision",
    "bundle_document",
    "check_answers",
    "combined_form",
    "evaluate_bundle",
    "fee_due",
    "form_errors",
    "get_bundle",
    "get_bundle_definition",
    "get_service",
    "guide_text",
    "item_codes_of_themes",
    "list_bundles",
    "list_departments",
    "list_themes",
    "member_views",
    "merged_materials",
    "revision",
    "search_services",
    "split_form",
    "unknown_codes",
    "validate_bundle",
    "validate_combined",
    "validate_form",
    "warm_up",
]
