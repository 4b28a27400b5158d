"""The provider simulators under `make run`, in the runner's process, on the fixed ports of
`python -m sandbox` (9101–9105; SANDBOX_*_PORT overrides each, 0 = any free port)."""

from __future__ import annotations

from devrunner.supervisor import log


def _on(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def start_sandbox(env: dict, key_dir):
    """Point the providers without credentials (all of them with SANDBOX=1) at the loopback
    simulators of sandbox/; their settings go into the children's env. Keys are kept in
    `key_dir` so they persist between runs. Raises SandboxPortError (naming the variable to
    set) when a fixed port is taken."""
    forced = _on(env.get("SANDBOX"))
    wechat = forced or not env.get("WECHAT_APPID")
    alipay = forced or not env.get("ALIPAY_APP_ID")
    # uploads in the S3 simulator: STORAGE_BACKEND=s3 without a bucket of its own (or SANDBOX=1)
    s3 = (env.get("STORAGE_BACKEND") or "").lower() == "s3" and (forced or not env.get("S3_BUCKET"))
    sf = forced or not env.get("SF_PARTNER_ID")
    wechatpay = forced or not env.get("WECHATPAY_MCHID")
    if not (wechat or alipay or wechatpay or s3 or sf):
        return None
    from sandbox.server import SandboxServer, ports_from_env

    server = SandboxServer(key_dir=key_dir, wechatpay_auto_notify_refunds=True, **ports_from_env(env)).start()
    settings = server.env()
    host, port = env.get("HOST", "127.0.0.1"), env.get("PORT", "8000")
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
        # route pushes go to our own API (gunicorn); POST /sandbox/sf/push releases them
        server.sf.push_url = env.get("SF_PUSH_URL") or f"http://{host}:{port}/delivery/notify/sf"
        providers.append(f"SF Express {server.sf_url}/std/service (pushes to {server.sf.push_url})")
    if wechatpay:
        env.update({k: v for k, v in settings.items() if k.startswith("WECHATPAY_")})
        providers.append(f"WeChat Pay {server.wechatpay_url} (pay: POST /sandbox/pay/<out_trade_no>)")
    # the simulators call back our notify URLs on the dev server
    env.setdefault("PAYMENTS_NOTIFY_BASE_URL", f"http://{host}:{port}")
    env["SANDBOX"] = "1"
    reason = "SANDBOX=1" if forced else "no real credentials configured"
    log(f"sandbox providers on {'; '.join(providers)}; {reason}")
    log("sandbox login codes: <user>:<anything>, e.g. alice:1 (see sandbox/wechat.py, sandbox/alipay.py)")
    return server
