"""`flask catalog import|export`: all-or-nothing imports, each bad row reported with its line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.catalog import models as m
from app.catalog.formats import ItemRow
from app.extensions import db

DATA = Path(__file__).parent / "data"
GOOD = DATA / "good.json"
BAD = DATA / "bad_rows.json"


def _item_start_line(path: Path, name: str) -> int:
    """Line of the '{' opening the item named `name` (its name follows two plain string keys)."""
    text = path.read_text(encoding="utf-8")
    at = text.index(f'"name": "{name}"')
    return text.count("\n", 0, text.rindex("{", 0, at)) + 1


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_clean_file_is_imported_and_upsert_is_idempotent(app, fresh_catalog):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["catalog", "import", str(GOOD)])
    assert result.exit_code == 0, result.output
    assert "items +2/~0" in result.output
    again = runner.invoke(args=["catalog", "import", str(GOOD)])
    assert again.exit_code == 0, again.output
    assert "items +0/~2" in again.output
    with app.app_context():
        assert _count(m.ServiceItem, m.ServiceItem.department.has(code="T-DEPT")) == 2
        item = db.session.scalar(
            sa.select(m.ServiceItem).filter_by(implementation_code="1153992100000000TX0000000000001")
        )
        assert [mat.name for mat in item.materials] == ["测试证件"]
        assert item.search_pinyin == "ceshishixiangjiabanli"
        assert item.search_initials == "cssxjbl"  # ce shi shi xiang jia ban li


def test_bad_rows_are_reported_with_line_and_reason_and_nothing_is_imported(app, fresh_catalog):
    with app.app_context():
        before = _count(m.ServiceItem)
        departments_before = _count(m.Department)
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(BAD)])
    assert result.exit_code != 0
    out = result.output
    expected = {
        "坏行：承诺时限超法定": "promised_time_limit",
        "坏行：未知部门": "unknown department 'NO-SUCH'",
        "坏行：编码重复": "duplicate implementation_code",
        "坏行：表单不是合法的模式": "not a valid JSON Schema",
        "坏行：多余字段": "colour: Unknown field",
    }
    for name, reason in expected.items():
        line = _item_start_line(BAD, name)
        matching = [row for row in out.splitlines() if f":line {line}:" in row]
        assert matching, f"no report for line {line} ({name}):\n{out}"
        assert reason in matching[0], matching[0]
    assert "5 bad row(s); nothing was imported" in out
    with app.app_context():
        assert _count(m.ServiceItem) == before
        assert _count(m.Department) == departments_before  # the good department row was not written either


def test_skip_bad_imports_the_good_rows(app, fresh_catalog):
    result = app.test_cli_runner().invoke(args=["catalog", "import", "--skip-bad", str(BAD)])
    assert result.exit_code == 0, result.output
    assert "skipped 5 bad row(s)" in result.output
    with app.app_context():
        codes = set(
            db.session.scalars(
                sa.select(m.ServiceItem.implementation_code).where(m.ServiceItem.basic_code == "TEST00000001")
            )
        )
        assert codes == {"1153992100000000TX0000000000001", "1153992100000000TX0000000000002"}


@pytest.mark.parametrize(
    "content,message",
    [
        ("[1, 2]", "must hold one object"),
        ('{"items": [\n  {"a": 1},\n  oops\n]}', "line 3"),
        ('{"format": "other/9", "items": []}', "unsupported format"),
        ('{"services": []}', "unknown top-level key"),
    ],
)
def test_unreadable_json_files(app, tmp_path, content, message):
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(path)])
    assert result.exit_code != 0
    assert message in result.output


def test_wrong_extension_is_refused(app, tmp_path):
    path = tmp_path / "catalog.xlsx"
    path.write_text("x")
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(path)])
    assert result.exit_code != 0 and ".json or .csv" in result.output


def test_export_then_import_round_trip_in_both_formats(app, tmp_path, fresh_catalog):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["catalog", "import", str(GOOD)]).exit_code == 0
    json_out, csv_out = tmp_path / "all.json", tmp_path / "all.csv"
    assert runner.invoke(args=["catalog", "export", "-o", str(json_out)]).exit_code == 0
    assert runner.invoke(args=["catalog", "export", "-o", str(csv_out)]).exit_code == 0
    doc = json.loads(json_out.read_text(encoding="utf-8"))
    exported = {i["implementation_code"]: i for i in doc["items"]}
    original = {i["implementation_code"]: i for i in json.loads(GOOD.read_text(encoding="utf-8"))["items"]}
    row = ItemRow()
    for code, item in original.items():
        # lossless up to the defaults the format fills in (a step without a time limit, ...)
        assert row.load(exported[code]) == row.load(item)
    with csv_out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(doc["items"])
    # re-importing the exports changes nothing and reports only updates
    for path in (json_out, csv_out):
        result = runner.invoke(args=["catalog", "import", str(path)])
        assert result.exit_code == 0, result.output
        assert "+0/" in result.output


def test_csv_bad_rows_report_their_line(app, tmp_path, fresh_catalog):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["catalog", "import", str(GOOD)]).exit_code == 0
    src = tmp_path / "good.csv"
    assert runner.invoke(args=["catalog", "export", "-o", str(src)]).exit_code == 0
    with src.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows[1]["visits"] = "many"
    rows[2]["fees"] = "{not json"
    bad = tmp_path / "bad.csv"
    with bad.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows[:3])
    result = runner.invoke(args=["catalog", "import", str(bad)])
    assert result.exit_code != 0
    assert ":line 3:" in result.output and "visits: not an integer" in result.output
    assert ":line 4:" in result.output and "fees: invalid JSON" in result.output


def test_seed_command_is_idempotent(app, fresh_catalog):
    runner = app.test_cli_runner()
    with app.app_context():
        before = _count(m.ServiceItem)
    result = runner.invoke(args=["catalog", "seed"])
    assert result.exit_code == 0, result.output
    assert "items +0/" in result.output
    with app.app_context():
        assert _count(m.ServiceItem) == before


def test_a_new_item_referring_to_departments_already_in_the_database(app, tmp_path, fresh_catalog):
    """Items-only files (CSV always is one) create new items against existing reference rows."""
    runner = app.test_cli_runner()
    src = json.loads(GOOD.read_text(encoding="utf-8"))
    assert runner.invoke(args=["catalog", "import", str(GOOD)]).exit_code == 0
    new = dict(src["items"][0], implementation_code="1153992100000000TX0000000000099", name="测试事项丙新增")
    items_only = tmp_path / "new.json"
    items_only.write_text(json.dumps({"items": [new]}, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["catalog", "import", str(items_only)])
    assert result.exit_code == 0, result.output
    assert "items +1/~0" in result.output
    as_csv = tmp_path / "new.csv"
    csv_item = dict(new, implementation_code="1153992100000000TX0000000000098", name="测试事项丁新增")
    with as_csv.open("w", encoding="utf-8", newline="") as fh:
        from app.catalog.export import _csv_row
        from app.catalog.formats import CSV_COLUMNS

        writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerow(_csv_row(csv_item))
    result = runner.invoke(args=["catalog", "import", str(as_csv)])
    assert result.exit_code == 0, result.output
    assert "items +1/~0" in result.output
    with app.app_context():
        assert _count(m.ServiceItem, m.ServiceItem.name.in_(["测试事项丙新增", "测试事项丁新增"])) == 2


def test_line_numbers_stay_right_deep_into_a_large_file(app, tmp_path, fresh_catalog):
    src = json.loads(GOOD.read_text(encoding="utf-8"))
    items = []
    for n in range(300):
        items.append(dict(src["items"][0], implementation_code=f"1153992100000000TX{n:013d}", name=f"测试批量事项{n}"))
    items[250]["promised_time_limit"] = 99  # one bad row deep in the file
    path = tmp_path / "big.json"
    path.write_text(json.dumps({**src, "items": items}, ensure_ascii=False, indent=2), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(path)])
    assert result.exit_code != 0
    assert f":line {_item_start_line(path, '测试批量事项250')}:" in result.output


def test_instant_rules_are_checked_imported_and_shown_in_the_guide(app, tmp_path, fresh_catalog, client):
    runner = app.test_cli_runner()
    src = json.loads(GOOD.read_text(encoding="utf-8"))
    assert runner.invoke(args=["catalog", "import", str(GOOD)]).exit_code == 0
    base = dict(src["items"][0], instant=True, channels={"fully_online": True, "mobile": True}, visits=0)
    bad = [
        dict(base, implementation_code="1153992100000000TX0000000000097", instant_rules=[{"rule": "vip"}]),
        dict(
            base,
            implementation_code="1153992100000000TX0000000000096",
            instant=False,
            instant_rules=[{"rule": "no_uploads"}],
        ),
    ]
    path = tmp_path / "bad_rules.json"
    path.write_text(json.dumps({"items": bad}, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["catalog", "import", str(path)])
    assert result.exit_code != 0
    assert "instant_rules" in result.output and "unknown rule" in result.output
    assert "instant rules need instant: true" in result.output
    rules = [{"rule": "age_at_least", "years": 60}, {"rule": "no_credit_record"}]
    good = dict(base, implementation_code="1153992100000000TX0000000000095", instant_rules=rules)
    path.write_text(json.dumps({"items": [good]}, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["catalog", "import", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        item = db.session.scalar(
            sa.select(m.ServiceItem).where(m.ServiceItem.implementation_code == good["implementation_code"])
        )
        assert item.instant_rules == rules
        db.session.remove()
    guide = client.get(f"/api/v1/services/{good['implementation_code']}").get_json()
    assert guide["instant"] is True and guide["instant_rules"] == rules
