"""Working days across weekends, holidays and make-up Saturdays/Sundays (调休)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from app import workdays
from app.workdays import DEMO_CN_2026, WorkCalendar, add_working_days, import_calendar, working_days_between

D = date.fromisoformat
PLAIN = WorkCalendar("plain")


@pytest.fixture
def cn2026(ctx):
    import_calendar(DEMO_CN_2026)
    return workdays.load_calendar("CN")


def test_plain_weeks():
    friday = D("2026-03-06")
    assert add_working_days(friday, 0, PLAIN) == friday
    assert add_working_days(friday, 1, PLAIN) == D("2026-03-09")  # over the weekend
    assert add_working_days(friday, 5, PLAIN) == D("2026-03-13")
    assert add_working_days(D("2026-03-07"), 1, PLAIN) == D("2026-03-09")  # from a Saturday
    assert add_working_days(D("2026-03-09"), -1, PLAIN) == friday
    assert working_days_between(friday, D("2026-03-13"), PLAIN) == 5
    assert working_days_between(D("2026-03-13"), friday, PLAIN) == -5
    assert working_days_between(D("2026-03-09"), D("2026-03-07"), PLAIN) == 0  # [Sat, Mon): none
    assert working_days_between(friday, friday, PLAIN) == 0
    assert working_days_between(D("2026-03-07"), D("2026-03-08"), PLAIN) == 0


def test_spring_festival_with_make_up_saturdays(cn2026):
    cal = cn2026
    assert cal.is_working_day(D("2026-02-14"))  # Saturday, 调休上班
    assert not cal.is_working_day(D("2026-02-16"))  # Monday, 春节
    assert cal.is_working_day(D("2026-02-28"))  # Saturday, 调休上班
    # Friday 13 Feb + 1 → the make-up Saturday 14 Feb; + 2 → Tuesday 24 Feb after the holiday
    assert add_working_days(D("2026-02-13"), 1, cal) == D("2026-02-14")
    assert add_working_days(D("2026-02-13"), 2, cal) == D("2026-02-24")
    assert working_days_between(D("2026-02-13"), D("2026-02-24"), cal) == 2
    # 24–27 Feb (Tue–Fri) and the make-up Saturday 28 Feb → 2 Mar is the 6th
    assert add_working_days(D("2026-02-23"), 5, cal) == D("2026-02-28")
    assert add_working_days(D("2026-02-23"), 6, cal) == D("2026-03-02")
    assert add_working_days(D("2026-02-24"), -1, cal) == D("2026-02-14")


def test_new_year_and_national_day(cn2026):
    cal = cn2026
    assert add_working_days(D("2025-12-31"), 1, cal) == D("2026-01-04")  # Sunday 4 Jan is a workday
    assert add_working_days(D("2026-09-30"), 1, cal) == D("2026-10-08")
    assert add_working_days(D("2026-10-08"), 2, cal) == D("2026-10-10")  # Thu 8, Fri 9, make-up Sat 10
    assert cal.is_working_day(D("2026-09-20"))  # Sunday, 调休上班
    assert not cal.is_working_day(D("2026-09-25"))  # Friday, 中秋节


def test_fifteen_working_days_round_trip(cn2026):
    # every start day of 2026: the two functions agree
    start = D("2026-01-01")
    for offset in range(0, 365, 3):
        day = start + timedelta(days=offset)
        for n in (1, 15, -7):
            end = add_working_days(day, n, cn2026)
            assert working_days_between(day, end, cn2026) == n, (day, n)


def test_whole_year_count(cn2026):
    # 2026 has 261 weekdays; minus holidays on weekdays, plus make-up weekend days.
    weekday_holidays = sum(1 for d in DEMO_CN_2026["days"] if d["kind"] == "holiday" and D(d["date"]).weekday() < 5)
    make_up = sum(1 for d in DEMO_CN_2026["days"] if d["kind"] == "workday")
    assert make_up == 6
    expected = 261 - weekday_holidays + make_up
    assert working_days_between(D("2025-12-31"), D("2026-12-31"), cn2026) == expected
    # by name, loaded from the database
    assert working_days_between(D("2025-12-31"), D("2026-12-31"), "CN") == expected
    assert working_days_between(D("2025-12-31"), D("2026-12-31"), "nowhere") == 261


def test_import_replaces_the_years_it_covers(ctx):
    import_calendar(DEMO_CN_2026)
    name, count = import_calendar(
        {"calendar": "CN", "days": [{"date": "2026-03-02", "kind": "holiday", "name": "test"}]}
    )
    assert (name, count) == ("CN", 1)
    cal = workdays.load_calendar("CN")
    assert cal.holidays == {D("2026-03-02")} and not cal.workdays


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"days": "no"},
        {"days": [{"date": "2026-13-01", "kind": "holiday"}]},
        {"days": [{"date": "2026-01-01", "kind": "day_off"}]},
        {"days": [{"date": "2026-01-01", "kind": "holiday"}, {"date": "2026-01-01", "kind": "workday"}]},
    ],
)
def test_bad_documents(ctx, document):
    with pytest.raises(workdays.CalendarInvalid):
        import_calendar(document)


def test_cli_import_and_seed(app, tmp_path):
    runner = app.test_cli_runner()
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(DEMO_CN_2026, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["workdays", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert f"calendar CN: {len(DEMO_CN_2026['days'])} days stored" in result.output
    assert runner.invoke(args=["workdays", "seed"]).exit_code == 0
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert runner.invoke(args=["workdays", "import", str(bad)]).exit_code != 0
    with app.app_context():
        assert len(workdays.load_calendar("CN").holidays) == 33


def test_the_counter_counts_as_working_days_between(cn2026):
    """WorkdayCounter (many pairs at once: the work queue's days left) against the day-by-day
    count, around the 2026 holidays and make-up days, inside its range and past both ends."""
    import random

    from app.workdays import WorkdayCounter

    counter = WorkdayCounter(D("2026-01-20"), D("2026-10-20"), cn2026)
    rng = random.Random(19)
    days = [D("2026-01-01") + timedelta(days=rng.randrange(0, 330)) for _ in range(300)]
    for a, b in zip(days, days[1:] + days[:1], strict=True):
        assert counter.between(a, b) == working_days_between(a, b, cn2026), (a, b)
        assert counter.between(a, a) == 0
    for a, b in [
        (D("2026-01-20"), D("2026-10-20")),
        (D("2026-10-20"), D("2026-01-20")),
        (D("2026-01-21"), D("2026-01-19")),
    ]:
        assert counter.between(a, b) == working_days_between(a, b, cn2026)
