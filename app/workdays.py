"""Working days (工作日) under a holiday calendar.

China's calendar has two kinds of exceptions to "Monday to Friday": public holidays (法定节假日
and the days added around them, 放假) that fall on weekdays, and make-up working days (调休上班)
that fall on weekends. A calendar is a named set of such exceptions in the `calendar_days`
table, loaded by `flask workdays import FILE` (JSON, below) or `flask workdays seed` (the 2026
national arrangement, DEMO DATA: check it against the State Council notice before relying on it).

    {"calendar": "CN", "days": [{"date": "2026-01-01", "kind": "holiday", "name": "元旦"},
                                {"date": "2026-01-04", "kind": "workday", "name": "元旦调休上班"}]}

Counting follows the usual reading of "within N working days of D": day D itself is not
counted; the deadline is the N-th working day after D.
    add_working_days(start, n, cal)      the n-th working day after start (n < 0: before; 0: start)
    working_days_between(a, b, cal)      working days in (a, b]; when b < a, minus those in [b, a):
                                         so working_days_between(a, add_working_days(a, n)) == n
                                         for every n, backwards too
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from sqlalchemy.orm import Mapped, mapped_column

from app.errors import ValidationFailed
from app.extensions import db

DEFAULT_CALENDAR = "CN"
HOLIDAY = "holiday"
WORKDAY = "workday"
KINDS = (HOLIDAY, WORKDAY)


class CalendarDay(db.Model):
    """An exception to the Monday–Friday week in one calendar."""

    __tablename__ = "calendar_days"

    calendar: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    name: Mapped[str] = mapped_column(sa.String(100), default="")


class CalendarInvalid(ValidationFailed):
    error = "CALENDAR_INVALID"
    message = "节假日日历文件有误"


@dataclass(frozen=True)
class WorkCalendar:
    """The exceptions of one calendar, in memory."""

    name: str = DEFAULT_CALENDAR
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


def load_calendar(name: str = DEFAULT_CALENDAR) -> WorkCalendar:
    """The calendar `name` as stored (an unknown name is the plain Monday–Friday week)."""
    rows = db.session.execute(sa.select(CalendarDay.day, CalendarDay.kind).where(CalendarDay.calendar == name))
    holidays, workdays = set(), set()
    for day, kind in rows:
        (workdays if kind == WORKDAY else holidays).add(day)
    return WorkCalendar(name, frozenset(holidays), frozenset(workdays))


def _calendar(calendar: WorkCalendar | str | None) -> WorkCalendar:
    if isinstance(calendar, WorkCalendar):
        return calendar
    return load_calendar(calendar or DEFAULT_CALENDAR)


def is_working_day(day: date, calendar: WorkCalendar | str | None = None) -> bool:
    return _calendar(calendar).is_working_day(day)


def add_working_days(start: date, n: int, calendar: WorkCalendar | str | None = None) -> date:
    """The n-th working day after `start` (before it when n < 0); `start` itself when n == 0.
    `calendar` is a WorkCalendar or a calendar name (loaded from the database)."""
    cal = _calendar(calendar)
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    day = start
    while remaining:
        day += timedelta(days=step)
        if cal.is_working_day(day):
            remaining -= 1
    return day


def working_days_between(a: date, b: date, calendar: WorkCalendar | str | None = None) -> int:
    """Working days in (a, b]; when b < a, minus the working days in [b, a) (the steps
    add_working_days takes backwards); 0 when equal."""
    cal = _calendar(calendar)
    if b < a:
        return -sum(1 for i in range((a - b).days) if cal.is_working_day(b + timedelta(days=i)))
    count = 0
    day = a
    while day < b:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            count += 1
    return count


class WorkdayCounter:
    """`working_days_between` for many pairs of days: one pass over [first, last] counts the
    working days up to each day (o), then a pair inside it is o(b) - o(a), or minus the working
    days in [b, a) = o(a - 1) - o(b - 1) when b < a. Outside the range: `working_days_between`."""

    def __init__(self, first: date, last: date, calendar: WorkCalendar) -> None:
        self.calendar = calendar
        self.first = first - timedelta(days=1)
        self.ordinal: list[int] = []
        count, day = 0, self.first
        while day <= last:
            count += calendar.is_working_day(day)
            self.ordinal.append(count)
            day += timedelta(days=1)

    def _o(self, day: date) -> int | None:
        k = (day - self.first).days
        return self.ordinal[k] if 0 <= k < len(self.ordinal) else None

    def between(self, a: date, b: date) -> int:
        if b >= a:
            ob, oa = self._o(b), self._o(a)
            if ob is not None and oa is not None:
                return ob - oa
        else:
            oa, ob = self._o(a - timedelta(days=1)), self._o(b - timedelta(days=1))
            if oa is not None and ob is not None:
                return -(oa - ob)
        return working_days_between(a, b, self.calendar)


# ---------------------------------------------------------------- loading


def parse_calendar_document(document: dict) -> tuple[str, list[tuple[date, str, str]]]:
    """(calendar name, [(day, kind, name)]) of an import document, or CalendarInvalid."""
    if not isinstance(document, dict) or not isinstance(document.get("days"), list):
        raise CalendarInvalid('日历文件应为 {"calendar": ..., "days": [...]}')
    name = document.get("calendar") or DEFAULT_CALENDAR
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        raise CalendarInvalid("日历名称应为1至32个字符")
    out: dict[date, tuple[date, str, str]] = {}
    for i, row in enumerate(document["days"]):
        try:
            day = date.fromisoformat(row["date"])
            kind = row["kind"]
        except (KeyError, TypeError, ValueError):
            raise CalendarInvalid(f"第{i + 1}项日期或类型有误") from None
        if kind not in KINDS:
            raise CalendarInvalid(f"第{i + 1}项类型应为 holiday 或 workday")
        if day in out:
            raise CalendarInvalid(f"第{i + 1}项日期重复：{day.isoformat()}")
        out[day] = (day, kind, str(row.get("name") or "")[:100])
    return name, sorted(out.values())


def import_calendar(document: dict, *, replace_years: bool = True) -> tuple[str, int]:
    """Store a calendar document (commits). With `replace_years`, the stored exceptions of
    every year the document covers are replaced by the document's. Returns (name, days)."""
    name, days = parse_calendar_document(document)
    years = {day.year for day, _, _ in days}
    if replace_years:
        for year in years:
            db.session.execute(
                sa.delete(CalendarDay).where(
                    CalendarDay.calendar == name,
                    CalendarDay.day >= date(year, 1, 1),
                    CalendarDay.day <= date(year, 12, 31),
                )
            )
    else:
        db.session.execute(
            sa.delete(CalendarDay).where(CalendarDay.calendar == name, CalendarDay.day.in_([d for d, _, _ in days]))
        )
    for day, kind, label in days:
        db.session.add(CalendarDay(calendar=name, day=day, kind=kind, name=label))
    db.session.commit()
    return name, len(days)


