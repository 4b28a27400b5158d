"""The names of the case domain a satellite (payments/, delivery/, notifications/) may use besides
the service functions (app.cases.service, app.cases.payment_settlement): the states a case can be
in and the error for a case that is not there. Satellites import them from here, never from the
core's models, states or transitions."""

from __future__ import annotations

from app.cases.errors import CaseNotFound
from app.cases.states import FINAL, CaseStatus

__all__ = ["FINAL", "CaseNotFound", "CaseStatus"]
