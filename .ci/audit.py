"""Audit the pinned requirements (requirements.txt and requirements-dev.txt) with pip-audit.

Exit 0: every pinned package was checked and none has a known vulnerability (apart from the
dated, reasoned exceptions in .ci/pip-audit-ignore.txt). Exit 1: a known vulnerability, or a
malformed or stale exception. Exit 75 (EX_TEMPFAIL): the vulnerability database could not be
reached, so nothing was audited — with --allow-unreachable (CI on a machine without access to it)
that is a loud warning and exit 0 instead.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE_FILE = ROOT / ".ci" / "pip-audit-ignore.txt"
# pip-audit does not follow "-r" inside a file: name both.
REQUIREMENTS = (ROOT / "requirements.txt", ROOT / "requirements-dev.txt")
# An exception is looked at again after this many days, or the audit fails.
MAX_EXCEPTION_AGE_DAYS = 180
UNREACHABLE = 75
LINE = re.compile(r"^(?P<id>[A-Za-z0-9][A-Za-z0-9_.:-]+)\s+(?P<date>\d{4}-\d{2}-\d{2})\s+(?P<reason>\S.*)$")


def read_exceptions(path: Path, today: date) -> tuple[list[str], list[str]]:
    """The vulnerability ids to ignore, and what is wrong with the file (id, date, reason per line)."""
    ids, problems = [], []
    if not path.exists():
        return ids, problems
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = LINE.match(line)
        if not match:
            problems.append(f"{path.name}:{number}: expected '<VULN-ID> <YYYY-MM-DD> <reason>'")
            continue
        try:
            recorded = date.fromisoformat(match["date"])
        except ValueError:
            problems.append(f"{path.name}:{number}: {match['date']} is not a date")
            continue
        if (today - recorded).days > MAX_EXCEPTION_AGE_DAYS:
            problems.append(
                f"{path.name}:{number}: the exception for {match['id']} dates from {recorded}; "
                f"review it (older than {MAX_EXCEPTION_AGE_DAYS} days)"
            )
        ids.append(match["id"])
    return ids, problems


def run_pip_audit(ignored: list[str]) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pip_audit", "--no-deps", "--disable-pip"]
    for requirements in REQUIREMENTS:
        command += ["-r", str(requirements)]
    command += ["--progress-spinner", "off", "--format", "json"]
    for vuln_id in ignored:
        command += ["--ignore-vuln", vuln_id]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--allow-unreachable",
        action="store_true",
        help="warn instead of failing when the vulnerability database cannot be reached",
    )
    args = parser.parse_args(argv)

    ignored, problems = read_exceptions(IGNORE_FILE, date.today())
    for problem in problems:
        say(f"pip-audit exceptions: {problem}", err=True)
    result = run_pip_audit(ignored)
    try:
        report = json.loads(result.stdout)
    except ValueError:
        report = None
    if report is None:
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        if any(word in result.stderr for word in ("ConnectionError", "ServiceError", "NameResolution", "Timeout")):
            return unreachable(f"pip-audit could not reach the vulnerability database: {detail}", args)
        say(f"pip-audit failed (exit {result.returncode}): {detail}", err=True)
        return 1

    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = [d for d in dependencies if not d.get("skip_reason")]
    vulnerable = [(d, v) for d in audited for v in d.get("vulns", [])]
    for dependency, vuln in vulnerable:
        fix = ", ".join(vuln.get("fix_versions") or []) or "no fixed version"
        say(f"VULNERABLE {dependency['name']} {dependency['version']}: {vuln['id']} (fixed in: {fix})")
    if audited and skipped:
        say(f"warning: {len(skipped)} pinned package(s) could not be audited:", err=True)
        for dependency in skipped:
            say(f"  {dependency['name']}: {dependency['skip_reason']}", err=True)
    if vulnerable or problems:
        say(
            f"pip-audit: {len(vulnerable)} known vulnerabilit(y/ies), {len(problems)} problem(s) with "
            f"{IGNORE_FILE.relative_to(ROOT)}; upgrade the pin or record a dated, reasoned exception",
            err=True,
        )
        return 1
    if not audited:
        return unreachable(
            f"none of the {len(skipped)} pinned packages could be looked up in the vulnerability database "
            f"(first: {skipped[0]['skip_reason'] if skipped else 'no dependencies read'})",
            args,
        )
    say(f"pip-audit: {len(audited)} pinned packages audited, no known vulnerability ({len(ignored)} exception(s))")
    return 0


def say(message: str, *, err: bool = False) -> None:
    (sys.stderr if err else sys.stdout).write(message + "\n")


def unreachable(message: str, args: argparse.Namespace) -> int:
    banner = "NOT AUDITED: " + message
    if args.allow_unreachable:
        say(f"warning: {banner}; the audit is skipped on this machine", err=True)
        return 0
    say(banner, err=True)
    return UNREACHABLE


if __name__ == "__main__":
    sys.exit(main())
