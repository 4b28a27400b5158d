"""`flask catalog import|export` with bundles: every bad bundle reported with its line and reason,
all-or-nothing; members may be items of the same file; an export imports back unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.catalog.bundle_models import Bundle, BundleMember
from app.extensions import db
from tests.catalog.seedview import seed

DATA = Path(__file__).parent / "data"
GOOD = DATA / "good_bundles.json"
BAD = DATA / "bad_bundles.json"
TEST_ITEM = "1153992102885039XA0009999990001"


@pytest.fixture
def test_bundles(app, fresh_catalog):
    """Afterwards the bundles a test imported (codes t-…) are gone; fresh_catalog re-seeds the rest."""
    yield
    with app.app_context():
        db.session.rollback()
        ids = db.session.scalars(sa.select(Bundle.id).where(Bundle.code.like("t-%"))).all()
        db.session.execute(sa.delete(BundleMember).where(BundleMember.bundle_id.in_(ids)))
        db.session.execute(sa.delete(Bundle).where(Bundle.id.in_(ids)))
        db.session.commit()
        db.session.remove()


def _lines(path: Path, code: str) -> list[int]:
    """Lines of the '{' opening each bundle with this code (its code is the first key)."""
    text = path.read_text(encoding="utf-8")
    out, at = [], 0
    while (at := text.find(f'"code": "{code}"', at + 1)) != -1:
        out.append(text.count("\n", 0, text.rindex("{", 0, at)) + 1)
    return out


def _bundle_codes() -> set[str]:
    return set(db.session.scalars(sa.select(Bundle.code)))


def test_bad_bundles_reported_with_line_and_reason_and_nothing_imported(app, test_bundles):
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(BAD)])
    assert result.exit_code != 0
    out = result.output
    expected = {
        "t-unknown-question": "unknown question 'first_child'",
        "t-unknown-item": "unknown item '1153992102885039XA0001299990001'",
        "t-member-field": "unknown member field 'baby_name'",
        "t-shared-field": "unknown shared field 'kid'",
        "t-cycle": "dependency cycle",
        "t-extra-key": "colour: Unknown field",
    }
    for code, reason in expected.items():
        (line,) = _lines(BAD, code)
        matching = [row for row in out.splitlines() if f":line {line}: bundles {code}" in row]
        assert matching, f"no report for line {line} ({code}):\n{out}"
        assert reason in matching[0], matching[0]
    first, second = _lines(BAD, "t-dup")
    dup = [row for row in out.splitlines() if f":line {second}: bundles t-dup" in row]
    assert dup and f"duplicate code, first on line {first}" in dup[0]
    assert "7 bad row(s); nothing was imported" in out
    with app.app_context():
        assert not any(c.startswith("t-") for c in _bundle_codes())  # not even the good bundle


def test_skip_bad_imports_the_good_bundle_with_an_item_of_the_same_file(app, test_bundles):
    result = app.test_cli_runner().invoke(args=["catalog", "import", "--skip-bad", str(BAD)])
    assert result.exit_code == 0, result.output
    assert "bundles +2/~0" in result.output
    with app.app_context():
        # the first t-dup is good; its duplicate was the bad row
        assert {c for c in _bundle_codes() if c.startswith("t-")} == {"t-good", "t-dup"}
        bundle = db.session.scalar(sa.select(Bundle).where(Bundle.code == "t-good"))
        assert [m.service_code for m in bundle.members][-1] == TEST_ITEM
        assert bundle.members[1].condition == {"question": "local", "equals": True}


def test_upsert_is_idempotent_and_export_imports_back(app, test_bundles, tmp_path):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["catalog", "import", str(GOOD)])
    assert first.exit_code == 0, first.output
    assert "bundles +1/~0" in first.output
    again = runner.invoke(args=["catalog", "import", str(GOOD)])
    assert "bundles +0/~1" in again.output
    out = tmp_path / "export.json"
    exported = runner.invoke(args=["catalog", "export", "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    codes = [b["code"] for b in doc["bundles"]]
    assert set(codes) == {b["code"] for b in seed()["bundles"]} | {"t-good"}
    for mine in seed()["bundles"]:
        theirs = next(b for b in doc["bundles"] if b["code"] == mine["code"])
        for key, value in mine.items():
            if key == "members":
                assert [
                    {
                        k: m.get(k, None if k == "when" else [])
                        for k in ("service_code", "when", "field_map", "depends_on")
                    }
                    for m in value
                ] == theirs["members"]
            else:
                assert theirs[key] == value, key
    back = runner.invoke(args=["catalog", "import", str(out)])
    assert back.exit_code == 0, back.output
    assert f"bundles +0/~{len(codes)}" in back.output


def test_a_member_item_must_be_active_or_in_the_file(app, test_bundles, tmp_path):
    doc = json.loads(GOOD.read_text(encoding="utf-8"))
    del doc["items"]  # the bundle now names an item neither in the file nor in the catalog
    path = tmp_path / "bundle_only.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(path)])
    assert result.exit_code != 0
    assert f"unknown item '{TEST_ITEM}'" in result.output
