"""Bringing the figures' cells up to date (app/stats/rollup.py explains what they hold): the cron
job `stats-rollup` (cron_config.py), `flask stats rollup [--full]`, and the demo/benchmark
generator after it writes. It never runs in a citizen's or an officer's request.

A refresh recomputes, in one transaction, the day cells whose rows may have changed since the
last one — cases with a timeline entry after its `last_event_id`, ratings that were not settled
then — from the same rows the figures read live (app/stats/cells.py), then their months from the
day cells; everything when there is no state yet, when the calendar changed, or on `full`.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from app.cases import queue
from app.cases.models import Case, CaseEvent, utcnow
from app.cases.states import EDITABLE
from app.evaluations.models import Evaluation
from app.extensions import db
from app.stats import cells, rollup, sql
from app.stats.models import StatsCaseCell, StatsRatingCell, StatsRollupState

log = logging.getLogger(__name__)
# more dirty cells than this in one refresh: rebuild everything instead
MAX_INCREMENTAL = 5000


def _margin() -> timedelta:
    return timedelta(seconds=int(current_app.config["STATS_ROLLUP_MARGIN_SECONDS"]))


def _cases_in(cells_: set[tuple[date, str]]):
    return sa.or_(
        *(
            sa.and_(
                Case.department_code == code,
                Case.submitted_at >= rollup._utc(day),
                Case.submitted_at < rollup._utc(day + timedelta(days=1)),
            )
            for day, code in sorted(cells_)
        )
    )


def _months_of(cells_: set[tuple[date, str]]) -> set[tuple[date, str]]:
    return {(date(d.year, d.month, 1), code) for d, code in cells_}


def _years_of(cells_: set[tuple[date, str]]) -> set[tuple[date, str]]:
    return {(date(d.year, 1, 1), code) for d, code in cells_}


def _within(model, grain: str, spans_: set[tuple[date, str]] | None, step):
    """Rows of `grain` inside the (start, department) spans (None: all)."""
    if spans_ is None:
        return model.grain == grain
    return sa.and_(
        model.grain == grain,
        sa.or_(
            *(
                sa.and_(model.department_code == code, model.period >= start, model.period < step(start))
                for start, code in sorted(spans_)
            )
        ),
    )


def _roll_up(model, target: str, source: str, spans_, step, keys, sums, *, period, drop=()) -> None:
    """Cells of grain `target` recomputed as the sums of their `source` cells (`period` maps a
    source period to the target's; `drop`: keys summed out, stored null)."""
    db.session.execute(sa.delete(model).where(_within(model, target, spans_, step)))
    kept = [k for k in keys if k not in drop]
    group = [period(model.period), *(getattr(model, k) for k in kept)]
    rows = (
        sa.select(sa.literal(target), *group, *(sa.func.sum(getattr(model, s)) for s in sums))
        .where(_within(model, source, spans_, step))
        .group_by(*group)
    )
    db.session.execute(sa.insert(model).from_select(["grain", "period", *kept, *sums], rows))


def _write_coarse(model, cells_: set[tuple[date, str]] | None, keys, sums, *, trend: bool) -> None:
    """Month (and, for cases, trend-month) cells from the day cells, year cells from the months."""
    months = None if cells_ is None else _months_of(cells_)
    years = None if cells_ is None else _years_of(cells_)
    drop = ("open",) if trend else ()  # open cases' overdue is read from the day cells
    _roll_up(model, "m", "d", months, rollup._next_month, keys, sums, period=sql.month_start, drop=drop)
    if trend:
        _roll_up(
            model, "t", "d", months, rollup._next_month, keys, sums, period=sql.month_start, drop=("spent", "open")
        )
    _roll_up(model, "y", "m", years, rollup._next_year, keys, sums, period=sql.year_start, drop=drop)


def _write_case_cells(cells_: set[tuple[date, str]] | None) -> None:
    """Recompute the case day cells `cells_` (None: all) and their months."""
    c = StatsCaseCell
    where = [Case.submitted_at.is_not(None), Case.status.not_in(EDITABLE)]
    if cells_ is None:
        db.session.execute(sa.delete(c))
    else:
        if not cells_:
            return
        where.append(_cases_in(cells_))
        db.session.execute(sa.delete(c).where(c.grain == "d", rollup._cell_is(c, cells_)))
    first = db.session.scalar(sa.select(sa.func.min(Case.submitted_at)).where(*where))
    if first is not None:
        today = queue.today()
        lo, hi = min(queue.china_date(first), today) - timedelta(days=400), today + timedelta(days=400)
        dialect = db.session.get_bind().dialect.name
        cal = sql.day_ordinals(dialect, sql.ordinals(queue.calendar(), lo, hi))
        f = cells.case_facts(where, cal).subquery("f")
        is_open = sa.case((f.c.open_received.is_not(None), 1), else_=0).label("open")
        keys = [f.c.day, *(f.c[k] for k in rollup.CASE_KEYS if k != "open"), is_open]
        grouped = sa.select(sa.literal("d"), *keys, *(sa.func.sum(f.c[s]) for s in rollup.CASE_SUMS)).group_by(*keys)
        columns = ["grain", "period", *(k for k in rollup.CASE_KEYS if k != "open"), "open", *rollup.CASE_SUMS]
        db.session.execute(sa.insert(c).from_select(columns, grouped))
    _write_coarse(c, cells_, rollup.CASE_KEYS, rollup.CASE_SUMS, trend=True)


def _write_rating_cells(cells_: set[tuple[date, str]] | None, before: datetime) -> None:
    r = StatsRatingCell
    where = [rollup.settled(before)]
    if cells_ is None:
        db.session.execute(sa.delete(r))
    else:
        if not cells_:
            return
        e = Evaluation
        where.append(
            sa.or_(
                *(
                    sa.and_(
                        e.department_code == code,
                        e.created_at >= rollup._utc(d),
                        e.created_at < rollup._utc(d + timedelta(days=1)),
                    )
                    for d, code in sorted(cells_)
                )
            )
        )
        db.session.execute(sa.delete(r).where(r.grain == "d", rollup._cell_is(r, cells_)))
    f = cells.rating_facts(where).subquery("f")
    keys = [f.c.day, f.c.department_code]
    grouped = sa.select(sa.literal("d"), *keys, *(sa.func.sum(f.c[s]) for s in rollup.RATING_SUMS)).group_by(*keys)
    db.session.execute(sa.insert(r).from_select(["grain", "period", "department_code", *rollup.RATING_SUMS], grouped))
    _write_coarse(r, cells_, ("department_code",), rollup.RATING_SUMS, trend=False)


def refresh(*, full: bool = False, margin: timedelta | None = None) -> dict:
    """Bring the cells up to date (commits). `margin`: how long a write transaction may stay open
    (default STATS_ROLLUP_MARGIN_SECONDS). Returns what was recomputed."""
    now = utcnow()
    before = now - (_margin() if margin is None else margin)
    sql.no_jit()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(1919)"))  # one refresh at a time
    cal = queue.calendar()
    state = db.session.get(StatsRollupState, 1)
    full = full or state is None or state.calendar_hash != rollup.calendar_hash(cal)
    last_event = db.session.scalar(
        sa.select(CaseEvent.id).where(CaseEvent.created_at < before).order_by(CaseEvent.id.desc()).limit(1)
    )
    case_cells = rating_cells = None
    if not full:
        case_cells = rollup._dirty_cases(state.last_event_id, [])
        day = sql.china_day(Evaluation.created_at)
        rating_cells = {
            (rollup._day(d), code)
            for d, code in db.session.execute(
                sa.select(day, Evaluation.department_code).distinct().where(rollup.unsettled(state.settled_before))
            )
        }
        if len(case_cells) + len(rating_cells) > MAX_INCREMENTAL:
            full, case_cells, rating_cells = True, None, None
    _write_case_cells(case_cells)
    _write_rating_cells(rating_cells, before)
    if state is None:
        state = StatsRollupState(id=1)
        db.session.add(state)
    state.built_at, state.settled_before = now, before
    state.last_event_id = last_event or 0
    state.calendar_hash = rollup.calendar_hash(cal)
    db.session.commit()
    out = {
        "full": full,
        "case_cells": None if case_cells is None else len(case_cells),
        "rating_cells": None if rating_cells is None else len(rating_cells),
    }
    log.info("stats rollup refreshed", extra=out)
    return out


def refresh_job() -> dict:
    """The cron job (runs on a worker inside the app context)."""
    return refresh()


stats_cli = AppGroup("stats", help="The figures' rollups.")


@stats_cli.command("rollup")
@click.option("--full", is_flag=True, help="Recompute every cell.")
def rollup_command(full: bool):
    """Bring the figures' day and month cells up to date."""
    click.echo(refresh(full=full))