def _span(first: str, last: str, name: str) -> list[dict]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [
        {"date": (start + timedelta(days=i)).isoformat(), "kind": HOLIDAY, "name": name}
        for i in range((end - start).days + 1)
    ]


def _work(day: str, name: str) -> dict:
    return {"date": day, "kind": WORKDAY, "name": name}


# DEMO DATA: the 2026 national arrangement as announced by the State Council General Office
# (国务院办公厅关于2026年部分节假日安排的通知, dated 2025-11-04, published by Xinhua the same day),
# transcribed for demos and tests and checked day by day against the published text on 2026-12-04.
# Each new year's notice is loaded with `flask workdays import`.
DEMO_CN_2026 = {
    "calendar": DEFAULT_CALENDAR,
    "note": "2026 national holidays and make-up working days per the State Council notice of 2025-11-04",
    "days": [
        *_span("2026-01-01", "2026-01-03", "元旦"),
        _work("2026-01-04", "元旦调休上班"),
        _work("2026-02-14", "春节调休上班"),
        *_span("2026-02-15", "2026-02-23", "春节"),
        _work("2026-02-28", "春节调休上班"),
        *_span("2026-04-04", "2026-04-06", "清明节"),
        *_span("2026-05-01", "2026-05-05", "劳动节"),
        _work("2026-05-09", "劳动节调休上班"),
        *_span("2026-06-19", "2026-06-21", "端午节"),
        _work("2026-09-20", "国庆节调休上班"),
        *_span("2026-09-25", "2026-09-27", "中秋节"),
        *_span("2026-10-01", "2026-10-07", "国庆节"),
        _work("2026-10-10", "国庆节调休上班"),
    ],
}


# ---------------------------------------------------------------- CLI


@click.group("workdays", help="Holiday calendars and working days (工作日).")
def workdays_cli():
    pass


@workdays_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(path: Path):
    """Load a calendar JSON file (replaces the stored days of the years it covers)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        name, count = import_calendar(document)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"not JSON: {exc}") from None
    except CalendarInvalid as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"calendar {name}: {count} days stored")


@workdays_cli.command("seed")
@with_appcontext
def seed_command():
    """Load the 2026 national calendar (demo data; idempotent)."""
    name, count = import_calendar(DEMO_CN_2026)
    click.echo(f"calendar {name}: {count} days stored (2026 demo data)")
