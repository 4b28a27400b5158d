"""Periodic jobs, run by `rq cron cron_config.py --url $REDIS_URL` (make run starts it).

Each job runs on a worker (app.worker.AppWorker) inside the app context. Several `rq cron`
processes may run against one Redis; every job here is safe to run twice.
"""

from rq import cron

from app.events import sweep
from app.queues import Queues
from delivery.jobs import poll_routes

# Outbox events the commit hook could not enqueue (Redis down, a crash between commit and enqueue).
cron.register(sweep, Queues.HIGH, interval=30, name="outbox-sweep")

# Delivery: ask SF for the routes of parcels silent for DELIVERY_POLL_AFTER_MINUTES (a lost push),
# and place again the courier orders whose job was lost.
cron.register(poll_routes, Queues.LOW, interval=600, name="delivery-route-query")
