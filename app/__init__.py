"""Application factory of the 掌上办 core platform (and the APIs mounted on it)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask


def create_app(config_name: str | None = None, **overrides) -> Flask:
    from app.config import VAR_DIR, config_class
    from app.extensions import api, db, migrate, redis_ext
    from app.web import input_guard, security_headers
    from app.web.request_log import configure_logging, init_request_ids
    from app.web.stateless import StatelessSessions

    cfg = config_class(config_name)
    app = Flask(__name__)
    app.config.from_object(cfg)
    app.config.update(overrides)
    cfg.check(app.config)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.session_interface = StatelessSessions()  # bearer tokens only: no cookie session per request

    VAR_DIR.mkdir(parents=True, exist_ok=True)
    configure_logging(app)
    init_request_ids(app)
    input_guard.init_app(app)  # body limits, JSON depth, invalid Unicode: one gate for every API
    security_headers.init_app(app)

    db.init_app(app)
    with app.app_context():
        from app import dbpool

        for engine in db.engines.values():
            dbpool.install(engine, app.config["DB_PING_AFTER_IDLE_SECONDS"])
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).resolve().parent.parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    redis_ext.init_app(app)
    api.init_app(app)

    from app import events

    events.install_commit_hook()

    _register_models()
    _register_blueprints(app)
    _register_cli(app)
    _register_features(app)
    _register_swagger_assets(app)
    from app.web.openapi import install as finish_openapi

    finish_openapi(api, app)
    return app


def _register_models() -> None:
    # The one place that registers the core's tables on the metadata (Alembic needs them); a
    # satellite registers its own in its init_app.
    import app.appointments.models  # noqa: F401
    import app.bundles.models  # noqa: F401
    import app.cases.models  # noqa: F401
    import app.catalog.bundle_models  # noqa: F401
    import app.catalog.models  # noqa: F401
    import app.complaints.models  # noqa: F401
    import app.credit.models  # noqa: F401
    import app.enterprises.models  # noqa: F401
    import app.evaluations.models  # noqa: F401
    import app.identity.models  # noqa: F401
    import app.licences.models  # noqa: F401
    import app.outbox  # noqa: F401
    import app.staff.models  # noqa: F401
    import app.stats.models  # noqa: F401
    import app.workdays  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    from app.extensions import api
    from app.health import blp as health_blp

    api.register_blueprint(health_blp)

    # The core's own API for hall windows and department officers.
    from app.staff_api import register as register_staff_api

    register_staff_api(api)

    # The citizen API is mounted on the same app in this deployment; the seam between it and
    # the core is the core's service functions, so it could move to its own process.
    import miniprogram_api

    miniprogram_api.register(api)


def _register_cli(app: Flask) -> None:
    from app.appointments.cli import appointments_cli
    from app.catalog.cli import catalog_cli
    from app.credit.cli import credit_cli
    from app.enterprises.cli import enterprises_cli
    from app.identity.cli import residents_cli
    from app.licences.cli import licences_cli
    from app.rotation import crypto_cli
    from app.staff.cli import staff_cli
    from app.storage_sweep import storage_cli
    from app.workdays import workdays_cli

    app.cli.add_command(catalog_cli)
    app.cli.add_command(residents_cli)
    app.cli.add_command(licences_cli)
    app.cli.add_command(staff_cli)
    app.cli.add_command(workdays_cli)
    app.cli.add_command(credit_cli)
    app.cli.add_command(enterprises_cli)
    app.cli.add_command(storage_cli)
    app.cli.add_command(crypto_cli)

    from app.events import events_cli

    app.cli.add_command(events_cli)
    app.cli.add_command(appointments_cli)

    from app.stats.refresh import stats_cli

    app.cli.add_command(stats_cli)


def _register_features(app: Flask) -> None:
    """The packages around the core (architecture.md): each registers its models, blueprints,
    CLI commands and event subscriptions in its own `init_app`. The factory is the composition
    root; the core's domain packages never import them."""
    import delivery
    import notifications
    import payments

    for feature in (payments, notifications, delivery):
        feature.init_app(app)
    _register_core_subscriptions()


def _register_core_subscriptions() -> None:
    # --- bundle-apply --- a member case's events bring its 一件事 application up to date
    from app import events
    from app.bundles.progress import MOVES_THAT_MATTER

    for event_type in MOVES_THAT_MATTER:
        events.subscribe(
            event_type, "app.bundles.progress.on_case_event", name="bundles-" + event_type.replace(".", "-")
        )


def _register_swagger_assets(app: Flask) -> None:
    """Serve the swagger-ui files shipped in the flask-swagger-ui wheel: /docs needs no CDN."""
    import flask_swagger_ui
    from flask import send_from_directory

    dist = Path(flask_swagger_ui.__file__).resolve().parent / "dist"
    prefix = app.config["OPENAPI_SWAGGER_UI_URL"].rstrip("/")

    @app.get(prefix + "/<path:filename>")
    def swagger_assets(filename: str):
        return send_from_directory(dist, filename, max_age=86400)
