"""A worker killed -9 leaves its scheduler's locks in Redis; the dev runner frees the locks of a
dead scheduler on this host before it starts the next worker, so that one's scheduler starts."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from rq.scheduler import SCHEDULER_KEY_TEMPLATE, SCHEDULER_LOCKING_KEY_TEMPLATE

from app.extensions import redis_ext
from app.worker import release_dead_scheduler_locks


def _hold(connection, queue: str, holder: str, *, pid: int, hostname: str) -> None:
    connection.set(SCHEDULER_LOCKING_KEY_TEMPLATE % queue, holder, ex=60)
    connection.hset(SCHEDULER_KEY_TEMPLATE % holder, mapping={"name": holder, "hostname": hostname, "pid": pid})
    connection.expire(SCHEDULER_KEY_TEMPLATE % holder, 60)


def test_only_the_locks_of_a_dead_scheduler_on_this_host_are_freed(ctx):
    connection = redis_ext.client
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    here = socket.gethostname()
    queues = ["lock-test-dead", "lock-test-alive", "lock-test-elsewhere", "lock-test-unknown"]
    try:
        _hold(connection, queues[0], "sched-dead", pid=dead_pid, hostname=here)
        _hold(connection, queues[1], "sched-alive", pid=os.getpid(), hostname=here)
        _hold(connection, queues[2], "sched-elsewhere", pid=dead_pid, hostname=here + "-other")
        connection.set(SCHEDULER_LOCKING_KEY_TEMPLATE % queues[3], "sched-unknown", ex=60)

        assert release_dead_scheduler_locks(connection, queues) == [queues[0]]
        assert connection.get(SCHEDULER_LOCKING_KEY_TEMPLATE % queues[0]) is None
        for queue in queues[1:]:
            assert connection.get(SCHEDULER_LOCKING_KEY_TEMPLATE % queue) is not None
        assert release_dead_scheduler_locks(connection, queues) == []
    finally:
        for queue in queues:
            connection.delete(SCHEDULER_LOCKING_KEY_TEMPLATE % queue)
        for holder in ("sched-dead", "sched-alive", "sched-elsewhere"):
            connection.delete(SCHEDULER_KEY_TEMPLATE % holder)
