"""Reading catalog files (JSON or CSV) into rows, each with its section and line number, for the
importer (app/catalog/importer.py) to validate and write."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from app.catalog.formats import CSV_BOOL_KEYS, CSV_COLUMNS, CSV_INT_KEYS, CSV_JSON_KEYS, FORMAT_ID, SECTIONS


class CatalogFileError(Exception):
    """The file as a whole cannot be read (not JSON, wrong format id, no header...)."""


@dataclass
class Row:
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


def _read_json(text: str) -> list[Row]:
    """Parse the JSON document keeping the line where each section element starts."""
    decoder = json.JSONDecoder()
    ws = json.decoder.WHITESPACE.match

    def skip(i: int) -> int:
        return ws(text, i).end()

    rows: list[Row] = []
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
                    rows.append(Row(key, _line_of(start), value))
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


def _read_csv(text: str) -> list[Row]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise CatalogFileError("the CSV file has no header row")
    unknown = set(reader.fieldnames) - set(CSV_COLUMNS)
    if unknown:
        raise CatalogFileError(f"unknown CSV columns: {', '.join(sorted(unknown))}")
    rows: list[Row] = []
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
        row = Row("items", line, data)
        if problems:
            row.data = {"__problems__": problems, **data}
        rows.append(row)
    return rows


def read_rows(path: str | Path) -> list[Row]:
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
