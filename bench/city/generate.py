"""A city's years of cases, written straight into the database (COPY on PostgreSQL).

`generate(years, cases)` fills the tables the app reads — accounts with a verified (fictional)
identity, cases over the seeded catalog's departments and items with their materials and
timelines, ratings, fee orders and deliveries — ending today. Everything is DEMO DATA: names are
"某演示" style, case numbers start with "DEMO-", ID numbers are not ID numbers. Personal data is
encrypted with the app's own keys (app.crypto), exactly as the app writes it, so the app reads
the rows like its own.

The shape of a case follows the state machine (app/cases/states.py): payment first for items
with a fee, instant approval for a share of the 秒批 items, otherwise accept → (correction →
resubmit →) approve/deny → conclude, or reject, withdraw; a few concluded cases are revoked.
Durations are drawn in working days under the stored holiday calendar, mostly within the item's
promised limit; a move that would lie in the future has not happened yet, so recent cases are
open and some of them overdue — the work queue's colours.

Runs inside an app context: `python -m bench.city generate …` (or the demo step of `make seed`).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bench.city.reference import Days, Item, load_items
from bench.city.writer import Writer

CHINA = ZoneInfo("Asia/Shanghai")
DEMO_PREFIX = "DEMO-"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
BATCH = 20_000

CASE_COLUMNS = (
    "id account_id service_code service_name department_code department_name status required_level form_schema "
    "form_data case_number applicant_hash created_at updated_at submitted_at fee_fen instant_rules"
).split()
EVENT_COLUMNS = ("id", "case_id", "action", "from_status", "to_status", "actor", "note", "created_at")
MATERIAL_COLUMNS = (
    "id case_id position name material_type_code licence_type_code required commitment_allowed method "
    "commitment_version commitment_accepted_at updated_at needs_correction"
).split()
EVALUATION_COLUMNS = (
    "id case_id account_id department_code service_code score answers comment created_at followup_status "
    "followup_due reply replied_at replied_by resolved resolved_at"
).split()
ORDER_COLUMNS = (
    "id out_trade_no case_id account_id channel merchant_id app_id amount_fen description payer_id status "
    "prepay_ref provider_trade_no settled_by expires_at created_at updated_at paid_at"
).split()
DELIVERY_COLUMNS = (
    "id case_id account_id department_code method status issued_at contact province_code city_code county_code "
    "courier courier_name order_id waybill_no order_attempts pickup_code pickup_address pickup_hours delivered_at "
    "created_at updated_at pickup_failures"
).split()


def _utc(moment: datetime) -> datetime:
    """China wall-clock time → naive UTC (China has no daylight saving)."""
    return moment - timedelta(hours=8)


def _during_office(day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(9)) + timedelta(minutes=rng.randrange(0, 8 * 60 + 30))


class City:
    """Draws the rows; `run()` writes them in batches."""

    def __init__(self, writer: Writer, *, years: float, cases: int, seed: int, today: date, now: datetime):
        from app.identity import registry
        from app.workdays import load_calendar

        self.w, self.rng, self.today, self.now = writer, random.Random(seed), today, now  # now: China, naive
        self.cases, self.first = cases, today - timedelta(days=round(365 * years) - 1)
        self.items = load_items(writer.connection)
        self.weights = [max(i.popularity, 1) ** 0.5 for i in self.items]
        from flask import current_app

        cal = load_calendar(current_app.config.get("WORK_CALENDAR", "CN"))
        self.days = Days(cal, self.first - timedelta(days=10), today + timedelta(days=400))
        self.registry = registry
        self.stats: dict[str, int] = {}

    # ------------------------------------------------------------ accounts
    def accounts(self, n: int) -> list[int]:
        from app import crypto

        first = self.w.next_ids("accounts")
        vid = self.w.next_ids("verified_identities")
        ids = list(range(first, first + n))
        created = _utc(datetime.combine(self.first, time(8)))
        self.w.write("accounts", ("id", "status", "created_at"), [(i, "active", created) for i in ids])
        rows, self.hashes = [], {}
        for k, account in enumerate(ids):
            number = f"DEMO{account:014d}"
            name = self.rng.choice(SURNAMES) + "演示" + "甲乙丙丁戊己庚辛"[account % 8]
            id_hash = crypto.lookup_hash(number, purpose=self.registry.ID_CONTEXT)
            self.hashes[account] = id_hash
            rows.append(
                (
                    vid + k, account, id_hash,
                    crypto.encrypt(number, context=self.registry.ID_CONTEXT),
                    crypto.encrypt(name, context=self.registry.NAME_CONTEXT), created,
                )
            )  # fmt: skip
        self.w.write("verified_identities", ("id", "account_id", "id_hash", "id_enc", "name_enc", "verified_at"), rows)
        return ids

    # ------------------------------------------------------------ one case
    def _timeline(self, item: Item, submitted: datetime, fee_case: bool) -> tuple[str, list[tuple]]:
        """(final status, [(action, from, to, actor, note, China time)]) up to now."""
        rng, out = self.rng, []
        status = "submitted"

        def step(action, to, at, actor):
            nonlocal status
            if at > self.now:
                return False
            out.append((action, status, to, actor, None, at))
            status = to
            return True

        if fee_case:
            status = "draft"
            out.append(("await_payment", "draft", "payment_pending", "citizen", None, submitted))
            status = "payment_pending"
            if not step("pay", "submitted", submitted + timedelta(minutes=rng.randint(1, 240)), "system:payments"):
                return status, out
        else:
            out.append(("submit", "draft", "submitted", "citizen", None, submitted))
        if item.instant and rng.random() < 0.7:
            at = out[-1][5] + timedelta(seconds=rng.randint(1, 5))
            step("instant_approve", "approved", at, "system:instant")
            if item.licence_result:
                out.append(("issue_licence", "approved", "approved", "system:instant", None, at))
            step("conclude", "concluded", at + timedelta(seconds=rng.randint(5, 600)), "system:instant")
            return status, out
        received = self.days.received(submitted.date())
        staff = f"staff:{rng.randint(1, 80)}"
        roll = rng.random()
        if roll < 0.03:  # 不予受理
            step("reject", "rejected", _during_office(self.days.at(received + rng.randint(0, 2)), rng), staff)
            return status, out
        if roll < 0.05:  # withdrawn by the citizen before the decision
            step("withdraw", "withdrawn", submitted + timedelta(hours=rng.randint(1, 72)), "citizen")
            return status, out
        accept = max(_during_office(self.days.at(received + rng.randint(0, 1)), rng), out[-1][5])
        if not step("accept", "accepted", accept, staff):
            return status, out
        spent = rng.randint(0, max(item.promised, 0)) if rng.random() < 0.88 else item.promised + rng.randint(1, 6)
        if rng.random() < 0.1:  # 补正 round
            ask = accept + timedelta(hours=rng.randint(1, 30))
            if not step("request_correction", "correction_requested", ask, staff):
                return status, out
            back = ask + timedelta(hours=rng.randint(2, 96))
            if not step("resubmit", "submitted", back, "citizen"):
                return status, out
            if not step("accept", "accepted", back + timedelta(hours=rng.randint(1, 24)), staff):
                return status, out
            spent += 2
        decided = max(_during_office(self.days.at(received + spent), rng), out[-1][5] + timedelta(minutes=5))
        outcome = ("deny", "denied") if rng.random() < 0.06 else ("approve", "approved")
        if not step(*outcome, decided, staff.replace("staff:", "staff:1")):
            return status, out
        if outcome[0] == "approve" and item.licence_result:
            out.append(("issue_licence", "approved", "approved", staff, None, decided))
        step("conclude", "concluded", decided + timedelta(minutes=rng.randint(1, 120)), staff)
        return status, out

    def run(self) -> dict:
        rng = self.rng
        accounts = self.accounts(max(self.cases // 5, 20))
        next_case, next_event = self.w.next_ids("cases"), self.w.next_ids("case_events")
        next_material, next_eval = self.w.next_ids("case_materials"), self.w.next_ids("evaluations")
        next_order, next_delivery = self.w.next_ids("fee_orders"), self.w.next_ids("deliveries")
        span = (self.today - self.first).days + 1
        # more cases on working days, and a city that grows a little each year
        day_weights = [
            (1.0 if self.days.received(self.first + timedelta(days=d)) < len(self.days.work)
             and self.days.work[self.days.received(self.first + timedelta(days=d))] == self.first + timedelta(days=d)
             else 0.2) * (1 + 0.3 * d / span)
            for d in range(span)
        ]  # fmt: skip
        seq: dict[str, int] = {}
        form_cipher = self._form_ciphers()
        buffers: dict[str, list] = {k: [] for k in ("cases", "ev", "mat", "eval", "ord", "del")}
        item_picks = rng.choices(range(len(self.items)), weights=self.weights, k=self.cases)
        day_picks = rng.choices(range(span), weights=day_weights, k=self.cases)
        day_picks.sort()
        for n in range(self.cases):
            item = self.items[item_picks[n]]
            day = self.first + timedelta(days=day_picks[n])
            submitted = datetime.combine(day, time(7)) + timedelta(seconds=rng.randrange(0, 15 * 3600))
            if submitted > self.now:
                submitted = self.now - timedelta(minutes=rng.randint(1, 600))
            account = rng.choice(accounts)
            case_id = next_case
            next_case += 1
            if n % 97 == 0 and (self.today - day).days < 30:  # a draft, never submitted
                buffers["cases"].append(
                    (case_id, account, item.code, item.name, item.department_code, item.department_name, "draft", 3,
                     item.form_schema, rng.choice(form_cipher), None, None, _utc(submitted), _utc(submitted), None,
                     item.fee, item.instant_rules)
                )  # fmt: skip
                continue
            fee_case = item.fee > 0
            status, timeline = self._timeline(item, submitted, fee_case)
            prefix = f"{DEMO_PREFIX}{item.department_code.split('-')[0]}-{day:%Y%m%d}"
            seq[prefix] = seq.get(prefix, 0) + 1
            last = timeline[-1][5]
            buffers["cases"].append(
                (case_id, account, item.code, item.name, item.department_code, item.department_name, status, 3,
                 item.form_schema, rng.choice(form_cipher), f"{prefix}-{seq[prefix]:06d}", self.hashes[account],
                 _utc(submitted - timedelta(minutes=rng.randint(3, 300))), _utc(last), _utc(submitted), item.fee,
                 item.instant_rules)
            )  # fmt: skip
            for position, name, mtype, ltype, required, commitment in item.materials:
                r = rng.random()
                method = (
                    "licence" if ltype and r < 0.7
                    else "commitment" if commitment and r < 0.85
                    else None if not required and r < 0.93
                    else "upload"
                )  # fmt: skip
                buffers["mat"].append(
                    (next_material, case_id, position, name, mtype, ltype, bool(required), bool(commitment), method,
                     "v1" if method == "commitment" else None,
                     _utc(submitted) if method == "commitment" else None, _utc(submitted), False)
                )  # fmt: skip
                next_material += 1
            if fee_case:
                paid = any(a == "pay" for a, *_ in timeline)
                at = _utc(timeline[0][5])
                channel = "wechat" if case_id % 3 else "alipay"
                buffers["ord"].append(
                    (next_order, f"DEMO{case_id:020d}", case_id, account, channel, "1900000109", "demo-app",
                     item.fee, item.name[:127], f"demo-payer-{account}", "paid" if paid else "pending",
                     f"demo-prepay-{case_id}", f"DEMO{case_id:020d}" if paid else None, "notify" if paid else None,
                     at + timedelta(minutes=30), at, _utc(timeline[1][5]) if paid else at,
                     _utc(timeline[1][5]) if paid else None)
                )  # fmt: skip
                next_order += 1
            if status == "concluded" and any(a in ("approve", "instant_approve") for a, *_ in timeline):
                next_delivery = self._delivery(buffers, timeline, next_delivery, next_event, case_id, account, item)
            if status in ("concluded", "rejected") and rng.random() < 0.55:
                closed = timeline[-1][5]
                rated = closed + timedelta(hours=rng.randint(1, 96))
                if rated <= self.now:
                    buffers["eval"].append(self._rating(next_eval, case_id, account, item, rated))
                    next_eval += 1
            for action, source, target, actor, note, at in timeline:
                actor = f"citizen:{account}" if actor == "citizen" else actor
                buffers["ev"].append((next_event, case_id, action, source, target, actor, note, _utc(at)))
                next_event += 1
            if len(buffers["cases"]) >= BATCH:
                self._flush(buffers)
        self._flush(buffers)
        self.w.finish()
        return dict(self.w.written)

    def _delivery(self, buffers, timeline, next_delivery, next_event, case_id, account, item) -> int:
        from app import crypto

        rng = self.rng
        issued = timeline[-1][5]
        mail = item.mail and rng.random() < 0.6
        done = issued + timedelta(days=rng.randint(1, 4))
        delivered = done <= self.now
        if mail:
            contact = crypto.encrypt(
                json.dumps({"recipient": "某演示", "mobile": "13900000000", "detail": "演示路1号"}, ensure_ascii=False),
                context="delivery.address",
            )
            row = (next_delivery, case_id, account, item.department_code, "mail",
                   "delivered" if delivered else "in_transit", _utc(issued), contact, "530000", "539900", "539901",
                   "sf", "顺丰速运", f"DEMO-SF-{case_id}", f"SFDEMO{case_id:010d}", 1, None, None, None,
                   _utc(done) if delivered else None, _utc(issued), _utc(done if delivered else issued), 0)  # fmt: skip
            steps = [("delivery_mail", issued), ("courier_ordered", issued + timedelta(minutes=2))]
            steps += [("parcel_delivered", done)] if delivered else []
        else:
            row = (next_delivery, case_id, account, item.department_code, "pickup",
                   "collected" if delivered else "pickup_ready", _utc(issued), None, None, None, None, "hall", None,
                   None, None, 0, f"{case_id % 1000000:06d}", "演示政务服务大厅", "工作日 9:00-17:00",
                   _utc(done) if delivered else None, _utc(issued), _utc(done if delivered else issued), 0)  # fmt: skip
            steps = [("delivery_pickup_ready", issued)] + ([("result_collected", done)] if delivered else [])
        buffers["del"].append(row)
        for action, at in steps:
            timeline.append((action, "concluded", "concluded", "system:delivery", None, at))
        return next_delivery + 1

    def _rating(self, ident, case_id, account, item, rated) -> tuple:
        from app import crypto

        rng = self.rng
        score = rng.choices((5, 4, 3, 2, 1), weights=(70, 17, 7, 4, 2))[0]
        answers = json.dumps({k: score for k in ("attitude", "efficiency", "convenience", "guidance", "integrity")})
        comment = crypto.encrypt("演示评价：办理顺利", context="evaluation.comment") if rng.random() < 0.2 else None
        if score > 2:
            return (ident, case_id, account, item.department_code, item.code, score, answers, comment, _utc(rated),
                    None, None, None, None, None, None, None)  # fmt: skip
        due = self.days.add(rated.date(), 15)
        replied = rated + timedelta(days=rng.randint(1, 25)) if rng.random() < 0.9 else None
        if replied is not None and replied > self.now:
            replied = None
        reply = crypto.encrypt("演示回复：已整改", context="evaluation.reply") if replied else None
        return (ident, case_id, account, item.department_code, item.code, score, answers, comment, _utc(rated),
                "replied" if replied else "open", due, reply, _utc(replied) if replied else None,
                "staff:1" if replied else None, None, None)  # fmt: skip

    def _form_ciphers(self) -> list[str]:
        from app import crypto
        from app.cases.models import FORM_DATA_CONTEXT

        return [
            crypto.encrypt(json.dumps({"remark": f"演示数据{i}"}, ensure_ascii=False), context=FORM_DATA_CONTEXT)
            for i in range(64)
        ]

    def _flush(self, buffers) -> None:
        self.w.write("cases", tuple(CASE_COLUMNS), buffers["cases"])
        self.w.write("case_materials", tuple(MATERIAL_COLUMNS), buffers["mat"])
        self.w.write("case_events", EVENT_COLUMNS, buffers["ev"])
        self.w.write("evaluations", tuple(EVALUATION_COLUMNS), buffers["eval"])
        self.w.write("fee_orders", tuple(ORDER_COLUMNS), buffers["ord"])
        self.w.write("deliveries", tuple(DELIVERY_COLUMNS), buffers["del"])
        for rows in buffers.values():
            rows.clear()


def has_history(conn: sa.Connection) -> bool:
    return bool(conn.execute(sa.text("SELECT 1 FROM cases WHERE case_number LIKE 'DEMO-%' LIMIT 1")).first())


def generate(*, years: float, cases: int, seed: int = 19, if_empty: bool = False) -> dict:
    """Fill the app's database (inside an app context); commits. With `if_empty`, nothing is
    done when demo history is already there (idempotent `make seed`)."""
    from app.extensions import db

    now = datetime.now(UTC).astimezone(CHINA).replace(tzinfo=None)
    with db.engine.connect() as conn:
        if if_empty and has_history(conn):
            return {}
        city = City(Writer(conn), years=years, cases=cases, seed=seed, today=now.date(), now=now)
        written = city.run()
        conn.commit()
    from app.stats.refresh import refresh

    refresh(full=True)  # the figures' rollup cells (app/stats/rollup.py) over the new history
    return written
