"""The names of the staff domain a satellite (payments/, delivery/, notifications/) may use besides
the service functions: the staff roles its staff views require. Satellites import them from here,
never from the core's models."""

from __future__ import annotations

from app.staff.models import StaffRole

__all__ = ["StaffRole"]
