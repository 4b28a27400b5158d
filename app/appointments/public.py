"""The names of the appointments domain the citizen API may use besides the service functions: the
states of a booking. Imported from here, never from the core's models."""

from __future__ import annotations

from app.appointments.models import AppointmentStatus

__all__ = ["AppointmentStatus"]
