"""Credit domain errors."""

from __future__ import annotations

from app.errors import ValidationFailed


class InvalidSeverity(ValidationFailed):
    error = "INVALID_SEVERITY"
    message = "严重程度只能是 serious 或 general"
