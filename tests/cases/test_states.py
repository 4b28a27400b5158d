"""The case state machine in the core: every move's guard, and the one place that writes the
status, the timeline entry and the outbox event in the same transaction."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.cases import transitions
from app.cases.errors import IllegalTransition
from app.cases.models import Case, CaseEvent
from app.cases.states import TRANSITIONS, CaseStatus
from app.errors import ValidationFailed
from app.extensions import db
from app.identity.models import Account
from app.outbox import OutboxEvent, events_for, mark_dispatched, pending
from tests.cases.helpers import HUJI

MOVES = {
    "submit": transitions.submit,
    "resubmit": transitions.resubmit,
    "withdraw": transitions.withdraw,
    "await_payment": transitions.await_payment,
    "pay": transitions.pay,
    "instant_approve": transitions.instant_approve,
    "revoke": transitions.revoke,
    **transitions.STAFF_MOVES,
}


def make_case(*, status: CaseStatus = CaseStatus.DRAFT) -> Case:
    account = Account()
    db.session.add(account)
    db.session.flush()
    case = Case(
        account_id=account.id,
        service_code=HUJI,
        service_name="户籍证明开具",
        department_code="YQX-GA",
        department_name="云栖县公安局",
        status=status,
        form_schema={"type": "object"},
        form_data={},
    )
    db.session.add(case)
    db.session.commit()
    return case


def _call(action: str, case: Case):
    kwargs = {"actor": "test"}
    if action in {"reject", "request_correction", "deny", "revoke"}:
        kwargs["note"] = "理由"
    if action == "instant_approve":
        kwargs.update(note="秒批", rules=["age_at_least"])
    return MOVES[action](case, **kwargs)


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
@pytest.mark.parametrize("status", list(CaseStatus))
def test_every_move_from_every_state(actx, action, status):
    case = make_case(status=status)
    sources, target = TRANSITIONS[action]
    if status in sources:
        event = _call(action, case)
        db.session.commit()
        assert case.status == target
        assert (event.action, event.from_status, event.to_status) == (action, status, target)
        [outbox_row] = events_for("case", case.id)
        assert outbox_row.event_type == f"case.{action}" and outbox_row.payload["from"] == status
    else:
        with pytest.raises(IllegalTransition) as caught:
            _call(action, case)
        assert caught.value.http_status == 409 and caught.value.error == "ILLEGAL_TRANSITION"
        assert case.status == status
        assert events_for("case", case.id) == []


def test_a_full_staff_journey_and_its_timeline(actx):
    case = make_case(status=CaseStatus.SUBMITTED)
    for action in ("request_correction", "resubmit", "accept", "approve", "conclude"):
        locked = transitions.lock_case(case.id)
        _call(action, locked)
        db.session.commit()
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.status == CaseStatus.CONCLUDED
    assert [e.action for e in case.timeline] == ["request_correction", "resubmit", "accept", "approve", "conclude"]
    assert [e.event_type for e in events_for("case", case.id)] == [
        "case.request_correction",
        "case.resubmit",
        "case.accept",
        "case.approve",
        "case.conclude",
    ]


def test_reasons_are_required_for_reject_correction_and_deny(actx):
    for action, status in (("reject", "submitted"), ("request_correction", "submitted"), ("deny", "accepted")):
        case = make_case(status=CaseStatus(status))
        with pytest.raises(ValidationFailed):
            MOVES[action](case, actor="test", note="  ")
        assert case.status == status


def test_status_timeline_and_event_roll_back_together(actx):
    case = make_case(status=CaseStatus.SUBMITTED)
    transitions.accept(case, actor="test")
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == CaseStatus.SUBMITTED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id)) == 0
    assert events_for("case", case.id) == []


def test_staff_move_locks_commits_and_reports_unknown_cases(actx):
    case = make_case(status=CaseStatus.SUBMITTED)
    transitions.staff_move(case.id, "accept", actor="staff:7", note="材料齐全")
    db.session.expire_all()
    assert db.session.get(Case, case.id).status == CaseStatus.ACCEPTED
    assert db.session.get(Case, case.id).timeline[-1].actor == "staff:7"
    from app.cases.errors import CaseNotFound

    with pytest.raises(CaseNotFound):
        transitions.staff_move(999_999, "accept", actor="staff:7")


def test_outbox_pending_and_dispatched(actx, monkeypatch):
    # the commit hook would dispatch at once when subscribers exist; this test drives it by hand
    monkeypatch.setitem(actx.app.config, "EVENTS_DISPATCH_ON_COMMIT", False)
    case = make_case(status=CaseStatus.SUBMITTED)
    transitions.accept(case, actor="test")
    db.session.commit()
    ids = [e.id for e in pending() if e.aggregate_id == str(case.id)]
    assert len(ids) == 1
    mark_dispatched(ids)
    db.session.commit()
    assert db.session.get(OutboxEvent, ids[0]).dispatched_at is not None
    assert all(e.id not in ids for e in pending())
