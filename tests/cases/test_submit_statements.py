"""What a submit costs the database, pinned: the SQL statements of one submit request (auth,
lock, checks, number, move, 秒批 with its e-licence, the answer, the outbox mark). A change that
adds a round trip to the hottest write path fails here and has to say why (docs/benchmarks.md,
"Submit")."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa

from app.extensions import db
from tests.cases.helpers import HUJI, citizen, create_draft, fill_form, person, ready_draft, submit
from tests.identity.helpers import bearer
from tests.licences.helpers import issue

# instant: auth session; case lock, checklist with its files; submit key; the item's audience and fee;
# applicant; credit; number; the move (case, event, timeline); savepoint, approval (case, event, timeline);
# result licence type; registry entry (one statement); licence type with issuer; licence (insert, number);
# timeline, event; release; submit key; timeline for the answer; outbox mark after the commit.
INSTANT = 26
# officer: the same up to the move, then the submit key, the timeline, the outbox mark.
OFFICER = 14


@contextlib.contextmanager
def counted(app):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # noqa: ANN001
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def _shown(statements: list[str]) -> str:
    return "\n".join(" ".join(s.split())[:120] for s in statements)


def test_an_instant_submit_takes_a_pinned_number_of_statements(api, identity_app):
    lic = issue(identity_app, person=person("林晓岚"))
    token = citizen(api)
    draft = create_draft(api, token, code=HUJI)
    fill_form(api, token, draft)
    used = api.put(
        f"/api/v1/applications/{draft['id']}/materials/0",
        json={"method": "licence", "licence_id": lic["id"]},
        headers=bearer(token),
    )
    assert used.status_code == 200, used.get_json()
    with counted(identity_app) as statements:
        resp = submit(api, token, draft["id"])
    assert resp.status_code == 200 and resp.get_json()["status"] == "approved", resp.get_json()
    assert [e["action"] for e in resp.get_json()["timeline"]][-2:] == ["instant_approve", "issue_licence"]
    assert len(statements) == INSTANT, _shown(statements)


def test_a_submit_for_an_officer_takes_a_pinned_number_of_statements(api, identity_app):
    token = citizen(api)
    draft = ready_draft(api, token)
    with counted(identity_app) as statements:
        resp = submit(api, token, draft["id"])
    assert resp.status_code == 200 and resp.get_json()["status"] == "submitted", resp.get_json()
    assert len(statements) == OFFICER, _shown(statements)


def test_numbers_are_drawn_in_one_statement_per_prefix_and_day(identity_app, actx):
    from datetime import datetime

    from app.cases import numbering
    from app.cases.models import CaseNumberSequence

    day = datetime(2031, 5, 17)
    with counted(identity_app) as statements:
        drawn = [numbering.next_number("YQX-GA", day) for _ in range(3)]
    assert drawn == ["YQX-20310517-000001", "YQX-20310517-000002", "YQX-20310517-000003"]
    assert numbering.next_number("ABC-GA", day) == "ABC-20310517-000001"
    assert len(statements) == 3
    db.session.rollback()
    # on PostgreSQL the draw commits on its own (a rolled-back submit leaves a gap, never a
    # repeat); on SQLite it is part of the caller's transaction
    kept = db.session.get(CaseNumberSequence, "YQX-20310517")
    assert (kept.last_value if kept else 0) == (3 if db.engine.dialect.name == "postgresql" else 0)
