"""The names of the licences domain the citizen API may use besides the service functions: the
states of a licence. Imported from here, never from the core's models."""

from __future__ import annotations

from app.licences.models import LicenceStatus

__all__ = ["LicenceStatus"]
