"""The end of a draft: discarded by its citizen (`DELETE /applications/{id}`), or expired after
DRAFT_EXPIRY_DAYS without a change — the citizen is told DRAFT_EXPIRY_NOTICE_DAYS before (the
outbox event `case.draft_expiring`, sent by notifications/ like every case event).

A draft goes with its materials, files (rows and stored objects) and timeline. Objects are
deleted only after the commit that removed their rows: a failed commit leaves them referenced.
Packages around the core that hold rows pointing at a case (delivery/: a delivery chosen while
the case was a draft) register a hook with `on_discard`; the core imports none of them.

`expire_drafts` is the periodic job (cron_config.py, "retention-drafts"): safe to run twice
(rows are claimed with SKIP LOCKED and re-checked); it logs counts only. The same rule, with the
same periods, expires other kinds of drafts described by a `Drafts` (app/bundles/retention.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Drafts:
    """A kind of draft that expires: its model (with id, status, updated_at and
    expiry_warned_at), the status of a draft, how its citizen is told (`notify(row, expires_on,
    idle_days)`, an outbox event in the caller's transaction) and how it is deleted with what it
    holds (`delete(row)` → the storage keys to remove after the commit)."""

    label: str
    model: type
    draft_status: str
    notify: Callable[[object, str, int], None]
    delete: Callable[[object], list[str]]


def _notify_case(case: Case, expires_on: str, idle_days: int) -> None:
    transitions.emit_case_event(case, EXPIRING_EVENT, {"expires_on": expires_on, "idle_days": idle_days})


CASE_DRAFTS = Drafts("drafts", Case, CaseStatus.DRAFT, _notify_case, _delete)


def _idle_drafts(kind: Drafts, before, *, extra=()) -> sa.Select:
    model = kind.model
    return (
        sa.select(model)
        .where(model.status == kind.draft_status, model.updated_at < before, *extra)
        .order_by(model.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )


def warn_expiring(now=None, *, kind: Drafts = CASE_DRAFTS) -> int:
    """Tell the citizen once of each draft idle for DRAFT_EXPIRY_DAYS minus
    DRAFT_EXPIRY_NOTICE_DAYS (again if it changed since its last notice): for a case the event
    `case.draft_expiring`. Returns the count."""
    now = now or utcnow()
    days, notice = _periods()
    model = kind.model
    drafts = db.session.scalars(
        _idle_drafts(
            kind,
            now - timedelta(days=days - notice),
            extra=(sa.or_(model.expiry_warned_at.is_(None), model.expiry_warned_at < model.updated_at),),
        )
    ).all()
    for draft in drafts:
        expires_on = (max(draft.updated_at + timedelta(days=days), now + timedelta(days=notice))).date()
        kind.notify(draft, expires_on.isoformat(), days)
    if drafts:
        # updated_at kept as it is (its onupdate would otherwise count the notice as a change)
        db.session.execute(
            sa.update(model)
            .where(model.id.in_([d.id for d in drafts]))
            .values(expiry_warned_at=now, updated_at=model.updated_at),
            execution_options={"synchronize_session": False},
        )
    db.session.commit()
    return len(drafts)


def expire_idle(now=None, *, kind: Drafts = CASE_DRAFTS) -> int:
    """Delete the drafts idle for DRAFT_EXPIRY_DAYS whose citizen was told at least
    DRAFT_EXPIRY_NOTICE_DAYS ago (and that did not change since). Returns the count."""
    now = now or utcnow()
    days, notice = _periods()
    model = kind.model
    drafts = db.session.scalars(
        _idle_drafts(
            kind,
            now - timedelta(days=days),
            extra=(
                model.expiry_warned_at.is_not(None),
                model.expiry_warned_at >= model.updated_at,
                model.expiry_warned_at <= now - timedelta(days=notice),
            ),
        )
    ).all()
    keys: list[str] = []
    for draft in drafts:
        keys += kind.delete(draft)
    db.session.commit()
    discard_quietly(keys)
    return len(drafts)


def expire_drafts(kind: Drafts = CASE_DRAFTS) -> dict:
    """The periodic job: notices first, then expiry. Logs counts only."""
    warned = warn_expiring(kind=kind)
    expired = expire_idle(kind=kind)
    log.info("retention: %s warned %s, %s expired %s", kind.label, warned, kind.label, expired)
    return {"warned": warned, "expired": expired}


def _periods() -> tuple[int, int]:
    cfg = current_app.config
    days = int(cfg.get("DRAFT_EXPIRY_DAYS", 30))
    notice = min(int(cfg.get("DRAFT_EXPIRY_NOTICE_DAYS", 7)), days)
    return days, notice
