"""Cases waiting for their fee and their open orders, written straight into the benchmark database
(run in a child process with the benchmark environment): one citizen account, N cases of
居民身份证换领 in payment_pending with a pending WeChat Pay order and N with an Alipay order.
Prints one JSON line: {"wechat": [[out_trade_no, openid], ...], "alipay": [...]}."""

from __future__ import annotations

import json
import sys
from datetime import timedelta

ID_RENEWAL = "1153992101967557720000107020001"


def main(per_channel: int, tag: str = "BENCH") -> int:
    from app import create_app
    from app.cases.models import Case
    from app.cases.states import CaseStatus
    from app.catalog import service as catalog
    from app.extensions import db
    from app.identity.models import Account
    from payments.models import FeeOrder, OrderStatus, utcnow
    from payments.service import new_out_trade_no

    app = create_app()
    out: dict[str, list] = {"wechat": [], "alipay": []}
    with app.app_context():
        guide = catalog.get_service(ID_RENEWAL)
        account = Account()
        db.session.add(account)
        db.session.flush()
        now = utcnow()
        for channel, merchant, app_id in (
            ("wechat", app.config["WECHATPAY_MCHID"], app.config["WECHATPAY_APPID"]),
            ("alipay", app.config["ALIPAY_APP_ID"], app.config["ALIPAY_APP_ID"]),
        ):
            for n in range(per_channel):
                case = Case(
                    account_id=account.id,
                    service_code=guide["code"],
                    service_name=guide["name"],
                    department_code=guide["department"]["code"],
                    department_name=guide["department"]["name"],
                    status=CaseStatus.PAYMENT_PENDING,
                    required_level=4,
                    fee_fen=2000,
                    form_schema=guide["form_schema"],
                    form_data={},
                    case_number=f"{tag}-{channel}-{n:07d}",
                    instant_rules=[],
                    submitted_at=now,
                )
                db.session.add(case)
                db.session.flush()
                payer = f"o{n:027d}" if channel == "wechat" else f"0{n:15d}"
                order = FeeOrder(
                    out_trade_no=new_out_trade_no(case.id),
                    case_id=case.id,
                    account_id=account.id,
                    channel=channel,
                    merchant_id=merchant,
                    app_id=app_id,
                    amount_fen=2000,
                    description=f"{guide['name']}（{case.case_number}）"[:127],
                    payer_id=payer,
                    status=OrderStatus.PENDING,
                    expires_at=now + timedelta(hours=2),
                )
                db.session.add(order)
                out[channel].append([order.out_trade_no, payer])
                if n % 500 == 499:
                    db.session.commit()
        db.session.commit()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), *sys.argv[2:3]))
