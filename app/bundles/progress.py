"""The whole bundle's progress, derived from its member cases (the truth once submitted):

- status: `correction_needed` while a member waits for the citizen's correction, `concluded`
  once every member is closed (concluded, rejected, withdrawn, revoked), `withdrawn` when the
  citizen withdrew the bundle, else `in_progress`;
- steps: the meaningful moments of the bundle (submitted, a member needs a correction, a member
  denied, all results ready, all concluded, withdrawn), each recorded once (unique step key) on
  the bundle's timeline with one `bundle.<action>` event — one progress message to the citizen
  instead of one per member (the members' own case messages are held back by notifications/);
- dependants: a member denied withdraws the members that depend on it and are not yet decided.

`refresh` runs in the caller's transaction: after submit, after a withdrawal, and for every
case event of a member case (`on_case_event`, an outbox subscriber, idempotent).
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app import outbox
from app.bundles import access
from app.bundles.models import BundleApplication, BundleStatus, BundleStep, utcnow
from app.cases import bundled as cases
from app.cases.public import FINAL, CaseStatus
from app.extensions import db

log = logging.getLogger(__name__)

# the member moves that can change the bundle's status or make one of its steps
MOVES_THAT_MATTER = (
    "case.resubmit",
    "case.request_correction",
    "case.instant_approve",
    "case.approve",
    "case.deny",
    "case.reject",
    "case.conclude",
    "case.withdraw",
    "case.revoke",
)
DECIDED = frozenset({CaseStatus.APPROVED, CaseStatus.DENIED}) | FINAL
SYSTEM = "system:bundle"


def member_status(app: BundleApplication, members: list[dict]) -> str:
    """The bundle's status from its members' (`members`: case summaries with `status`)."""
    if app.status in (BundleStatus.DRAFT, BundleStatus.WITHDRAWN):
        return app.status
    statuses = [m["status"] for m in members]
    if any(s == CaseStatus.CORRECTION_REQUESTED for s in statuses):
        return BundleStatus.CORRECTION_NEEDED
    if statuses and all(s in FINAL for s in statuses):
        return BundleStatus.CONCLUDED
    return BundleStatus.IN_PROGRESS


def reference(app: BundleApplication) -> str:
    """The bundle application's reference shown to the citizen (一件事 number)."""
    return f"YJS{app.id:08d}"


def record_step(
    app: BundleApplication, key: str, action: str, *, actor: str, note: str | None = None, extra: dict | None = None
) -> bool:
    """Record one bundle step and its `bundle.<action>` event, once per key (False: already there)."""
    seen = db.session.scalar(
        sa.select(BundleStep.id).where(BundleStep.application_id == app.id, BundleStep.step_key == key)
    )
    if seen is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(
                BundleStep(
                    application_id=app.id,
                    step_key=key[:64],
                    action=action,
                    status=app.status,
                    note=(note or None) and note[:500],
                    actor=actor,
                    created_at=utcnow(),
                )
            )
            db.session.flush()
    except IntegrityError:
        return False
    outbox.emit(
        f"bundle.{action}",
        aggregate_type="bundle_application",
        aggregate_id=app.id,
        payload={
            "bundle_application_id": app.id,
            "account_id": app.account_id,
            "bundle_code": app.bundle_code,
            "bundle_name": app.bundle_name,
            # what the case-progress message templates show: the bundle's reference and name
            "case_number": reference(app),
            "service_name": app.bundle_name,
            "member_count": len(app.member_codes or []),
            **(extra or {}),
        },
    )
    return True


