"""Loopback simulators of the providers 掌上办 talks to, speaking their real protocols with real
signatures, so the real SDK clients run unchanged against them (pointed by base URL).

- `sandbox.wechat`  — WeChat API: access token, jscode2session, Open Platform app login, face
  verification (current and older flow), subscribe messages. Conventions in its docstring.
- `sandbox.alipay`  — Alipay open-platform gateway: oauth token, real-person certification.
- `sandbox.users`   — login codes `<user>:<anything>` and the stable ids they map to.
- `sandbox.server`  — SandboxServer: runs them on loopback threads and produces the app settings.
- `python -m sandbox` — serves them on fixed ports for front-end developers.

Nothing in `app/` imports this package: only tests, benchmarks and the dev runner do.
"""
