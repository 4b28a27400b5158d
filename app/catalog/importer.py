"""Catalog import and export (`flask catalog import|export`, and the demo seed).

An import is all-or-nothing: every row of the file is parsed and validated first, each bad row
is reported with its line and reason, and only a file without errors is written — in one
transaction — unless the caller asks to skip the bad rows.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import marshmallow as ma
import sqlalchemy as sa

from app.catalog import fees
from app.catalog import models as m
from app.catalog.formats import (
    CSV_BOOL_KEYS,
    CSV_COLUMNS,
    CSV_INT_KEYS,
    CSV_JSON_KEYS,
    FORMAT_ID,
    ROW_SCHEMAS,
    SECTIONS,
)
from app.catalog.guide import refresh_guides
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


class CatalogFileError(Exception):
    """The file as a whole cannot be read (not JSON, wrong format id, no header...)."""


# ---------------------------------------------------------------- reading


@dataclass
class _Row:
    section: str
    line: int
    data: dict
    key: str | None = None


class _LineCounter:
    """Line numbers of increasing offsets, counted incrementally (the file is read once)."""

    def __init__(self, text: str):
        self.text, self.index, self.line = text, 0, 1

    def __call__(self, index: int) -> int:
        if index < self.index:  # a step back: count afresh (rare; error paths only)
            self.index, self.line = 0, 1
        self.line += self.text.count("\n", self.index, index)
        self.index = index
        return self.line


def _read_json(text: str) -> list[_Row]:
    """Parse the JSON document keeping the line where each section element starts."""
    decoder = json.JSONDecoder()
    ws = json.decoder.WHITESPACE.match

    def skip(i: int) -> int:
        return ws(text, i).end()

    rows: list[_Row] = []
    _line_of = _LineCounter(text)
    try:
        i = skip(0)
        if text[i : i + 1] != "{":
            raise CatalogFileError("the JSON file must hold one object with the catalog sections")
        i = skip(i + 1)
        seen_format = None
        while text[i : i + 1] != "}":
            key, i = decoder.raw_decode(text, i)
            i = skip(i)
            if text[i : i + 1] != ":":
                raise CatalogFileError(f"line {_line_of(i)}: expected ':'")
            i = skip(i + 1)
            if key in SECTIONS:
                if text[i : i + 1] != "[":
                    raise CatalogFileError(f"line {_line_of(i)}: section {key!r} must be a list")
                i = skip(i + 1)
                while text[i : i + 1] != "]":
                    start = i
                    value, i = decoder.raw_decode(text, i)
                    rows.append(_Row(key, _line_of(start), value))
                    i = skip(i)
                    if text[i : i + 1] == ",":
                        i = skip(i + 1)
                i = skip(i + 1)
            else:
                value, i = decoder.raw_decode(text, i)
                if key == "format":
                    seen_format = value
                else:
                    raise CatalogFileError(f"unknown top-level key {key!r}; expected format or {', '.join(SECTIONS)}")
                i = skip(i)
            if text[i : i + 1] == ",":
                i = skip(i + 1)
        if seen_format not in (None, FORMAT_ID):
            raise CatalogFileError(f"unsupported format {seen_format!r}; expected {FORMAT_ID!r}")
    except json.JSONDecodeError as exc:
        raise CatalogFileError(f"line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}") from None
    return rows


def _read_csv(text: str) -> list[_Row]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise CatalogFileError("the CSV file has no header row")
    unknown = set(reader.fieldnames) - set(CSV_COLUMNS)
    if unknown:
        raise CatalogFileError(f"unknown CSV columns: {', '.join(sorted(unknown))}")
    rows: list[_Row] = []
    for record in reader:
        line = reader.line_num
        data: dict = {}
        problems = []
        for column, raw in record.items():
            if column is None:
                problems.append("more cells than header columns")
                continue
            raw = (raw or "").strip()
            if raw == "":
                continue
            if column in CSV_JSON_KEYS:
                try:
                    data[column] = json.loads(raw)
                except json.JSONDecodeError as exc:
                    problems.append(f"{column}: invalid JSON ({exc.msg})")
            elif column in CSV_INT_KEYS:
                try:
                    data[column] = int(raw)
                except ValueError:
                    problems.append(f"{column}: not an integer")
            elif column in CSV_BOOL_KEYS:
                if raw.lower() not in ("true", "false"):
                    problems.append(f"{column}: expected true or false")
                data[column] = raw.lower() == "true"
            else:
                data[column] = raw
        # "channels" is JSON in CSV too, so a row is shaped exactly like a JSON item.
        row = _Row("items", line, data)
        if problems:
            row.data = {"__problems__": problems, **data}
        rows.append(row)
    return rows


def read_rows(path: str | Path) -> list[_Row]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise CatalogFileError("the file is not UTF-8 text") from None
    if path.suffix.lower() == ".csv":
        return _read_csv(text)
    if path.suffix.lower() == ".json":
        return _read_json(text)
    raise CatalogFileError("the file name must end in .json or .csv")


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


def validate_rows(rows: list[_Row]) -> tuple[list[_Row], list[RowError]]:
    """Validate every row on its own, then every reference across the file and the database."""
    valid: list[_Row] = []
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
    resolved: list[_Row] = []
    for row in valid:
        problems = _reference_problems(row, known)
        if problems:
            errors.append(RowError(row.line, row.section, row.key, "; ".join(problems)))
        else:
            resolved.append(row)
    errors.sort(key=lambda e: e.line)
    return resolved, errors


def _reference_problems(row: _Row, known: dict[str, set[str]]) -> list[str]:
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


def _write(rows: list[_Row], report: ImportReport, progress: Callable[[int], None] | None) -> None:
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
        else:
            items.append(_write_item(d, by_code, report))
        if progress:
            progress(1)
        db.session.flush()
    # A changed department, material type, licence type or theme shows in the guides of every
    # item referring to it: rebuild them all then (rare); otherwise only the items written.
    references_changed = any(r.section != "items" for r in rows)
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
    from app.catalog.service import bump_revision

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


# ---------------------------------------------------------------- exporting


def export_document() -> dict:
    """The whole catalog as one document of the import format."""
    q = db.session.scalars
    doc: dict = {"format": FORMAT_ID}
    doc["departments"] = [
        {
            "code": d.code,
            "name": d.name,
            "uscc": d.uscc,
            "division_code": d.division_code,
            "division_name": d.division_name,
            "level": d.level,
            "address": d.address,
            "phone": d.phone,
            "office_hours": d.office_hours,
        }
        for d in q(sa.select(m.Department).order_by(m.Department.code))
    ]
    doc["licence_types"] = [
        {"code": t.code, "name": t.name, "issuer_level": t.issuer_level}
        for t in q(sa.select(m.LicenceType).order_by(m.LicenceType.code))
    ]
    doc["material_types"] = [
        {
            "code": t.code,
            "name": t.name,
            "synonyms": list(t.synonyms or []),
            "licence_type": t.licence_type.code if t.licence_type else None,
            "description": t.description,
        }
        for t in q(sa.select(m.MaterialType).order_by(m.MaterialType.code))
    ]
    doc["themes"] = [
        {"code": t.code, "name": t.name, "audience": t.audience, "description": t.description, "sort": t.sort}
        for t in q(sa.select(m.Theme).order_by(m.Theme.sort, m.Theme.code))
    ]
    doc["items"] = [item_document(i) for i in q(sa.select(m.ServiceItem).order_by(m.ServiceItem.implementation_code))]
    return doc


def item_document(i: m.ServiceItem) -> dict:
    return {
        "basic_code": i.basic_code,
        "implementation_code": i.implementation_code,
        "name": i.name,
        "department": i.department.code,
        "type": i.item_type,
        "audience": list(i.audience),
        "level": i.level,
        "legal_basis": list(i.legal_basis),
        "scope": i.scope,
        "conditions": list(i.conditions),
        "statutory_time_limit": i.statutory_time_limit,
        "promised_time_limit": i.promised_time_limit,
        "process": list(i.process),
        "materials": [
            {
                "material_type": mat.material_type.code,
                "name": mat.name,
                "required": mat.required,
                "form": mat.form,
                "copies": mat.copies,
                "commitment_allowed": mat.commitment_allowed,
                "notes": mat.notes,
            }
            for mat in i.materials
        ],
        "form_schema": i.form_schema,
        "fees": i.fees,
        "result": i.result,
        "themes": [t.code for t in i.themes],
        "channels": {"fully_online": i.fully_online, "mobile": i.mobile},
        "visits": i.visits,
        "instant": i.instant,
        "instant_rules": list(i.instant_rules or []),
        "delivery_options": list(i.delivery_options),
        "keywords": list(i.keywords),
        "consult": i.consult,
        "supervision": i.supervision,
        "popularity": i.popularity,
    }


def write_export(out: io.TextIOBase, fmt: str = "json") -> int:
    doc = export_document()
    if fmt == "json":
        json.dump(doc, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for item in doc["items"]:
            writer.writerow(_csv_row(item))
    return len(doc["items"])


def _csv_row(item: dict) -> dict:
    row = {}
    for col in CSV_COLUMNS:
        if col not in item:  # an optional key the item does not carry: an empty cell
            row[col] = ""
            continue
        value = item[col]
        if col in CSV_JSON_KEYS:
            row[col] = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, bool):
            row[col] = "true" if value else "false"
        else:
            row[col] = value
    return row


def iter_errors(report: ImportReport) -> Iterable[str]:
    return (str(e) for e in report.errors)
