"""gunicorn settings shared by the API and the bare Flask app of the benchmark (`-c` file).

Each worker touches a file named after its pid in $BENCH_READY_DIR once its application is
loaded, so the benchmark starts measuring only when every worker can serve."""

import os


def post_worker_init(worker):
    ready = os.environ.get("BENCH_READY_DIR")
    if ready:
        with open(os.path.join(ready, str(worker.pid)), "w"):
            pass
