"""Catalog import (`flask catalog import`, and the demo seed); files are read by
app/catalog/reader.py, exported by app/catalog/export.py.

An import is all-or-nothing: every row of the file is parsed and validated first, each bad row
is reported with its line and reason, and only a file without errors is written — in one
transaction — unless the caller asks to skip the bad rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import marshmallow as ma
import sqlalchemy as sa

from app.catalog import fees
from app.catalog import models as m
from app.catalog.bundle_import import bundle_problems, member_items, write_bundle
from app.catalog.formats import ROW_SCHEMAS, SECTIONS
from app.catalog.guide import refresh_guides
from app.catalog.reader import Row, read_rows
from app.catalog.service import bump_revision
from app.catalog.text import pinyin_full, pinyin_initials
from app.extensions import db


@dataclass
class RowError:
    line: int
    section: str
    key: str | None
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}: {self.section}"
        if self.key:
            where += f" {self.key}"
        return f"{where}: {self.reason}"


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SECTIONS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SECTIONS, 0))
    errors: list[RowError] = field(default_factory=list)
    skipped: int = 0
    written: bool = False


# ---------------------------------------------------------------- validating


def _flatten(messages, prefix: str = "") -> list[str]:
    out: list[str] = []
    if isinstance(messages, dict):
        for k, v in messages.items():
            out += _flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(messages, list) and all(isinstance(x, str) for x in messages):
        out.append(f"{prefix}: {'; '.join(messages)}" if prefix else "; ".join(messages))
    elif isinstance(messages, list):
        for idx, v in enumerate(messages):
            out += _flatten(v, f"{prefix}[{idx}]")
    else:
        out.append(f"{prefix}: {messages}")
    return out


def _existing_codes(model) -> set[str]:
    return set(db.session.scalars(sa.select(model.code)))


def validate_rows(rows: list[Row]) -> tuple[list[Row], list[RowError]]:
    """Validate every row on its own, then every reference across the file and the database."""
    valid: list[Row] = []
    errors: list[RowError] = []
    seen: dict[str, dict[str, int]] = {s: {} for s in SECTIONS}
    for row in rows:
        raw = row.data
        if not isinstance(raw, dict):
            errors.append(RowError(row.line, row.section, None, "each entry must be an object"))
            continue
        problems = list(raw.pop("__problems__", []))
        key_field = "implementation_code" if row.section == "items" else "code"
        row.key = raw.get(key_field) if isinstance(raw.get(key_field), str) else None
        try:
            row.data = ROW_SCHEMAS[row.section].load(raw)
        except ma.ValidationError as exc:
            problems += _flatten(exc.messages)
        if row.key is not None and row.key in seen[row.section]:
            problems.append(f"duplicate {key_field}, first on line {seen[row.section][row.key]}")
        if problems:
            errors.append(RowError(row.line, row.section, row.key, "; ".join(problems)))
            continue
        seen[row.section][row.key] = row.line
        valid.append(row)

    known = {
        "departments": set(seen["departments"]) | _existing_codes(m.Department),
        "licence_types": set(seen["licence_types"]) | _existing_codes(m.LicenceType),
        "material_types": set(seen["material_types"]) | _existing_codes(m.MaterialType),
        "themes": set(seen["themes"]) | _existing_codes(m.Theme),
    }
    resolved: list[Row] = []
    bundle_items = member_items(valid)
    for row in valid:
        if row.section == "bundles":
            problems = bundle_problems(row, bundle_items)
        else:
            problems = _reference_problems(row, known)
        if problems:
            errors.append(RowError(row.line, row.section, row.key, "; ".join(problems)))
        else:
            resolved.append(row)
    errors.sort(key=lambda e: e.line)
    return resolved, errors


def _reference_problems(row: Row, known: dict[str, set[str]]) -> list[str]:
    d = row.data
    problems = []
    if row.section == "material_types" and d["licence_type"] and d["licence_type"] not in known["licence_types"]:
        problems.append(f"unknown licence_type {d['licence_type']!r}")
    if row.section == "items":
        if d["department"] not in known["departments"]:
            problems.append(f"unknown department {d['department']!r}")
        for idx, mat in enumerate(d["materials"]):
            if mat["material_type"] not in known["material_types"]:
                problems.append(f"materials[{idx}]: unknown material_type {mat['material_type']!r}")
        for theme in d["themes"]:
            if theme not in known["themes"]:
                problems.append(f"unknown theme {theme!r}")
        lt = d["result"].get("licence_type")
        if lt and lt not in known["licence_types"]:
            problems.append(f"result: unknown licence_type {lt!r}")
    return problems


# ---------------------------------------------------------------- writing


def _upsert(model, code: str, values: dict, report: ImportReport, section: str):
    obj = db.session.scalar(sa.select(model).where(model.code == code))
    if obj is None:
        obj = model(code=code)
        db.session.add(obj)
        report.created[section] += 1
    else:
        report.updated[section] += 1
    for k, v in values.items():
        setattr(obj, k, v)
    return obj


def _write(rows: list[Row], report: ImportReport, progress: Callable[[int], None] | None) -> None:
    by_code = {s: {} for s in SECTIONS}
    items: list[m.ServiceItem] = []
    order = {s: i for i, s in enumerate(SECTIONS)}
    for row in sorted(rows, key=lambda r: order[r.section]):
        d = dict(row.data)
        section = row.section
        if section == "departments":
            by_code[section][row.key] = _upsert(m.Department, d.pop("code"), d, report, section)
        elif section == "licence_types":
            by_code[section][row.key] = _upsert(m.LicenceType, d.pop("code"), d, report, section)
        elif section == "material_types":
            lt = d.pop("licence_type")
            d["licence_type"] = _lookup(m.LicenceType, lt, by_code["licence_types"]) if lt else None
            by_code[section][row.key] = _upsert(m.MaterialType, d.pop("code"), d, report, section)
        elif section == "themes":
            by_code[section][row.key] = _upsert(m.Theme, d.pop("code"), d, report, section)
        elif section == "bundles":
            counts = report.created if write_bundle(d) else report.updated
            counts[section] += 1
        else:
            items.append(_write_item(d, by_code, report))
        if progress:
            progress(1)
        db.session.flush()
    # A changed department, material type, licence type or theme shows in the guides of every
    # item referring to it: rebuild them all then (rare); otherwise only the items written.
    references_changed = any(r.section not in ("items", "bundles") for r in rows)
    refresh_guides(None if references_changed else [i.id for i in items])


def _lookup(model, code: str, cache: dict):
    obj = cache.get(code)
    if obj is None:
        obj = db.session.scalar(sa.select(model).where(model.code == code))
        cache[code] = obj
    return obj


def _write_item(d: dict, by_code: dict, report: ImportReport) -> m.ServiceItem:
    code = d["implementation_code"]
    item = db.session.scalar(sa.select(m.ServiceItem).where(m.ServiceItem.implementation_code == code))
    if item is None:
        item = m.ServiceItem(implementation_code=code)
        db.session.add(item)
        report.created["items"] += 1
    else:
        report.updated["items"] += 1
        # Replacing the materials wholesale keeps positions dense; flush the deletes first so
        # the (item, position) unique constraint never sees old and new rows together.
        item.materials.clear()
        db.session.flush()
    result_lt = d["result"].get("licence_type")
    item.basic_code = d["basic_code"]
    item.name = d["name"]
    item.department = _lookup(m.Department, d["department"], by_code["departments"])
    item.item_type = d["type"]
    item.audience = d["audience"]
    item.level = d["level"]
    item.legal_basis = d["legal_basis"]
    item.scope = d["scope"]
    item.conditions = d["conditions"]
    item.statutory_time_limit = d["statutory_time_limit"]
    item.promised_time_limit = d["promised_time_limit"]
    item.process = d["process"]
    item.form_schema = d["form_schema"]
    item.fees = fees.normalise(d["fees"])
    item.fee_from_fen = fees.from_fen(item.fees)
    item.fee_varies = fees.varies(item.fees)
    item.result = d["result"]
    item.result_licence_type = _lookup(m.LicenceType, result_lt, by_code["licence_types"]) if result_lt else None
    item.fully_online = d["channels"]["fully_online"]
    item.mobile = d["channels"]["mobile"]
    item.visits = d["visits"]
    item.instant = d["instant"]
    item.instant_rules = d["instant_rules"] or None
    item.delivery_options = d["delivery_options"]
    item.keywords = d["keywords"]
    item.consult = d["consult"]
    item.supervision = d["supervision"]
    item.popularity = d["popularity"]
    item.search_pinyin = pinyin_full(d["name"])
    item.search_initials = pinyin_initials(d["name"])
    # Newline separates readings: PostgreSQL text refuses NUL, and queries are stripped of whitespace.
    item.keywords_pinyin = "\n".join(reading for k in d["keywords"] for reading in (pinyin_full(k), pinyin_initials(k)))
    item.active = True
    item.themes = [_lookup(m.Theme, t, by_code["themes"]) for t in d["themes"]]
    for position, mat in enumerate(d["materials"]):
        item.materials.append(
            m.ServiceMaterial(
                position=position,
                material_type=_lookup(m.MaterialType, mat["material_type"], by_code["material_types"]),
                name=mat["name"],
                required=mat["required"],
                form=mat["form"],
                copies=mat["copies"],
                commitment_allowed=mat["commitment_allowed"],
                notes=mat["notes"],
            )
        )
    return item


def import_catalog(
    path: str | Path,
    *,
    skip_bad: bool = False,
    progress_factory: Callable[[int], object] | None = None,
) -> ImportReport:
    """Validate `path` and, when it is clean (or `skip_bad`), upsert it in one transaction.

    `progress_factory(total)` may return a context manager with `update(n)` (click's progress bar).
    Raises CatalogFileError when the file cannot be read at all.
    """
    rows = read_rows(path)
    valid, errors = validate_rows(rows)
    report = ImportReport(errors=errors, skipped=len(rows) - len(valid))
    if errors and not skip_bad:
        db.session.rollback()
        return report
    try:
        # Reference look-ups must not flush a half-built item (NOT NULL department_id); _write
        # flushes after every whole row itself.
        with db.session.no_autoflush:
            if progress_factory is not None:
                with progress_factory(len(valid)) as bar:
                    _write(valid, report, bar.update)
            else:
                _write(valid, report, None)
        bump_revision()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    report.written = True
    return report


def iter_errors(report: ImportReport) -> Iterable[str]:
    return (str(e) for e in report.errors)