def refresh(app: BundleApplication, *, actor: str = SYSTEM) -> None:
    """Bring the (locked) application up to date with its members: withdraw dependants of a
    denied member, record the steps reached, store the derived status (no commit)."""
    if app.status == BundleStatus.DRAFT:
        return
    members = cases.bundle_members(app.id)
    by_code = {m["service_code"]: m for m in members}
    for member in members:
        for n in range(1, member["corrections"] + 1):
            record_step(
                app,
                f"correction:{member['id']}:{n}",
                "correction_requested",
                actor=actor,
                note=f"{member['service_name']}需要补正",
                extra={"member_case_id": member["id"], "member_name": member["service_name"]},
            )
        if member["denied"]:
            withdrawn = _withdraw_dependants(app, member, by_code)
            names = "、".join(by_code[c]["service_name"] for c in withdrawn)
            note = f"{member['service_name']}未予许可" + (f"，依赖它的{names}已撤回" if names else "")
            record_step(
                app,
                f"denied:{member['id']}",
                "member_denied",
                actor=actor,
                note=note,
                extra={
                    "member_case_id": member["id"],
                    "member_name": member["service_name"],
                    "withdrawn": withdrawn,
                    "withdrawn_hint": f"，依赖它的{names}已一并撤回" if names else "，其他事项继续办理",
                },
            )
    if any(m.get("_moved") for m in members):
        members = cases.bundle_members(app.id)
    status = member_status(app, members)
    decided = members and all(m["status"] in DECIDED for m in members)
    if app.status == BundleStatus.WITHDRAWN:
        app.updated_at = utcnow()
        return
    if decided and any(m["approved"] for m in members):
        record_step(app, "results_ready", "results_ready", actor=actor, note="全部事项已办理完毕，结果可以送达")
    if status == BundleStatus.CONCLUDED:
        app.closed_at = app.closed_at or utcnow()
        app.status = status
        record_step(app, "concluded", "concluded", actor=actor, note="一件事全部办结")
    elif app.status != status:
        app.status = status
    app.updated_at = utcnow()


def _withdraw_dependants(app: BundleApplication, denied: dict, by_code: dict) -> list[str]:
    """The members depending on `denied` (directly or through another) not yet decided: withdrawn."""
    depends = app.depends_on or {}
    out: list[str] = []
    frontier = [denied["service_code"]]
    while frontier:
        code = frontier.pop()
        for dependant, needs in depends.items():
            if code in needs and dependant not in out and dependant in by_code:
                out.append(dependant)
                frontier.append(dependant)
    withdrawn = []
    for code in out:
        member = by_code[code]
        if cases.withdraw_member(member["id"], actor=SYSTEM, note=f"所依赖的{denied['service_name']}未予许可"):
            member["_moved"] = True
            withdrawn.append(code)
    return withdrawn


@access.releasing
def withdraw(principal, application_id: int) -> None:
    """The citizen withdraws the bundle: every member not yet decided is withdrawn (no commit)."""
    from app.bundles.errors import BundleNotWithdrawable

    app = access.lock(application_id, account_id=principal.account_id)
    if app.status in (BundleStatus.DRAFT, BundleStatus.CONCLUDED, BundleStatus.WITHDRAWN):
        raise BundleNotWithdrawable(errors={"status": {"current": app.status}})
    members = cases.bundle_members(app.id)
    moved = [m for m in members if cases.withdraw_member(m["id"], actor=access.actor(principal), note="一件事整体撤回")]
    if not moved:
        raise BundleNotWithdrawable(errors={"status": {"current": app.status}})
    app.status = BundleStatus.WITHDRAWN
    app.closed_at = utcnow()
    app.updated_at = utcnow()
    kept = [m["service_name"] for m in members if m not in moved and m["status"] not in FINAL]
    note = "一件事已撤回" + (f"（已作出决定的{'、'.join(kept)}不受影响）" if kept else "")
    record_step(app, "withdrawn", "withdrawn", actor=access.actor(principal), note=note)


def on_case_event(event) -> None:
    """Outbox subscriber for case.*: refresh the bundle of a member case (commits)."""
    case_id = (event.payload or {}).get("case_id")
    if not isinstance(case_id, int):
        return
    application_id = cases.bundle_of(case_id)
    if application_id is None:
        return
    app = access.lock(application_id)
    refresh(app)
    db.session.commit()
