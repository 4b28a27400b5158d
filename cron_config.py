"""Periodic jobs, run by `rq cron cron_config.py --url $REDIS_URL` (make run starts it).

Each job runs on a worker (app.worker.AppWorker) inside the app context. Several `rq cron`
processes may run against one Redis; every job here is safe to run twice.
"""

from rq import cron

from app.appointments import jobs as appointment_jobs
from app.bundles import retention as bundle_retention
from app.cases import retention as case_retention
from app.events import sweep
from app.queues import Queues
from app.stats import refresh as stats_refresh
from delivery import retention as delivery_retention
from delivery.jobs import poll_routes
from notifications.jobs import sweep as notifications_sweep
from payments import retention as payments_retention
from payments.jobs import reconcile as payments_reconcile

# Outbox events the commit hook could not enqueue (Redis down, a crash between commit and enqueue).
cron.register(sweep, Queues.HIGH, interval=30, name="outbox-sweep")

# Appointments (app/appointments): the day-before reminder (once per appointment; emits
# appointment.reminder from APPOINTMENT_REMINDER_HOUR China time) and no-show marking.
cron.register(appointment_jobs.send_reminders, Queues.LOW, interval=900, name="appointment-reminders")
cron.register(appointment_jobs.mark_no_shows, Queues.LOW, interval=1800, name="appointment-no-shows")

# Delivery: ask SF for the routes of parcels silent for DELIVERY_POLL_AFTER_MINUTES (a lost push),
# and place again the courier orders whose job was lost.
cron.register(poll_routes, Queues.LOW, interval=600, name="delivery-route-query")

# Payments: orders without a callback queried and settled, expired orders closed, refunds followed up.
cron.register(payments_reconcile, Queues.LOW, interval=60, name="payments-reconcile")

# Notifications: events whose job was lost, sends whose job was lost or whose worker died (lease
# expired), sends out of attempts.
cron.register(notifications_sweep, Queues.NOTIFICATIONS, interval=30, name="notifications-sweep")

# Retention (personal data kept no longer than needed; each run logs its counts): idle drafts told
# DRAFT_EXPIRY_NOTICE_DAYS before and deleted after DRAFT_EXPIRY_DAYS; raw payment notifications;
# delivered parcels' recipients; deleted addresses (periods in app/config.py).
cron.register(case_retention.expire_drafts, Queues.LOW, interval=3600, name="retention-drafts")
cron.register(bundle_retention.expire_drafts, Queues.LOW, interval=3600, name="retention-bundle-drafts")
cron.register(payments_retention.purge, Queues.LOW, interval=3600, name="retention-payments")
cron.register(delivery_retention.purge, Queues.LOW, interval=3600, name="retention-delivery")

# The figures' rollup cells (app/stats/refresh.py): the cells touched since the last run are
# recomputed; the figures stay exact in between (they read what is not rolled up live).
cron.register(stats_refresh.refresh_job, Queues.LOW, interval=60, name="stats-rollup")
