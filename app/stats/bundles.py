"""Figures of 一件事 bundles for a period (China dates of submission): bundles submitted, items
per bundle, materials asked once instead of once per member, visits avoided (the on-site visits
the members' items would have needed one by one) and completion time against the bundle's
promise (working days from the day received to the day every member was closed)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from app.bundles.models import BundleApplication, BundleMaterial, BundleStatus
from app.cases import queue
from app.cases.models import Case, CaseMaterial
from app.catalog import service as catalog
from app.catalog.errors import ServiceNotFound
from app.errors import ValidationFailed
from app.extensions import db
from app.workdays import working_days_between


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """The naive UTC instants of China midnight at `first` and after `last`."""
    start = datetime.combine(first, time(), tzinfo=queue.CHINA).astimezone(UTC).replace(tzinfo=None)
    end = datetime.combine(last + timedelta(days=1), time(), tzinfo=queue.CHINA).astimezone(UTC).replace(tzinfo=None)
    return start, end


def _visits(code: str, cache: dict[str, int]) -> int:
    if code not in cache:
        try:
            visits = catalog.get_service(code).get("visits")
        except ServiceNotFound:
            visits = None
        cache[code] = visits if isinstance(visits, int) and visits > 0 else 1
    return cache[code]


def _counts(model, key, ids: list[int], *, join=None) -> dict[int, int]:
    if not ids:
        return {}
    query = sa.select(key, sa.func.count()).select_from(model)
    if join is not None:
        query = query.join(*join)
    return dict(db.session.execute(query.where(key.in_(ids)).group_by(key)).all())


def bundle_figures(*, date_from: date | None = None, date_to: date | None = None) -> dict:
    """The bundle figures of a period (default: this year so far), in total and per bundle."""
    today = queue.today()
    first = date_from or date(today.year, 1, 1)
    last = date_to or today
    if last < first or (last - first).days > 3 * 366:
        raise ValidationFailed("统计区间有误", errors={"to": ["不能早于开始日期，区间不超过三年"]})
    start, end = _bounds(first, last)
    apps = db.session.scalars(
        sa.select(BundleApplication)
        .where(BundleApplication.submitted_at >= start, BundleApplication.submitted_at < end)
        .order_by(BundleApplication.id)
    ).all()
    ids = [a.id for a in apps]
    checklist = _counts(BundleMaterial, BundleMaterial.application_id, ids)
    separate = _counts(CaseMaterial, Case.bundle_application_id, ids, join=(Case, Case.id == CaseMaterial.case_id))
    cal = queue.calendar()
    visits_cache: dict[str, int] = {}
    rows: dict[str, dict] = {}
    for a in apps:
        row = rows.setdefault(
            a.bundle_code,
            {
                "bundle_code": a.bundle_code,
                "bundle_name": a.bundle_name,
                "promised_time_limit": a.promised_time_limit,
                "submitted": 0,
                "items": 0,
                "materials_asked": 0,
                "materials_if_separate": 0,
                "visits_avoided": 0,
                "concluded": 0,
                "within_promise": 0,
                "completion_days": [],
            },
        )
        row["submitted"] += 1
        row["items"] += len(a.member_codes or [])
        row["materials_asked"] += checklist.get(a.id, 0)
        row["materials_if_separate"] += separate.get(a.id, 0)
        row["visits_avoided"] += sum(_visits(code, visits_cache) for code in a.member_codes or [])
        if a.status == BundleStatus.CONCLUDED and a.closed_at is not None:
            days = working_days_between(queue.received_on(a.submitted_at, cal), queue.china_date(a.closed_at), cal)
            row["concluded"] += 1
            row["completion_days"].append(max(days, 0))
            row["within_promise"] += 1 if days <= a.promised_time_limit else 0
    overall = _finish(
        {
            "submitted": sum(r["submitted"] for r in rows.values()),
            "items": sum(r["items"] for r in rows.values()),
            "materials_asked": sum(r["materials_asked"] for r in rows.values()),
            "materials_if_separate": sum(r["materials_if_separate"] for r in rows.values()),
            "visits_avoided": sum(r["visits_avoided"] for r in rows.values()),
            "concluded": sum(r["concluded"] for r in rows.values()),
            "within_promise": sum(r["within_promise"] for r in rows.values()),
            "completion_days": [d for r in rows.values() for d in r["completion_days"]],
        }
    )
    by_bundle = [_finish(r) for r in rows.values()]
    return {"period": {"from": first.isoformat(), "to": last.isoformat()}, "overall": overall, "by_bundle": by_bundle}


def _finish(row: dict) -> dict:
    days = row.pop("completion_days")
    submitted, concluded = row["submitted"], row["concluded"]
    row["items_per_bundle"] = round(row["items"] / submitted, 2) if submitted else None
    row["materials_saved"] = row["materials_if_separate"] - row["materials_asked"]
    row["average_completion_days"] = round(sum(days) / len(days), 2) if days else None
    row["within_promise_rate"] = round(row["within_promise"] / concluded, 4) if concluded else None
    return row
