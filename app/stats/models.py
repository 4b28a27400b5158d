"""The figures' maintained rollups (app/stats/rollup.py): the additive pieces of every figure per
cell — a China day (grain "d") or a China month (grain "m", `period` its first day) and a
department — so a figure over a period sums cells instead of aggregating every case again.

Case cells hold the submitted cases that a citizen could not edit when the cell was computed,
grouped further by item and (for closed cases) working days spent: the item's attributes (fully online, visits, promised limit) are joined when the
figures are read, exactly as the live computation joins them. Rating cells hold the ratings that
could no longer change their contribution when computed (`rollup.settled`).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class StatsCaseCell(db.Model):
    __tablename__ = "stats_case_cells"
    __table_args__ = (
        sa.Index("ix_stats_case_cells_cell", "grain", "period", "department_code"),
        # the day cells of open cases (their overdue is decided when read)
        sa.Index(
            "ix_stats_case_cells_open",
            "period",
            postgresql_where=sa.text("open = 1"),
            sqlite_where=sa.text("open = 1"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # "d" China day, "m" month, "y" year (`period`: its first day); "t" month without `spent` (the trend)
    grain: Mapped[str] = mapped_column(sa.String(1))
    period: Mapped[date] = mapped_column(sa.Date)
    department_code: Mapped[str] = mapped_column(sa.String(64))
    service_code: Mapped[str] = mapped_column(sa.String(64))
    spent: Mapped[int | None] = mapped_column()  # working days spent; null: no closing
    # day cells: 1 for the cases still open (on the clock) when computed; null in coarser cells
    open: Mapped[int | None] = mapped_column()
    cases: Mapped[int] = mapped_column()
    # of them, closed with lag = spent (app/stats/cells.py: the others have lag = spent - 1)
    lag0: Mapped[int] = mapped_column()
    legal: Mapped[int] = mapped_column()  # of them, applied for an enterprise
    instant: Mapped[int] = mapped_column()
    licence: Mapped[int] = mapped_column()
    commitment: Mapped[int] = mapped_column()
    upload: Mapped[int] = mapped_column()


class StatsRatingCell(db.Model):
    __tablename__ = "stats_rating_cells"
    __table_args__ = (sa.Index("ix_stats_rating_cells_cell", "grain", "period", "department_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grain: Mapped[str] = mapped_column(sa.String(1))
    period: Mapped[date] = mapped_column(sa.Date)
    department_code: Mapped[str] = mapped_column(sa.String(64))
    ratings: Mapped[int] = mapped_column()
    good: Mapped[int] = mapped_column()
    bad: Mapped[int] = mapped_column()
    in_time: Mapped[int] = mapped_column()


class StatsRollupState(db.Model):
    """One row (id 1): when the cells were last brought up to date and what they cover."""

    __tablename__ = "stats_rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    built_at: Mapped[datetime] = mapped_column()
    # rows written before this moment are in the cells (a safety margin before built_at)
    settled_before: Mapped[datetime] = mapped_column()
    # the last timeline entry created before settled_before: a case with a later entry is read live
    last_event_id: Mapped[int] = mapped_column(sa.BigInteger)
    # the working-day calendar the cells were counted with (a change makes them unusable)
    calendar_hash: Mapped[str] = mapped_column(sa.String(64))


TABLES = ("stats_case_cells", "stats_rating_cells", "stats_rollup_state")
