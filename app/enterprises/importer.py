"""`flask enterprises import FILE.csv`: registry records from a CSV file, all-or-nothing.

Every line is validated first (the same checks as `add`, plus duplicates within the file and
USCCs already registered); each bad line is reported with its line number and reason, and only a
file without errors is written, in one transaction.

Columns (header row required; UTF-8, a BOM is tolerated): uscc, name, kind, status, address,
division_code, established_on, legal_rep_name, legal_rep_id_number. status defaults to 存续.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from app.enterprises import registry
from app.errors import DomainError
from app.extensions import db

COLUMNS = (
    "uscc",
    "name",
    "kind",
    "status",
    "address",
    "division_code",
    "established_on",
    "legal_rep_name",
    "legal_rep_id_number",
)
REQUIRED = ("uscc", "name", "kind", "legal_rep_name", "legal_rep_id_number")


class ImportFileError(Exception):
    """The file cannot be read as an enterprise CSV at all (no header, missing columns)."""


@dataclass
class LineError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ImportReport:
    errors: list[LineError] = field(default_factory=list)
    written: int = 0


def _reason(exc: DomainError) -> str:
    fields = exc.errors.get("json", {}) if isinstance(exc.errors, dict) else {}
    parts = [f"{name}: {'; '.join(messages)}" for name, messages in fields.items()]
    return "; ".join(parts) or exc.message


def read_rows(path: Path) -> list[tuple[int, dict]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise ImportFileError("missing column(s): " + ", ".join(missing))
        unknown = [h for h in header if h not in COLUMNS]
        if unknown:
            raise ImportFileError("unknown column(s): " + ", ".join(unknown))
        rows = []
        for row in reader:
            clean = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
            if any(clean.values()):
                rows.append((reader.line_num, clean))
        return rows


def import_enterprises(path: Path) -> ImportReport:
    """Validate every line, then write all of them or none (commits when written)."""
    report = ImportReport()
    rows = read_rows(path)
    seen: dict[str, int] = {}
    for line, row in rows:
        try:
            record = registry.clean_record(row)
        except DomainError as exc:
            report.errors.append(LineError(line, _reason(exc)))
            continue
        if record["uscc"] in seen:
            report.errors.append(LineError(line, f"uscc: 与第{seen[record['uscc']]}行重复"))
            continue
        seen[record["uscc"]] = line
        if registry.exists(record["uscc"]):
            report.errors.append(LineError(line, "uscc: 该统一社会信用代码的企业已登记"))
    if report.errors:
        return report
    try:
        for _line, row in rows:
            registry.add_enterprise(row)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    report.written = len(rows)
    return report
