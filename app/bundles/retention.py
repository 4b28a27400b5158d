"""Idle bundle drafts expire like case drafts (app/cases/retention.py, the same periods): the
citizen is told DRAFT_EXPIRY_NOTICE_DAYS before by `bundle.draft_expiring` (a step on the
bundle's timeline and its message), and after DRAFT_EXPIRY_DAYS without a change the draft goes
with its answers, form and uploaded files. The periodic job is "retention-bundle-drafts"
(cron_config.py)."""

from __future__ import annotations

from app.bundles import progress
from app.bundles.models import BundleApplication, BundleStatus
from app.cases import retention
from app.extensions import db


def delete_draft(app: BundleApplication) -> list[str]:
    """Delete a bundle draft (its materials, files and steps go with it) in the current
    transaction; returns the storage keys to remove after the commit."""
    keys = [f.storage_key for material in app.materials for f in material.files]
    db.session.delete(app)
    db.session.flush()
    return keys


def _notify(app: BundleApplication, expires_on: str, idle_days: int) -> None:
    progress.record_step(
        app,
        f"draft_expiring:{app.updated_at.isoformat()}",  # once per notice: again after a change
        "draft_expiring",
        actor=progress.SYSTEM,
        note=f"草稿较长时间未更新，将于{expires_on}自动删除",
        extra={"expires_on": expires_on, "idle_days": idle_days},
    )


DRAFTS = retention.Drafts("bundle drafts", BundleApplication, BundleStatus.DRAFT, _notify, delete_draft)


def expire_drafts() -> dict:
    """The periodic job: notices first, then expiry. Logs counts only."""
    return retention.expire_drafts(DRAFTS)
