"""gunicorn settings read from the working directory (gunicorn loads ./gunicorn.conf.py itself).

The catalog search index (app/catalog/search.py) is built once, in the master, before the
workers are forked (`preload_app`): no worker takes a request before it has the index, and the
workers share its memory instead of holding a copy each (it is frozen out of the garbage
collector's reach, so collections do not dirty its pages). A worker started without the master's
index (no preload, or the catalog changed since) builds its own before it takes requests; one
whose build failed (database unreachable at start) answers /readyz with 503 NOT_READY and builds
it in the background (app/catalog/readiness.py)."""

import gc
import logging

preload_app = True


def _warm_up(app, where: str) -> None:
    log = logging.getLogger("app.catalog")
    with app.app_context():
        try:
            from app.catalog.service import warm_up

            seconds = warm_up()
            if seconds > 0.05:
                log.info("search index built in %.2f s (%s)", seconds, where)
        except Exception:  # an unmigrated database must not stop the server from serving
            log.warning("search index not built at start (%s)", where, exc_info=True)
        finally:
            from app.extensions import db

            db.session.remove()
            if where == "master":
                db.engine.dispose()  # no connection of the master's is inherited by a worker


def when_ready(server):
    if server.cfg.preload_app:
        _warm_up(server.app.wsgi(), "master")
        gc.freeze()


def post_worker_init(worker):
    _warm_up(worker.wsgi, f"worker {worker.pid}")
