"""Queue names in one place; workers listen to all of them, highest priority first."""


class Queues:
    HIGH = "high"  # provider callbacks follow-ups, payment settlement
    DEFAULT = "default"
    NOTIFICATIONS = "notifications"
    LOW = "low"  # reconciliation sweeps, reports

    ALL = (HIGH, DEFAULT, NOTIFICATIONS, LOW)
