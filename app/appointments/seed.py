"""Demo halls, windows, the items they serve, and slots on the coming working days.

DEMO DATA for development and demos (the hall addresses follow the catalog's consult texts)."""

from __future__ import annotations

from datetime import date, time, timedelta

import sqlalchemy as sa

from app.appointments.models import Hall, HallWindow, Slot, WindowItem
from app.extensions import db
from app.workdays import WorkCalendar

DEMO_HALLS = [
    {
        "code": "YQX-ZWZX",
        "name": "云栖县政务服务中心",
        "address": "云栖县栖凤大道188号",
        "department_code": "YQX-ZWFW",
        "windows": [
            {
                "number": "A01",
                "name": "公安综合窗口（户籍、身份证、出入境）",
                "department_code": "YQX-GA",
                "items": [
                    "1153992101967557720000107010001",  # 居民身份证首次申领
                    "1153992101967557720000107020001",  # 居民身份证换领
                    "1153992101967557720000107030001",  # 居民身份证补领
                    "1153992101967557720000101100001",  # 普通护照签发
                ],
            },
            {
                "number": "B03",
                "name": "婚姻登记窗口",
                "department_code": "YQX-MZ",
                "items": [
                    "1153992102507040050000207010001",  # 内地居民结婚登记
                    "1153992102507040050000207020001",  # 内地居民离婚登记
                ],
            },
        ],
    },
    {
        "code": "QLS-SMZX",
        "name": "青岚市市民中心",
        "address": "青岚市行政中心东楼一层",
        "department_code": "QLS-XZSP",
        "windows": [
            {
                "number": "C12",
                "name": "公安出入境与身份证窗口",
                "department_code": "QLS-GA",
                "items": [
                    "11539900048599438P0000107020001",  # 居民身份证换领
                    "11539900048599438P0000101100001",  # 普通护照签发
                ],
            },
            {
                "number": "C20",
                "name": "婚姻登记窗口",
                "department_code": "QLS-MZ",
                "items": ["11539900014650565T0000207010001"],  # 内地居民结婚登记
            },
        ],
    },
]

# half-hour slots, morning and afternoon
DAY_SLOTS = [
    (time(9, 0), time(9, 30)),
    (time(9, 30), time(10, 0)),
    (time(10, 0), time(10, 30)),
    (time(10, 30), time(11, 0)),
    (time(11, 0), time(11, 30)),
    (time(14, 30), time(15, 0)),
    (time(15, 0), time(15, 30)),
    (time(15, 30), time(16, 0)),
    (time(16, 0), time(16, 30)),
    (time(16, 30), time(17, 0)),
]


def ensure_halls(halls: list[dict] = DEMO_HALLS) -> list[HallWindow]:
    """Create the halls, windows and window items that do not exist yet (no commit)."""
    windows = []
    for h in halls:
        hall = db.session.scalar(sa.select(Hall).where(Hall.code == h["code"]))
        if hall is None:
            hall = Hall(code=h["code"], name=h["name"], address=h["address"], department_code=h["department_code"])
            db.session.add(hall)
            db.session.flush()
        for w in h["windows"]:
            window = db.session.scalar(
                sa.select(HallWindow).where(HallWindow.hall_id == hall.id, HallWindow.number == w["number"])
            )
            if window is None:
                window = HallWindow(
                    hall_id=hall.id, number=w["number"], name=w["name"], department_code=w["department_code"]
                )
                db.session.add(window)
                db.session.flush()
            for code in w["items"]:
                if db.session.get(WindowItem, (window.id, code)) is None:
                    db.session.add(WindowItem(window_id=window.id, service_code=code))
            windows.append(window)
    db.session.flush()
    return windows


def ensure_slots(windows: list[HallWindow], *, first: date, days: int, cal: WorkCalendar, capacity: int = 4) -> int:
    """Slots on the working days of [first, first + days) for each window (no commit). Returns
    how many were created."""
    created = 0
    for offset in range(days):
        day = first + timedelta(days=offset)
        if not cal.is_working_day(day):
            continue
        for window in windows:
            existing = set(
                db.session.scalars(sa.select(Slot.starts).where(Slot.window_id == window.id, Slot.day == day))
            )
            for starts, ends in DAY_SLOTS:
                if starts not in existing:
                    db.session.add(Slot(window_id=window.id, day=day, starts=starts, ends=ends, capacity=capacity))
                    created += 1
    db.session.flush()
    return created
