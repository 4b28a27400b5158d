"""The names of the complaints domain the citizen API may use besides the service functions: the
kinds of a complaint and what it can be about. Imported from here, never from the core's models."""

from __future__ import annotations

from app.complaints.models import ComplaintKind, SubjectType

__all__ = ["ComplaintKind", "SubjectType"]
