"""Periodic jobs, run by `rq cron cron_config.py --url $REDIS_URL` (make run starts it).

Each job runs on a worker (app.worker.AppWorker) inside the app context. Several `rq cron`
processes may run against one Redis; every job here is safe to run twice.
"""

from rq import cron

from app.events import sweep
from app.queues import Queues
from payments.jobs import reconcile as payments_reconcile

# Outbox events the commit hook could not enqueue (Redis down, a crash between commit and enqueue).
cron.register(sweep, Queues.HIGH, interval=30, name="outbox-sweep")

# Payments: orders without a callback queried and settled, expired orders closed, refunds followed up.
cron.register(payments_reconcile, Queues.LOW, interval=60, name="payments-reconcile")
