"""The embedded Redis belongs to the process that started it: a CLI command run beside `make run`
attaches to the running server and leaves it alone at exit; only the owner stops it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import redis

from app.identity import registry
from app.redis_client import find_running, open_embedded, socket_path_for
from sandbox.sms import SandboxSmsProvider

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")


def _cli_env(var_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}  # the embedded default, as in a shell
    env.update(ZSB_VAR_DIR=str(var_dir), APP_ENV="testing", FLASK_APP="wsgi")
    return env


def test_a_cli_command_beside_the_owner_leaves_its_redis_running(ctx, tmp_path):
    owner = open_embedded(str(tmp_path / "redis-test.db"))  # what TestingConfig uses under ZSB_VAR_DIR
    try:
        assert owner.owned
        client = redis.Redis(unix_socket_path=owner.socket_file)
        record = {"code": "246810", "message_id": "sandbox-test", "sent_at": "2026-01-01T00:00:00+00:00"}
        client.set(SandboxSmsProvider.KEY_PREFIX + registry.phone_hash("13800138000"), json.dumps(record))

        for _ in range(2):  # the second run proves the first left the server up
            out = subprocess.run(
                [FLASK, "residents", "sms-code", "13800138000"],
                cwd=ROOT,
                env=_cli_env(tmp_path),
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert out.returncode == 0, out.stderr
            assert out.stdout.strip().splitlines()[-1] == "246810"  # read from the owner's server
            assert owner.alive() and owner.ping()
            assert client.get(SandboxSmsProvider.KEY_PREFIX + registry.phone_hash("13800138000"))
        client.close()
    finally:
        owner.stop()
    assert not owner.alive()
    assert find_running(str(tmp_path / "redis-test.db")) is None


def test_a_process_that_attached_does_not_stop_the_server_but_its_owner_does(tmp_path):
    path = str(tmp_path / "r.db")
    script = textwrap.dedent(
        f"""
        from app.redis_client import start_embedded
        server = start_embedded({path!r})
        print(server.pid, server.owned, flush=True)
        """
    )

    def run() -> list[str]:
        out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return out.stdout.split()

    owner = open_embedded(path)
    try:
        pid, owned = run()
        assert (int(pid), owned) == (owner.pid, "False")
        assert owner.alive() and owner.ping()
        # the owner's socket is stable and where the registry says
        assert owner.socket_file == socket_path_for(path)
    finally:
        owner.stop()

    pid, owned = run()  # nothing running: this process starts its own and stops it at exit
    assert owned == "True" and int(pid) != owner.pid
    assert not psutil.pid_exists(int(pid)) or psutil.Process(int(pid)).status() == psutil.STATUS_ZOMBIE
    assert find_running(path) is None


def test_the_dev_runner_adopts_a_server_left_running(tmp_path):
    path = str(tmp_path / "r.db")
    stray = open_embedded(path)
    stray.owned = False  # as if its owner had been killed -9 and left it behind
    adopted = open_embedded(path, adopt=True)
    assert adopted.pid == stray.pid and adopted.owned
    adopted.stop()
    stray.process.wait(timeout=10)
    assert not adopted.alive()
