"""gunicorn settings read from the working directory (gunicorn loads ./gunicorn.conf.py itself).

Each worker builds the catalog search index after it has loaded the app and before it takes
requests, so the first search does not pay for it (0.5 s at 5k items, ~3 s at 50k)."""

import logging


def post_worker_init(worker):
    app = worker.wsgi
    log = logging.getLogger("app.catalog")
    with app.app_context():
        try:
            from app.catalog.service import warm_up

            log.info("search index built in %.2f s", warm_up())
        except Exception:  # an unmigrated database must not stop the worker from serving
            log.warning("search index not built at start", exc_info=True)
