"""What the generator reads before it writes: the seeded catalog's active items with their
department, limits, fee, instant rules, delivery options and materials; and the working days of
the stored calendar, for arithmetic by index."""

from __future__ import annotations

import json
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa


@dataclass
class Item:
    code: str
    name: str
    department_code: str
    department_name: str
    fully_online: bool
    promised: int
    fee: int
    instant: bool
    instant_rules: str | None
    mail: bool
    licence_result: bool
    form_schema: str
    popularity: int
    materials: list[tuple] = field(default_factory=list)


def load_items(conn: sa.Connection) -> list[Item]:
    rows = conn.execute(
        sa.text(
            "SELECT i.id, i.implementation_code, i.name, d.code, d.name, i.fully_online, i.promised_time_limit, "
            "i.fee_from_fen, i.instant, i.instant_rules, i.delivery_options, i.result_licence_type_id, "
            "i.form_schema, i.popularity FROM service_items i JOIN departments d ON d.id = i.department_id "
            "WHERE i.active ORDER BY i.id"
        )
    ).all()
    items: dict[int, Item] = {}
    for r in rows:
        options = r[10] if isinstance(r[10], list) else json.loads(r[10] or "[]")
        rules = r[9] if not isinstance(r[9], str) else json.loads(r[9])
        schema = r[12] if isinstance(r[12], str) else json.dumps(r[12], ensure_ascii=False)
        items[r[0]] = Item(
            r[1], r[2], r[3], r[4], bool(r[5]), int(r[6]), int(r[7] or 0), bool(r[8]),
            json.dumps(rules or [], ensure_ascii=False), "mail" in options, r[11] is not None, schema,
            int(r[13] or 0),
        )  # fmt: skip
    for m in conn.execute(
        sa.text(
            "SELECT sm.service_item_id, sm.position, sm.name, mt.code, lt.code, sm.required, sm.commitment_allowed "
            "FROM service_materials sm JOIN material_types mt ON mt.id = sm.material_type_id "
            "LEFT JOIN licence_types lt ON lt.id = mt.licence_type_id ORDER BY sm.service_item_id, sm.position"
        )
    ):
        if m[0] in items:
            items[m[0]].materials.append(tuple(m[1:]))
    return list(items.values())


class Days:
    """Working-day arithmetic over a fixed range, by index into the list of working days."""

    def __init__(self, cal, first: date, last: date):
        self.work = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        self.work = [d for d in self.work if cal.is_working_day(d)]

    def received(self, day: date) -> int:
        """Index of the working day a case submitted on `day` counts as received."""
        return bisect_left(self.work, day)

    def add(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n > 0), as app.workdays.add_working_days."""
        index = bisect_left(self.work, day)
        return self.at(index + n - (self.work[index] != day))

    def at(self, index: int) -> date:
        return self.work[min(index, len(self.work) - 1)]
