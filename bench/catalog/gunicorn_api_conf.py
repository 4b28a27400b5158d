"""gunicorn settings of the benchmarked API (`-c` file): the project's gunicorn.conf.py (index
built in the master before forking, shared by the workers) plus the readiness file of
gunicorn_conf.py, touched once the worker is ready to serve."""

import os
from pathlib import Path

_root = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
exec(compile(_root.read_text(encoding="utf-8"), str(_root), "exec"))  # noqa: S102 - our own settings file

_project_post_worker_init = post_worker_init  # noqa: F821 - defined by the file above


def post_worker_init(worker):
    _project_post_worker_init(worker)
    ready = os.environ.get("BENCH_READY_DIR")
    if ready:
        with open(os.path.join(ready, str(worker.pid)), "w"):
            pass
