"""The benchmark's callers, made through the cores' own service functions (run in a child process
with the benchmark database in its environment): the seeded clerk of DEPARTMENT logs in; one demo
resident logs in by SMS and proves their real name, and CITIZEN_CASES of the generated cases become
theirs (a heavy user's list). Prints one JSON line: {"staff", "citizen", "case_ids"}.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DEPARTMENT = "YQX-GA"
CITIZEN_CASES = 120


def main() -> int:
    import sqlalchemy as sa

    from app import create_app
    from app.extensions import db
    from app.identity import service as identity
    from app.staff import auth as staff_auth
    from sandbox.sms import SandboxSmsProvider

    app = create_app()
    residents = json.loads(Path("app/identity/seed/residents.json").read_text("utf-8"))["residents"]
    with app.app_context():
        staff = staff_auth.login(username=f"{DEPARTMENT.lower()}-clerk", password="Zsb-Demo-2026", ip=None)  # noqa: S106 - the seeded demo password (README)
        mobile = "13900000000"
        identity.send_sms_code(mobile, ip=None)
        pair = identity.login_sms(mobile, SandboxSmsProvider.last_code(mobile), ip=None)
        try:
            pair = identity.verify_realname(
                identity.authenticate(pair.access_token), name=residents[0]["name"],
                id_number=residents[0]["id_number"], ip=None,
            )  # fmt: skip
        except Exception:  # noqa: BLE001 - already verified: a run with --reuse
            db.session.rollback()
        account = identity.authenticate(pair.access_token).account_id
        db.session.execute(
            sa.text(
                "UPDATE cases SET account_id = :me WHERE id IN (SELECT id FROM cases WHERE case_number LIKE 'DEMO-%' "
                "AND department_code <> :dept ORDER BY id DESC LIMIT :n)"
            ),
            {"me": account, "dept": DEPARTMENT, "n": CITIZEN_CASES},
        )
        case_ids = db.session.scalars(
            sa.text(
                "SELECT id FROM cases WHERE department_code = :dept AND status <> 'draft' ORDER BY random() LIMIT 200"
            ),
            {"dept": DEPARTMENT},
        ).all()
        db.session.commit()
        print(json.dumps({"staff": staff["access_token"], "citizen": pair.access_token, "case_ids": case_ids}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
