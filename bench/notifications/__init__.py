"""Notification delivery benchmark (`python -m bench.notifications`, make bench-notifications)."""
