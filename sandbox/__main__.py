"""`python -m sandbox`: serve the simulators on fixed ports for front-end developers.

Prints the settings as `export` lines (paste them into the shell that runs the API) and the
"phone" pages. Keys are kept in var/sandbox/ so the exported key paths stay valid across runs.
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import signal
import sys
import threading
from pathlib import Path

from sandbox.server import SandboxPortError, SandboxServer, ports_from_env

DEFAULT_KEY_DIR = Path(os.environ.get("ZSB_VAR_DIR", Path(__file__).resolve().parent.parent / "var")) / "sandbox"


def main(argv: list[str] | None = None) -> int:
    defaults = ports_from_env()
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--wechat-port", type=int, default=defaults["wechat_port"])
    parser.add_argument("--alipay-port", type=int, default=defaults["alipay_port"])
    parser.add_argument("--s3-port", type=int, default=defaults["s3_port"])
    parser.add_argument("--sf-port", type=int, default=defaults["sf_port"])
    parser.add_argument(
        "--sf-push-url",
        default=os.environ.get("SF_PUSH_URL", "http://127.0.0.1:8000/delivery/notify/sf"),
        help="where the SF simulator pushes route updates (POST /sandbox/sf/push releases them)",
    )
    parser.add_argument("--wechatpay-port", type=int, default=defaults["wechatpay_port"])
    parser.add_argument("--key-dir", default=str(DEFAULT_KEY_DIR))
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        server = SandboxServer(
            host=args.host,
            wechat_port=args.wechat_port,
            alipay_port=args.alipay_port,
            s3_port=args.s3_port,
            sf_port=args.sf_port,
            key_dir=args.key_dir,
            quiet=not args.verbose,
            wechatpay_port=args.wechatpay_port,
            wechatpay_auto_notify_refunds=True,
        ).start()
    except SandboxPortError as exc:
        flag = "--" + exc.name + "-port"
        sys.stderr.write(f"python -m sandbox: {exc} (or pass {flag})\n")
        return 2
    server.sf.push_url = args.sf_push_url
    out = sys.stdout
    out.write("# 掌上办 provider sandbox — paste into the shell that runs the API:\n")
    for key, value in server.env().items():
        out.write(f"export {key}={shlex.quote(value)}\n")
    out.write("# S3-compatible storage for uploads (add STORAGE_BACKEND=s3 to use it):\n")
    for key, value in server.s3_settings.items():
        out.write(f"export {key}={shlex.quote(str(value))}\n")
    out.write(f"# WeChat phone page:  {server.wechat_url}/sandbox/   (login codes: <user>:<anything>)\n")
    out.write(f"# Alipay calls:       {server.alipay_url}/sandbox/calls\n")
    out.write(f"# S3 objects / calls: {server.s3_url}/_sandbox/objects  {server.s3_url}/_sandbox/calls\n")
    out.write(f"# SF Express:         {server.sf_url}/std/service  (orders: {server.sf_url}/sandbox/sf/orders)\n")
    out.write(f"# WeChat Pay — pay an order:  curl -X POST {server.wechatpay_url}/sandbox/pay/<out_trade_no>\n")
    out.write(f"# Alipay — pay an order:      curl -X POST {server.alipay_url}/sandbox/trade/<out_trade_no>/pay\n")
    out.write("# Ctrl-C stops.\n")
    out.flush()

    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
