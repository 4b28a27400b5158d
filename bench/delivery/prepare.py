"""Build the benchmark's parcels (run in a child process with the benchmark database in its
environment): one account and N approved cases of 户籍证明开具, each with a mail delivery whose SF
order is placed (status `ordered`, an order id and a waybill). Rows are written through the
models directly — the benchmark is about route pushes, not about how the cases got there.
Prints one JSON line: {"parcels": [[order_id, waybill_no], ...]}.
"""

from __future__ import annotations

import json
import sys


def main(count: int) -> int:
    from app import create_app
    from app.cases.models import Case, utcnow
    from app.extensions import db
    from app.identity.models import Account
    from delivery.addresses import seal
    from delivery.models import Delivery

    app = create_app()
    with app.app_context():
        from app.catalog import service as catalog

        guide = catalog.get_service("1153992101967557720000111070001")
        account = Account()
        db.session.add(account)
        db.session.flush()
        contact = seal({"recipient": "林晓岚", "mobile": "13912345678", "detail": "栖凤大道66号"})
        parcels = []
        for n in range(count):
            case = Case(
                account_id=account.id,
                service_code=guide["code"],
                service_name=guide["name"],
                department_code=guide["department"]["code"],
                department_name=guide["department"]["name"],
                status="approved",
                form_schema={},
                form_data={},
                case_number=f"BENCH-{n:06d}",
                submitted_at=utcnow(),
            )
            db.session.add(case)
            db.session.flush()
            order_id, waybill = f"ZSBBENCH{n:08d}", f"SF9{n:012d}"
            db.session.add(
                Delivery(
                    case_id=case.id,
                    account_id=account.id,
                    department_code=case.department_code,
                    method="mail",
                    status="ordered",
                    issued_at=utcnow(),
                    contact=contact,
                    province_code="990000",
                    city_code="539900",
                    county_code="539921",
                    courier="sf",
                    courier_name="顺丰速运",
                    order_id=order_id,
                    waybill_no=waybill,
                )
            )
            parcels.append([order_id, waybill])
        db.session.commit()
    print(json.dumps({"parcels": parcels}))
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
