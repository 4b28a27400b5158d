"""The one definition of the figures' arithmetic, shared by the live computation and the rollups.

* `case_facts`: one row per case of a WHERE clause with what the case contributes — China day
  and month of submission, department, item, audience, working days spent and the deadline lag
  (closed cases), the received ordinal (open cases: overdue is decided against "today" when
  read), instant approval, materials by method.
* `rating_facts`: one row per rating: China day and month, department, good, bad, replied in time.
* `case_figures` / `rating_figures`: the figures' sums over any mix of such rows and of rollup
  cells (which are these rows summed, app/stats/rollup.py), joined to the catalog item as the
  figures are read — so an item's attributes count as they are today, rolled up or not.

The working-day arithmetic (integer ordinals over the calendar table of app/stats/sql.py; o:
working days up to and including a day, w: 1 on a working day), as app.workdays counts:
  received R (ordinal of the received day)   = o(s) + 1 - w(s) for the China submission day s
  deadline: the (R + n)-th working day; a day d is after it  <=>  o(d) - w(d) >= R + n
  working_days_between(received, e)          = o(e) - R            when o(e) >= R (e >= received)
                                             = o(e) - w(e) - R + 1 otherwise (minus the working
                                               days in [e, received))
so a case closed on e is past its deadline iff lag = o(e) - w(e) - R >= n, where lag is spent - w(e)
(e >= received) or spent - 1 (before it): a row carries `lag0` = 1 when lag = spent, else lag is
spent - 1 — which lets cells sum cases of equal `spent` and still tell the overdue ones apart.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.cases import queue
from app.cases.models import Case, CaseEvent, CaseMaterial
from app.catalog.models import ServiceItem
from app.evaluations.models import Evaluation
from app.evaluations.service import BAD, GOOD
from app.stats import sql

# a counter application takes two trips: hand in, collect the result
BASELINE_VISITS = 2
CLOSING_ACTIONS = ("conclude", "reject")
# the columns every case row and case cell carries, in this order (a UNION ALL lines them up)
CASE_COLUMNS = (
    "month", "service_code", "spent", "open_received", "open_cases",
    "cases", "lag0", "legal", "instant", "licence", "commitment", "upload", "outside",
)  # fmt: skip
RATING_COLUMNS = ("month", "ratings", "good", "bad", "in_time")


def case_facts(where: list, cal) -> sa.Select:
    """One row per case matching `where` (columns: day, department_code and CASE_COLUMNS),
    counted with the calendar CTE `cal` (sql.day_ordinals), which must span the submission and
    closing days (a closing outside it has `outside` = 1)."""
    cs, ce = cal.alias("cs"), cal.alias("ce")
    ids = sa.select(Case.id).where(*where)
    closing = (
        sa.select(CaseEvent.case_id, sa.func.min(CaseEvent.created_at).label("at"))
        .where(CaseEvent.action.in_(CLOSING_ACTIONS), CaseEvent.case_id.in_(ids))
        .group_by(CaseEvent.case_id)
        .subquery("cl")
    )
    by_method = [sa.func.sum(sa.case((CaseMaterial.method == m, 1), else_=0)).label(m) for m in METHODS]
    materials = (
        sa.select(CaseMaterial.case_id, *by_method)
        .where(CaseMaterial.case_id.in_(ids), CaseMaterial.method.is_not(None))
        .group_by(CaseMaterial.case_id)
        .subquery("mt")
    )
    # a LIMIT 1 probe, not EXISTS: PostgreSQL turns an EXISTS in the select list into a hashed
    # scan of every instant approval (135,000 rows at 500,000 cases) even for a few live cases
    instant = (
        sa.select(1)
        .where(CaseEvent.case_id == Case.id, CaseEvent.action == "instant_approve")
        .limit(1)
        .scalar_subquery()
        .is_not(None)
    )
    received = cs.c.o + 1 - cs.c.w
    closed = closing.c.at.is_not(None)
    spent = sa.case((ce.c.o >= received, ce.c.o - received), else_=ce.c.o - ce.c.w - received + 1)
    day = sql.china_day(Case.submitted_at)
    return (
        sa.select(
            day.label("day"),
            Case.department_code,
            sql.month_start(day).label("month"),
            Case.service_code,
            sa.case((closed, spent), else_=None).label("spent"),
            sa.case((sa.and_(closing.c.at.is_(None), Case.status.in_(queue.OPEN)), received), else_=None).label(
                "open_received"
            ),
            sa.literal(1).label("open_cases"),
            sa.literal(1).label("cases"),
            sa.case((sa.and_(closed, ce.c.o - ce.c.w - received == spent), 1), else_=0).label("lag0"),
            sa.case((Case.enterprise_id.is_not(None), 1), else_=0).label("legal"),
            sa.case((instant, 1), else_=0).label("instant"),
            *(sa.func.coalesce(materials.c[m], 0).label(m) for m in METHODS),
            sa.case((sa.and_(closed, ce.c.o.is_(None)), 1), else_=0).label("outside"),
        )
        .select_from(Case)
        .join(cs, cs.c.day == day)
        .outerjoin(closing, closing.c.case_id == Case.id)
        .outerjoin(ce, ce.c.day == sql.china_day(closing.c.at))
        .outerjoin(materials, materials.c.case_id == Case.id)
        .where(*where)
    )


METHODS = ("licence", "commitment", "upload")


def in_time_clause():
    """A bad rating answered on or before its follow-up due date."""
    return sa.and_(
        Evaluation.score.in_(BAD),
        Evaluation.replied_at.is_not(None),
        sql.china_day(Evaluation.replied_at) <= Evaluation.followup_due,
    )


def rating_facts(where: list) -> sa.Select:
    """One row per rating matching `where` (columns: day, department_code and RATING_COLUMNS)."""
    day = sql.china_day(Evaluation.created_at)
    return sa.select(
        day.label("day"),
        Evaluation.department_code,
        sql.month_start(day).label("month"),
        sa.literal(1).label("ratings"),
        sa.case((Evaluation.score.in_(GOOD), 1), else_=0).label("good"),
        sa.case((Evaluation.score.in_(BAD), 1), else_=0).label("bad"),
        sa.case((in_time_clause(), 1), else_=0).label("in_time"),
    ).where(*where)


def _sum(expr):
    return sa.func.coalesce(sa.func.sum(expr), 0)


def case_figures(rows, *, on_o: int, on_w: int, by_month: bool = False) -> sa.Select:
    """The figures' sums over `rows` (a subquery with CASE_COLUMNS, one row per case or per
    cell; a cell row of open cases carries their received ordinal and count), grouped by working days spent (None: not closed) [and month]; `on_o`, `on_w`: today's
    ordinal and working-day flag in the calendar the open cases' `open_received` was counted in.
    Columns: [month,] spent, cases, full, avoided, instant, promised, within, overdue, outside,
    legal, licence, commitment, upload."""
    n = ServiceItem.promised_time_limit
    count = rows.c.cases
    closed = sa.and_(rows.c.spent.is_not(None), n.is_not(None))
    spent = sa.case((closed, rows.c.spent), else_=None).label("spent")
    overdue = sa.case(
        (sa.and_(closed, rows.c.spent - 1 >= n), count),  # lag >= spent - 1 >= n
        (sa.and_(closed, rows.c.spent >= n), rows.c.lag0),  # overdue iff lag = spent
        # open, today past the deadline (`open_cases` of the row: its cases still open)
        (
            sa.and_(rows.c.open_received.is_not(None), n.is_not(None), on_o - on_w >= rows.c.open_received + n),
            rows.c.open_cases,
        ),
        else_=0,
    )
    avoided = sa.case((ServiceItem.visits < BASELINE_VISITS, (BASELINE_VISITS - ServiceItem.visits) * count), else_=0)
    keys = [rows.c.month, spent] if by_month else [spent]
    return (
        sa.select(
            *keys,
            _sum(count).label("cases"),
            _sum(sa.case((ServiceItem.fully_online.is_(True), count), else_=0)).label("full"),
            _sum(avoided).label("avoided"),
            _sum(rows.c.instant).label("instant"),
            _sum(sa.case((closed, n * count), else_=0)).label("promised"),
            _sum(sa.case((sa.and_(closed, rows.c.spent <= n), count), else_=0)).label("within"),
            _sum(overdue).label("overdue"),
            _sum(rows.c.outside).label("outside"),
            _sum(rows.c.legal).label("legal"),
            *(_sum(rows.c[m]).label(m) for m in METHODS),
        )
        .select_from(rows)
        .outerjoin(ServiceItem, ServiceItem.implementation_code == rows.c.service_code)
        .group_by(*keys)
    )


def rating_figures(rows, *, by_month: bool = False) -> sa.Select:
    """Sums over `rows` (RATING_COLUMNS): [month,] ratings, good, bad, in_time."""
    keys = [rows.c.month] if by_month else []
    sums = (_sum(rows.c.ratings), _sum(rows.c.good), _sum(rows.c.bad), _sum(rows.c.in_time))
    return sa.select(*keys, *sums).group_by(*keys) if keys else sa.select(*sums)


def columns_of(select: sa.Select, names) -> sa.Select:
    """`select` narrowed to `names`, in that order (a UNION ALL member)."""
    sub = select.subquery()
    return sa.select(*(sub.c[name] for name in names))
