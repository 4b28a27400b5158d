"""RQ worker that runs every job inside the Flask app context.

Start it with `rq worker --worker-class app.worker.AppWorker --with-scheduler --url REDIS_URL high default notifications low`
(the dev runner does). Jobs take ids, re-load and delegate to service functions
(architecture.md, point 10); the app context gives them the database session and config.
"""

from __future__ import annotations

from rq.worker import Worker


class AppWorker(Worker):
    _flask_app = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built once in the parent so each forked work horse inherits it instead of rebuilding.
        self.flask_app()

    @classmethod
    def flask_app(cls):
        if cls._flask_app is None:
            from app import create_app

            cls._flask_app = create_app()
        return cls._flask_app

    def perform_job(self, job, queue, execution):
        app = self.flask_app()
        from app.extensions import db

        with app.app_context():
            # A forked work horse must not reuse the parent's pooled connections.
            db.engine.dispose(close=False)
            try:
                return super().perform_job(job, queue, execution)
            finally:
                db.session.remove()


def ping() -> str:
    """A no-op job used by the readiness smoke test of the worker."""
    return "pong"
