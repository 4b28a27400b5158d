"""Periodic jobs, run by `rq cron cron_config.py --url $REDIS_URL` (make run starts it).

Each job runs on a worker (app.worker.AppWorker) inside the app context. Several `rq cron`
processes may run against one Redis; every job here is safe to run twice.
"""

from rq import cron

from app.events import sweep
from app.queues import Queues

# Outbox events the commit hook could not enqueue (Redis down, a crash between commit and enqueue).
cron.register(sweep, Queues.HIGH, interval=30, name="outbox-sweep")

# Notifications: events whose job was lost, sends whose job was lost or whose worker died (lease
# expired), sends out of attempts.
from notifications.jobs import sweep as notifications_sweep  # noqa: E402

cron.register(notifications_sweep, Queues.NOTIFICATIONS, interval=30, name="notifications-sweep")
