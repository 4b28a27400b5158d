"""The case state machine: its states and which action moves a case from where to where.

draft ──submit──▶ submitted ──accept──▶ accepted ──approve──▶ approved ──conclude──▶ concluded
                    │  ▲                 │   └────deny────▶ denied ───conclude──┘
                    │  └──resubmit── correction_requested ◀──request_correction──┘
                    ├──reject──▶ rejected        (request_correction also from submitted)
submitted / accepted / correction_requested ──withdraw──▶ withdrawn
"""

from __future__ import annotations

import enum


class CaseStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    CORRECTION_REQUESTED = "correction_requested"
    REJECTED = "rejected"
    APPROVED = "approved"
    DENIED = "denied"
    CONCLUDED = "concluded"
    WITHDRAWN = "withdrawn"


S = CaseStatus

# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[CaseStatus], CaseStatus]] = {
    "submit": (frozenset({S.DRAFT}), S.SUBMITTED),
    "resubmit": (frozenset({S.CORRECTION_REQUESTED}), S.SUBMITTED),
    "withdraw": (frozenset({S.SUBMITTED, S.ACCEPTED, S.CORRECTION_REQUESTED}), S.WITHDRAWN),
    "accept": (frozenset({S.SUBMITTED}), S.ACCEPTED),
    "reject": (frozenset({S.SUBMITTED}), S.REJECTED),
    "request_correction": (frozenset({S.SUBMITTED, S.ACCEPTED}), S.CORRECTION_REQUESTED),
    "approve": (frozenset({S.ACCEPTED}), S.APPROVED),
    "deny": (frozenset({S.ACCEPTED}), S.DENIED),
    "conclude": (frozenset({S.APPROVED, S.DENIED}), S.CONCLUDED),
}

# The citizen may change form and materials only in these states.
EDITABLE = frozenset({S.DRAFT, S.CORRECTION_REQUESTED})
