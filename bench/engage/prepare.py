"""Build the benchmark's citizens and slots through the cores' own service functions (run in a
child process with the benchmark database in its environment): every demo resident logs in by
SMS and proves their real name (level 3); a hall window serving 居民身份证首次申领 gets one "hot"
slot with a capacity of half the connections and one slot of capacity 1 per connection, three
days ahead. Prints one JSON line: {"tokens": [...], "hot": slot_id, "own": [slot_id, ...]}.
"""

from __future__ import annotations

import json
import sys
from datetime import time, timedelta

ITEM = "1153992101967557720000107010001"
HALL = {
    "code": "BENCH-HALL",
    "name": "压测政务服务大厅",
    "address": "压测路1号",
    "department_code": "YQX-ZWFW",
    "windows": [{"number": "A01", "name": "公安窗口", "department_code": "YQX-GA", "items": [ITEM]}],
}


def main(connections: int) -> int:
    from app import create_app
    from app.appointments.models import Slot
    from app.appointments.seed import ensure_halls
    from app.appointments.service import china_now
    from app.extensions import db
    from app.identity import service as identity
    from sandbox.sms import SandboxSmsProvider

    app = create_app()
    residents = json.loads((__import__("pathlib").Path("app/identity/seed/residents.json")).read_text("utf-8"))
    with app.app_context():
        tokens = []
        for n, row in enumerate(residents["residents"]):
            mobile = f"139{n:08d}"
            identity.send_sms_code(mobile, ip=None)
            pair = identity.login_sms(mobile, SandboxSmsProvider.last_code(mobile), ip=None)
            try:
                pair = identity.verify_realname(
                    identity.authenticate(pair.access_token), name=row["name"], id_number=row["id_number"], ip=None
                )
            except Exception:  # noqa: BLE001 - refused by the registry: not a bench citizen
                db.session.rollback()
                continue
            tokens.append(pair.access_token)
        [window] = ensure_halls([HALL])
        day = china_now().date() + timedelta(days=3)
        hot = Slot(window_id=window.id, day=day, starts=time(9, 0), ends=time(9, 30), capacity=max(connections // 2, 1))
        own = [
            Slot(window_id=window.id, day=day, starts=time(10, 0, i), ends=time(10, 30), capacity=1)
            for i in range(connections)
        ]
        db.session.add_all([hot, *own])
        db.session.commit()
        print(json.dumps({"tokens": tokens[:connections], "hot": hot.id, "own": [s.id for s in own]}))
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
