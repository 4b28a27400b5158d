"""gunicorn settings of the benchmark's bare Flask app (`-c` file).

Each worker touches a file named after its pid in $BENCH_READY_DIR once its application is
loaded, so the benchmark starts measuring only when every worker can serve. The API gets the
project's own settings on top (gunicorn_api_conf.py)."""

import os


def post_worker_init(worker):
    ready = os.environ.get("BENCH_READY_DIR")
    if ready:
        with open(os.path.join(ready, str(worker.pid)), "w"):
            pass
