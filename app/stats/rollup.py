"""Maintained rollups of the figures: `refresh` (cron job `stats-rollup`, `flask stats rollup`)
sums the rows of app/stats/cells.py into day and month cells (app/stats/models.py); the figures
then add cells where they are complete and the live rows (the same `case_facts` and
`rating_facts`) for everything else, so they are exact at every moment:

* Cases. A cell (China day of submission, department) holds the cases that were not open when it
  was computed. Every change to a case writes a timeline entry, so after a refresh the cells of
  cases with an entry newer than `last_event_id` are "dirty": read live, whole. The cases of the
  clean cells that are open now were open then (no entry since): read live too (with "today"'s
  overdue rule); the others are in the cells. Only the open cases and the dirty cells are live.
* Ratings. A rating is `settled` once its contribution can no longer change (not bad, replied,
  or past its follow-up due date); cells hold the ratings settled at `settled_before` and the
  others are read live — the same predicate read later names the same rows.
* Entries committed later than `settled_before` + margin with an earlier timestamp (a write
  transaction open longer than STATS_ROLLUP_MARGIN_SECONDS) are the one thing the margin assumes
  away; `flask stats rollup --full` rebuilds everything.
* No state row, or a working-day calendar changed since (its hash): the figures are all live and
  the next refresh rebuilds every cell.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa

from app.cases import queue
from app.cases.models import Case, CaseEvent
from app.cases.states import EDITABLE
from app.evaluations.models import Evaluation
from app.evaluations.service import BAD
from app.extensions import db
from app.stats import sql
from app.stats.models import StatsCaseCell, StatsRatingCell, StatsRollupState
from app.workdays import WorkCalendar

# more dirty cells than this: the figures read everything live (still exact), a refresh rebuilds
MAX_DIRTY = 400
CASE_SUMS = ("cases", "lag0", "legal", "instant", "licence", "commitment", "upload")
CASE_KEYS = ("department_code", "service_code", "spent", "open")
RATING_SUMS = ("ratings", "good", "bad", "in_time")


@dataclass(frozen=True)
class Coverage:
    settled_before: datetime
    dirty: frozenset[tuple[date, str]]  # (China day of submission, department) read live


@lru_cache(maxsize=16)
def calendar_hash(cal: WorkCalendar) -> str:
    text = f"{cal.name}|{sorted(cal.holidays)}|{sorted(cal.workdays)}"
    return hashlib.sha256(text.encode()).hexdigest()


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _utc(day: date) -> datetime:
    return queue._utc_midnight(day)


def _dirty_cases(after_event_id: int, where: list) -> set[tuple[date, str]]:
    day = sql.china_day(Case.submitted_at)
    rows = db.session.execute(
        sa.select(day, Case.department_code)
        .distinct()
        .join(CaseEvent, CaseEvent.case_id == Case.id)
        .where(CaseEvent.id > after_event_id, Case.submitted_at.is_not(None), *where)
    )
    return {(_day(d), code) for d, code in rows}


def coverage(cal: WorkCalendar, where: list) -> Coverage | None:
    """What the cells can answer for the cases of `where`, or None (read everything live)."""
    state = db.session.get(StatsRollupState, 1)
    if state is None or state.calendar_hash != calendar_hash(cal):
        return None
    dirty = _dirty_cases(state.last_event_id, where)
    if len(dirty) > MAX_DIRTY:
        return None
    return Coverage(state.settled_before, frozenset(dirty))


def _or(clauses: list):
    return sa.or_(*clauses) if clauses else sa.false()


def _cell_is(model, cells_: set[tuple[date, str]]):
    return _or([sa.and_(model.department_code == code, model.period == day) for day, code in sorted(cells_)])


def _next_year(year: date) -> date:
    return date(year.year + 1, 1, 1)


def _days_between(a: date, b: date) -> int:
    return (b - a).days + 1


def spans(first: date, last: date, *, levels: str = "ymd", sign: int = 1) -> list[tuple[str, date, date, int]]:
    """[first, last] as signed cells: (grain, from, to, ±1) — a whole year or month as its cell;
    a year or month covered for more than half as its cell minus the rest (recursively, finer);
    else its covered part, finer. So a period reads a few dozen cells' worth of rows, not one
    per day. `levels`: the grains to use, coarsest first ("ymd"; the trend: "td", its month
    cells without the days spent)."""
    grain, rest = levels[0], levels[1:]
    if grain == "d":
        return [("d", first, last, sign)]
    start = date(first.year, 1, 1) if grain == "y" else date(first.year, first.month, 1)
    step = _next_year if grain == "y" else _next_month
    out: list[tuple[str, date, date, int]] = []
    while start <= last:
        end = step(start) - timedelta(days=1)
        a, b = max(start, first), min(end, last)
        if (a, b) == (start, end):
            out.append((grain, start, start, sign))
        elif 2 * _days_between(a, b) > _days_between(start, end):
            out.append((grain, start, start, sign))
            if start < a:
                out += spans(start, a - timedelta(days=1), levels=rest, sign=-sign)
            if b < end:
                out += spans(b + timedelta(days=1), end, levels=rest, sign=-sign)
        else:
            out += spans(a, b, levels=rest, sign=sign)
        start = step(start)
    return out


def cells_of(model, first: date, last: date, department: str | None, *, levels: str, sign: int):
    """The cells of the period with the given sign (a WHERE clause: one IN list per grain)."""
    starts: dict[str, list[date]] = {}
    days = []
    for grain, a, b, s in spans(first, last, levels=levels):
        if s != sign:
            continue
        if grain == "d":
            days.append(sa.and_(model.grain == "d", model.period.between(a, b)))
        else:
            starts.setdefault(grain, []).append(a)
    parts = [sa.and_(model.grain == g, model.period.in_(periods)) for g, periods in sorted(starts.items())]
    dept = [model.department_code == department] if department else []
    return sa.and_(_or(parts + days), *dept)


def live_cases(cov: Coverage):
    """The cases not in the cells: those a citizen may still edit (补正: their materials change
    without a timeline entry until they resubmit), and every case of a dirty cell."""
    dirty = [
        sa.and_(Case.department_code == code, Case.submitted_at >= _utc(day), Case.submitted_at < _utc(day + timedelta(days=1)))
        for day, code in sorted(cov.dirty)
    ]  # fmt: skip
    return sa.or_(Case.status.in_(EDITABLE), *dirty)


def case_cells(first: date, last: date, department: str | None, cov: Coverage, *, by_month: bool, cal=None) -> list:
    """The cells of the period as rows of cells.CASE_COLUMNS, their sums signed (`spans`), minus
    the dirty cells (read live instead); with the calendar CTE `cal`, also the open cases of
    the day cells with their received ordinal (overdue is decided against today when read).
    `month` only meant `by_month`."""
    c = StatsCaseCell
    levels = "td" if by_month else "ymd"

    def signed(where, sign: int) -> sa.Select:
        return sa.select(
            (sql.month_start(c.period) if by_month else c.period).label("month"),
            c.service_code,
            c.spent,
            sa.cast(sa.null(), sa.Integer).label("open_received"),
            sa.literal(0).label("open_cases"),
            *((getattr(c, name) * sign).label(name) for name in CASE_SUMS),
            sa.literal(0).label("outside"),
        ).where(where)

    dirty = {(day, code) for day, code in cov.dirty if first <= day <= last and department in (None, code)}
    minus = sa.or_(
        cells_of(c, first, last, department, levels=levels, sign=-1), sa.and_(c.grain == "d", _cell_is(c, dirty))
    )
    out = [signed(cells_of(c, first, last, department, levels=levels, sign=1), 1), signed(minus, -1)]
    if cal is not None:
        dept = [c.department_code == department] if department else []
        out.append(
            sa.select(
                c.period.label("month"),
                c.service_code,
                sa.cast(sa.null(), sa.Integer).label("spent"),
                (cal.c.o + 1 - cal.c.w).label("open_received"),
                c.cases.label("open_cases"),
                *(sa.literal(0).label(name) for name in CASE_SUMS),
                sa.literal(0).label("outside"),
            )
            .join(cal, cal.c.day == c.period)
            .where(
                c.open == sa.literal_column("1"),
                c.grain == "d",
                c.period.between(first, last),
                *dept,
                sa.not_(_cell_is(c, dirty)),
            )
        )
    return out


def settled(before: datetime):
    """The rating's contribution can no longer change: made before `before` and not bad, or
    replied before it, or its follow-up due date passed before that China day."""
    e = Evaluation
    return sa.and_(
        e.created_at < before,
        sa.or_(
            e.score.not_in(BAD),
            sa.and_(e.replied_at.is_not(None), e.replied_at < before),
            e.followup_due.is_(None),
            e.followup_due < queue.china_date(before),
        ),
    )


def unsettled(before: datetime):
    """NOT `settled(before)`, written so the indexes on created_at and followup_due serve it."""
    e = Evaluation
    return sa.or_(
        e.created_at >= before,
        sa.and_(
            e.followup_due >= queue.china_date(before),
            e.score.in_(BAD),
            sa.or_(e.replied_at.is_(None), e.replied_at >= before),
        ),
    )


def rating_cells(first: date, last: date, department: str | None, *, by_month: bool) -> list:
    r = StatsRatingCell
    levels = "md" if by_month else "ymd"

    def signed(sign: int) -> sa.Select:
        month = sql.month_start(r.period) if by_month else r.period
        return sa.select(month.label("month"), *((getattr(r, name) * sign).label(name) for name in RATING_SUMS)).where(
            cells_of(r, first, last, department, levels=levels, sign=sign)
        )

    return [signed(1), signed(-1)]
