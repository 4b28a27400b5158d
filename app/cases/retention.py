"""The end of a draft: discarded by its citizen (`DELETE /applications/{id}`), or expired after
DRAFT_EXPIRY_DAYS without a change — the citizen is told DRAFT_EXPIRY_NOTICE_DAYS before (the
outbox event `case.draft_expiring`, sent by notifications/ like every case event).

A draft goes with its materials, files (rows and stored objects) and timeline. Objects are
deleted only after the commit that removed their rows: a failed commit leaves them referenced.
Packages around the core that hold rows pointing at a case (delivery/: a delivery chosen while
the case was a draft) register a hook with `on_discard`; the core imports none of them.

`expire_drafts` is the periodic job (cron_config.py, "retention-drafts"): safe to run twice
(rows are claimed with SKIP LOCKED and re-checked); it logs counts only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.appointments.models import Appointment
from app.cases import access, transitions
from app.cases.errors import NotADraft
from app.cases.models import Case, utcnow
from app.cases.states import CaseStatus
from app.extensions import db
from app.identity.tokens import Principal
from app.storage import discard_quietly

log = logging.getLogger(__name__)

DISCARD_HOOKS = "case_discard_hooks"
EXPIRING_EVENT = "case.draft_expiring"
BATCH = 200


def on_discard(app, hook: Callable[[int], None]) -> None:
    """Register `hook(case_id)`: called in the transaction that deletes a draft, before the
    delete, to remove or detach the caller's rows that refer to it."""
    app.extensions.setdefault(DISCARD_HOOKS, []).append(hook)


def discard_draft(principal: Principal, case_id: int) -> None:
    """The citizen deletes one of their drafts with everything in it. Another person's case is
    not found; a case already submitted is NotADraft (it is withdrawn, not deleted)."""
    case = access.locked_own(principal, case_id)
    if case.status != CaseStatus.DRAFT:
        raise NotADraft(errors={"status": {"current": case.status}})
    keys = _delete(case)
    db.session.commit()
    discard_quietly(keys)


def _delete(case: Case) -> list[str]:
    """Delete a draft in the current transaction; returns the storage keys to remove after it."""
    keys = [f.storage_key for material in case.materials for f in material.files]
    for hook in current_app.extensions.get(DISCARD_HOOKS, ()):
        hook(case.id)
    # an appointment booked for the draft stays, without the link
    db.session.execute(
        sa.update(Appointment).where(Appointment.case_id == case.id).values(case_id=None),
        execution_options={"synchronize_session": False},
    )
    db.session.delete(case)
    db.session.flush()
    return keys


def _idle_drafts(before, *, extra=()) -> sa.Select:
    return (
        sa.select(Case)
        .where(Case.status == CaseStatus.DRAFT, Case.updated_at < before, *extra)
        .order_by(Case.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )


def warn_expiring(now=None) -> int:
    """Emit `case.draft_expiring` once for each draft idle for DRAFT_EXPIRY_DAYS minus
    DRAFT_EXPIRY_NOTICE_DAYS (again if it changed since its last notice). Returns the count."""
    now = now or utcnow()
    days, notice = _periods()
    drafts = db.session.scalars(
        _idle_drafts(
            now - timedelta(days=days - notice),
            extra=(sa.or_(Case.expiry_warned_at.is_(None), Case.expiry_warned_at < Case.updated_at),),
        )
    ).all()
    for case in drafts:
        expires_on = (max(case.updated_at + timedelta(days=days), now + timedelta(days=notice))).date()
        transitions.emit_case_event(case, EXPIRING_EVENT, {"expires_on": expires_on.isoformat(), "idle_days": days})
    if drafts:
        # updated_at kept as it is (its onupdate would otherwise count the notice as a change)
        db.session.execute(
            sa.update(Case)
            .where(Case.id.in_([c.id for c in drafts]))
            .values(expiry_warned_at=now, updated_at=Case.updated_at),
            execution_options={"synchronize_session": False},
        )
    db.session.commit()
    return len(drafts)


def expire_idle(now=None) -> int:
    """Delete the drafts idle for DRAFT_EXPIRY_DAYS whose citizen was told at least
    DRAFT_EXPIRY_NOTICE_DAYS ago (and that did not change since). Returns the count."""
    now = now or utcnow()
    days, notice = _periods()
    drafts = db.session.scalars(
        _idle_drafts(
            now - timedelta(days=days),
            extra=(
                Case.expiry_warned_at.is_not(None),
                Case.expiry_warned_at >= Case.updated_at,
                Case.expiry_warned_at <= now - timedelta(days=notice),
            ),
        )
    ).all()
    keys: list[str] = []
    for case in drafts:
        keys += _delete(case)
    db.session.commit()
    discard_quietly(keys)
    return len(drafts)


def expire_drafts() -> dict:
    """The periodic job: notices first, then expiry. Logs counts only."""
    warned = warn_expiring()
    expired = expire_idle()
    log.info("retention: drafts warned %s, drafts expired %s", warned, expired)
    return {"warned": warned, "expired": expired}


def _periods() -> tuple[int, int]:
    cfg = current_app.config
    days = int(cfg.get("DRAFT_EXPIRY_DAYS", 30))
    notice = min(int(cfg.get("DRAFT_EXPIRY_NOTICE_DAYS", 7)), days)
    return days, notice
