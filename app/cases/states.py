"""The case state machine: its states and which action moves a case from where to where.

draft ──submit──▶ submitted ──accept──▶ accepted ──approve──▶ approved ──conclude──▶ concluded
  │                 ▲  │  ▲                │   └────deny────▶ denied ───conclude──┘
  │                 │  │  └──resubmit── correction_requested ◀──request_correction──┘
  └─await_payment─▶ payment_pending ──pay──┘   (request_correction also from submitted)
                       ├──reject──▶ rejected
submitted ──instant_approve──▶ approved          (秒批: the item's rules decided)
payment_pending / submitted / accepted / correction_requested ──withdraw──▶ withdrawn
submitted / accepted / correction_requested / approved / concluded ──revoke──▶ revoked
                                                 (a commitment found false: 撤销)

Items that charge a fee go to `payment_pending` on submit and reach `submitted` only when the
payment is confirmed by the provider (payments/ calls `pay`).
"""

from __future__ import annotations

import enum


class CaseStatus(enum.StrEnum):
    DRAFT = "draft"
    PAYMENT_PENDING = "payment_pending"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    CORRECTION_REQUESTED = "correction_requested"
    REJECTED = "rejected"
    APPROVED = "approved"
    DENIED = "denied"
    CONCLUDED = "concluded"
    WITHDRAWN = "withdrawn"
    REVOKED = "revoked"


S = CaseStatus

# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[str, tuple[frozenset[CaseStatus], CaseStatus]] = {
    "submit": (frozenset({S.DRAFT}), S.SUBMITTED),
    "await_payment": (frozenset({S.DRAFT}), S.PAYMENT_PENDING),
    "pay": (frozenset({S.PAYMENT_PENDING}), S.SUBMITTED),
    "resubmit": (frozenset({S.CORRECTION_REQUESTED}), S.SUBMITTED),
    "withdraw": (frozenset({S.PAYMENT_PENDING, S.SUBMITTED, S.ACCEPTED, S.CORRECTION_REQUESTED}), S.WITHDRAWN),
    "accept": (frozenset({S.SUBMITTED}), S.ACCEPTED),
    "reject": (frozenset({S.SUBMITTED}), S.REJECTED),
    "request_correction": (frozenset({S.SUBMITTED, S.ACCEPTED}), S.CORRECTION_REQUESTED),
    "instant_approve": (frozenset({S.SUBMITTED}), S.APPROVED),
    "approve": (frozenset({S.ACCEPTED}), S.APPROVED),
    "deny": (frozenset({S.ACCEPTED}), S.DENIED),
    "conclude": (frozenset({S.APPROVED, S.DENIED}), S.CONCLUDED),
    "revoke": (
        frozenset({S.SUBMITTED, S.ACCEPTED, S.CORRECTION_REQUESTED, S.APPROVED, S.CONCLUDED}),
        S.REVOKED,
    ),
}

# The citizen may change form and materials only in these states.
EDITABLE = frozenset({S.DRAFT, S.CORRECTION_REQUESTED})

# No move leads out of these.
FINAL = frozenset({S.REJECTED, S.CONCLUDED, S.WITHDRAWN, S.REVOKED})
