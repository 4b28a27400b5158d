"""The pip-audit exception list (.ci/pip-audit-ignore.txt): one dated, reasoned line per id."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("ci_audit", ROOT / ".ci" / "audit.py")
audit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(audit)
TODAY = date(2026, 12, 6)


def test_the_committed_exception_list_is_well_formed():
    ids, problems = audit.read_exceptions(audit.IGNORE_FILE, date.today())
    assert problems == []
    assert len(ids) == len(set(ids))


def test_each_exception_needs_a_date_and_a_reason(tmp_path):
    path = tmp_path / "ignore.txt"
    path.write_text(
        "# comment\n\n"
        "PYSEC-2026-1 2026-11-30 only in the CLI we never call; lift when 2.1 ships\n"
        "GHSA-aaaa-bbbb-cccc\n"
        "PYSEC-2026-2 2026-11-30\n"
        "PYSEC-2026-3 2026-13-01 a reason\n"
        "PYSEC-2025-4 2025-01-01 reviewed long ago\n",
        encoding="utf-8",
    )
    ids, problems = audit.read_exceptions(path, TODAY)
    assert ids == ["PYSEC-2026-1", "PYSEC-2025-4"]
    assert len(problems) == 4
    assert any(":4:" in p for p in problems) and any(":5:" in p for p in problems)
    assert any("2026-13-01" in p for p in problems)
    assert any("PYSEC-2025-4" in p and "review" in p for p in problems)
