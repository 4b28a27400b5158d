"""The figures against a seeded dataset. The expected values are computed here, from the rows
this test writes (and the catalog rows it reads with plain SQL), with this file's own date and
working-day arithmetic — never by calling app.stats."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.cases.models import Case, CaseEvent, CaseMaterial
from app.evaluations.models import Evaluation
from app.extensions import db
from app.staff.models import StaffRole
from tests.cases.helpers import citizen
from tests.engagement import account_of, nth_working_day_after, read, working
from tests.identity.helpers import assert_error
from tests.staff_api.helpers import BASE, staff_token
from tests.stats.rollups import settle

CN = ZoneInfo("Asia/Shanghai")
HUJI = "1153992101967557720000111070001"  # YQX-GA
ID_FIRST = "1153992101967557720000107010001"  # YQX-GA
RELIEF = "1153992102507040050000205080001"  # YQX-MZ
ELDER = "1153992102507040050000205060001"  # YQX-MZ
DEPT = {HUJI: "YQX-GA", ID_FIRST: "YQX-GA", RELIEF: "YQX-MZ", ELDER: "YQX-MZ"}
FIRST, LAST = date(2026, 3, 1), date(2026, 3, 31)


def cn(text: str) -> datetime:
    """A China wall-clock time as the naive UTC the database stores."""
    return datetime.fromisoformat(text).replace(tzinfo=CN).astimezone(UTC).replace(tzinfo=None)


@dataclass
class Spec:
    key: str
    code: str
    submitted: str | None  # China time
    status: str
    events: list[tuple[str, str]] = field(default_factory=list)  # (action, China time)
    methods: list[str | None] = field(default_factory=list)


SPECS = [
    Spec(
        "c1",
        HUJI,
        "2026-03-02 10:00",
        "concluded",
        [("instant_approve", "2026-03-02 10:00"), ("conclude", "2026-03-02 11:00")],
        ["licence"],
    ),
    # submitted on a Sunday just after China midnight (still 28 February in UTC): received Monday
    Spec(
        "c2",
        HUJI,
        "2026-03-01 00:30",
        "concluded",
        [("accept", "2026-03-02 09:00"), ("approve", "2026-03-03 09:00"), ("conclude", "2026-03-03 10:00")],
        ["upload"],
    ),
    Spec(
        "c3",
        ID_FIRST,
        "2026-03-04 09:00",
        "concluded",
        [("accept", "2026-03-04 10:00"), ("approve", "2026-03-10 10:00"), ("conclude", "2026-03-20 16:00")],
        ["licence", "upload", "commitment"],
    ),
    Spec("c4", ID_FIRST, "2026-03-05 09:00", "accepted", [("accept", "2026-03-05 10:00")], ["upload", "upload"]),
    Spec(
        "c5",
        RELIEF,
        "2026-03-10 09:00",
        "rejected",
        [("reject", "2026-03-11 09:00")],
        ["commitment", "upload", "upload", None],
    ),
    # the last evening of March in China (15:30 UTC): in the period, still open
    Spec("c6", RELIEF, "2026-03-31 23:30", "submitted", [], ["licence", "commitment", "upload", "upload"]),
    # 00:30 on 1 April in China (still 31 March in UTC): not in the period
    Spec("c7", RELIEF, "2026-04-01 00:30", "submitted", [], ["upload"]),
    Spec(
        "c8", ELDER, "2026-03-12 09:00", "approved", [("instant_approve", "2026-03-12 09:00")], ["licence", "licence"]
    ),
    Spec("c9", ELDER, "2026-03-16 09:00", "withdrawn", [("withdraw", "2026-03-17 09:00")], ["upload"]),
    Spec("c10", ID_FIRST, "2026-02-27 09:00", "concluded", [("conclude", "2026-03-02 09:00")], ["upload"]),
    # denied, concluded a month later across 清明 (4–6 April)
    Spec(
        "c11",
        RELIEF,
        "2026-03-20 09:00",
        "concluded",
        [("accept", "2026-03-20 10:00"), ("deny", "2026-04-10 09:00"), ("conclude", "2026-04-20 09:00")],
        ["upload"],
    ),
    Spec("c12", RELIEF, None, "draft", [], [None]),
]

# (case key, score, created (China), followup_due, replied (China) or None)
RATINGS = [
    ("c1", 5, "2026-03-02 12:00", None, None),
    ("c3", 4, "2026-03-21 09:00", None, None),
    ("c5", 2, "2026-03-12 09:00", date(2026, 4, 2), "2026-03-20 09:00"),  # replied in time
    ("c2", 1, "2026-03-05 09:00", date(2026, 3, 26), "2026-03-27 09:00"),  # replied late
    ("c11", 1, "2026-03-31 23:00", date(2026, 4, 22), None),  # not replied
    ("c10", 3, "2026-02-27 12:00", None, None),  # February: not in the period
]


def seed(app, account_id: int) -> dict[str, int]:
    def run():
        ids = {}
        for n, s in enumerate(SPECS):
            case = Case(
                account_id=account_id,
                service_code=s.code,
                service_name="测试事项",
                department_code=DEPT[s.code],
                department_name="测试部门",
                status=s.status,
                form_schema={},
                form_data={},
                case_number=None if s.submitted is None else f"T-STATS-{n:04d}",
                submitted_at=cn(s.submitted) if s.submitted else None,
            )
            db.session.add(case)
            db.session.flush()
            ids[s.key] = case.id
            for action, at in s.events:
                db.session.add(
                    CaseEvent(
                        case_id=case.id, action=action, from_status="x", to_status="y", actor="t", created_at=cn(at)
                    )
                )
            for position, method in enumerate(s.methods):
                db.session.add(
                    CaseMaterial(
                        case_id=case.id,
                        position=position,
                        name="材料",
                        material_type_code="M",
                        required=True,
                        commitment_allowed=True,
                        method=method,
                    )
                )
        for key, score, created, due, replied in RATINGS:
            code = next(s.code for s in SPECS if s.key == key)
            db.session.add(
                Evaluation(
                    case_id=ids[key],
                    account_id=account_id,
                    department_code=DEPT[code],
                    service_code=code,
                    score=score,
                    created_at=cn(created),
                    followup_status=None if due is None else "open",
                    followup_due=due,
                    replied_at=cn(replied) if replied else None,
                )
            )
        db.session.commit()
        return ids

    return read(app, run)


def catalog_rows(app) -> tuple[dict, dict]:
    """(item flags by code, (active items, mobile items) by department) read with plain SQL."""

    def run():
        items = {
            r.implementation_code: r
            for r in db.session.execute(
                sa.text("SELECT implementation_code, fully_online, visits, promised_time_limit FROM service_items")
            )
        }
        per_dept = {}
        for code, active, mobile in db.session.execute(
            sa.text(
                "SELECT d.code, i.active, i.mobile FROM service_items i JOIN departments d ON d.id = i.department_id"
            )
        ):
            total, mob = per_dept.get(code, (0, 0))
            if active:
                per_dept[code] = (total + 1, mob + bool(mobile))
            else:
                per_dept.setdefault(code, (total, mob))
        return items, per_dept

    return read(app, run)


def china_day(text: str) -> date:
    return datetime.fromisoformat(text).date()


def rate(num: int, den: int) -> dict:
    return {"rate": round(num / den, 4) if den else None, "numerator": num, "denominator": den}


def expected(app, department: str | None) -> dict:
    items, per_dept = catalog_rows(app)
    today = datetime.now(CN).date()
    specs = [
        s
        for s in SPECS
        if s.submitted
        and FIRST <= china_day(s.submitted) <= LAST
        and (department is None or DEPT[s.code] == department)
    ]
    total = len(specs)
    full_online = sum(1 for s in specs if items[s.code].fully_online)
    visits = sum(max(0, 2 - items[s.code].visits) for s in specs)
    instant = sum(1 for s in specs if any(a == "instant_approve" for a, _ in s.events))
    methods = [m for s in specs for m in s.methods if m]
    no_upload = sum(1 for m in methods if m in ("licence", "commitment"))
    days, promised, within, overdue = [], [], 0, 0
    for s in specs:
        received = china_day(s.submitted)
        while not working(received):
            received += timedelta(days=1)
        limit = items[s.code].promised_time_limit
        deadline = nth_working_day_after(received, limit)
        closing = [china_day(at) for a, at in s.events if a in ("conclude", "reject")]
        if closing:
            end = min(closing)
            spent = sum(1 for i in range(1, (end - received).days + 1) if working(received + timedelta(days=i)))
            days.append(spent)
            promised.append(limit)
            within += spent <= limit
            overdue += end > deadline
        elif s.status in ("submitted", "accepted", "correction_requested", "approved", "denied") and today > deadline:
            overdue += 1
    ratings = [
        r
        for r in RATINGS
        if FIRST <= china_day(r[2]) <= LAST
        and (department is None or DEPT[next(s.code for s in SPECS if s.key == r[0])] == department)
    ]
    bad = [r for r in ratings if r[1] <= 2]
    in_time = sum(1 for r in bad if r[4] is not None and china_day(r[4]) <= r[3])
    if department is None:
        active = sum(v[0] for v in per_dept.values())
        mobile = sum(v[1] for v in per_dept.values())
    else:
        active, mobile = per_dept[department]
    ordered = sorted(days)
    return {
        "cases_submitted": total,
        "full_online_rate": rate(full_online, total),
        "mobile_rate": rate(mobile, active),
        "instant_approval_rate": rate(instant, total),
        "materials_without_upload_rate": rate(no_upload, len(methods)),
        "materials": {m: methods.count(m) for m in ("licence", "commitment", "upload")},
        "visits_avoided": visits,
        "processing": {
            "closed_cases": len(days),
            "mean_days": round(sum(days) / len(days), 2) if days else None,
            "p90_days": ordered[math.ceil(0.9 * len(ordered)) - 1] if ordered else None,
            "mean_promised_days": round(sum(promised) / len(promised), 2) if promised else None,
            "within_promise_rate": rate(within, len(days)),
        },
        "overdue_count": overdue,
        "ratings": len(ratings),
        "satisfaction_rate": rate(sum(1 for r in ratings if r[1] >= 3), len(ratings)),
        "bad_rating_followup_rate": rate(in_time, len(bad)),
    }


def _strip(body: dict) -> dict:
    # cases_by_audience (app/stats/audience.py) is checked by tests/stats/test_audience.py
    return {k: v for k, v in body.items() if k not in ("period", "department_code", "as_of", "cases_by_audience")}


@pytest.fixture(params=["live", "rollup"])
def seeded(request, api, identity_app):
    """The dataset, read live or (after a refresh) from the rollup cells: the same figures."""
    token = citizen(api)
    out = seed(identity_app, account_of(identity_app, token))
    if request.param == "rollup":
        settle(identity_app)
    return out


def test_public_summary_matches_the_raw_rows(api, identity_app, seeded):
    resp = api.get(f"/api/v1/stats/summary?from={FIRST}&to={LAST}")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["period"] == {"from": "2026-03-01", "to": "2026-03-31"} and body["department_code"] is None
    want = expected(identity_app, None)
    assert _strip(body) == want
    # the hand-checked anchors of this dataset (so the independent computation is itself checked)
    assert want["cases_submitted"] == 9 and want["processing"]["closed_cases"] == 5
    assert want["processing"]["p90_days"] == 20 and want["overdue_count"] == 5
    assert want["satisfaction_rate"]["numerator"] == 2 and want["bad_rating_followup_rate"] == rate(1, 3)


@pytest.mark.parametrize("department", ["YQX-GA", "YQX-MZ"])
def test_department_figures_for_its_staff_only(api, identity_app, seeded, department):
    other = "YQX-MZ" if department == "YQX-GA" else "YQX-GA"
    mine = staff_token(api, identity_app, department=department, role=StaffRole.WINDOW_CLERK)
    resp = api.get(f"{BASE}/departments/{department}/stats?from={FIRST}&to={LAST}", headers=mine)
    assert resp.status_code == 200, resp.get_json()
    assert _strip(resp.get_json()) == expected(identity_app, department)
    assert_error(api.get(f"{BASE}/departments/{other}/stats", headers=mine), 403, "DEPARTMENT_SCOPE")
    assert_error(api.get(f"{BASE}/departments/{department}/stats"), 401, "STAFF_TOKEN_MISSING")


def test_bad_periods_are_refused(api):
    assert_error(api.get("/api/v1/stats/summary?from=2026-03-31&to=2026-03-01"), 422, "VALIDATION_ERROR")
    assert_error(api.get("/api/v1/stats/summary?from=2020-01-01&to=2026-03-01"), 422, "VALIDATION_ERROR")
    assert_error(api.get("/api/v1/stats/summary?from=yesterday"), 422, "VALIDATION_ERROR")
    assert_error(api.get("/api/v1/stats/summary?department=YQX-GA"), 422, "VALIDATION_ERROR")


def test_trend_is_a_valid_svg_with_chinese_labels(api, identity_app, seeded):
    resp = api.get("/api/v1/stats/trend.svg?months=12")
    assert resp.status_code == 200 and resp.mimetype == "image/svg+xml"
    root = ET.fromstring(resp.data)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert {"全程网办率", "秒批率", "好评率"} <= set(texts)
    assert sum(1 for t in texts if t.endswith("月")) == 12
    assert root.find(f"{ns}title").text.startswith("掌上办月度趋势")
    # March 2026 is in the chart when it is within the last 12 months: 9 cases that month
    today = datetime.now(CN).date()
    if (today.year - 2026) * 12 + today.month - 3 < 12:
        assert "9件" in texts
    assert_error(api.get("/api/v1/stats/trend.svg?months=0"), 422, "VALIDATION_ERROR")
    staff = staff_token(api, identity_app, department="YQX-MZ", role=StaffRole.REVIEWER)
    resp = api.get(f"{BASE}/departments/YQX-MZ/stats/trend.svg?months=3", headers=staff)
    assert resp.status_code == 200
    assert sum(1 for t in ET.fromstring(resp.data).iter(f"{ns}text") if t.text.endswith("月")) == 3
