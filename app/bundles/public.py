"""The names of the bundle application domain the citizen API and satellites may use besides the
service functions: its statuses and delivery modes."""

from __future__ import annotations

from app.bundles.models import BundleStatus, DeliveryMode

__all__ = ["BundleStatus", "DeliveryMode"]
