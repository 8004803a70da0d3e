"""LienRx: a pharmacy lien and compounding dispense system."""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import click
from flask import Flask, g, request, session
from flask_login import current_user, logout_user
from flask_smorest.spec.plugins import integerconverter2paramschema
from werkzeug.middleware.proxy_fix import ProxyFix

from lienrx.cases import access
from lienrx.config import build_keyring, load_settings
from lienrx.core import clock, input_guard, numbers
from lienrx.core.api import IdConverter
from lienrx.core.db import configure_sqlite
from lienrx.core.idempotency import new_submission_key
from lienrx.core.openapi import LienRxApi
from lienrx.core.problems import register_error_handlers
from lienrx.core.unit_of_work import UnitOfWorkFlask
from lienrx.disclosures import services as disclosures
from lienrx.extensions import csrf, db, limiter, login_manager, migrate

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def migrations_dir() -> str:
    """The Alembic scripts: the package ``lienrx.migrations``.

    In a checkout that is the top-level ``migrations/`` directory (mapped into the package by
    pyproject.toml, which an editable install honours); in an installed ``lienrx`` it sits
    inside the package. Asking the import system finds it in both cases.
    """
    import lienrx.migrations

    return os.path.dirname(os.path.abspath(lienrx.migrations.__file__))


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, error handlers, commands."""
    instance_path = os.path.abspath(os.environ.get("LIENRX_INSTANCE_PATH") or "instance")
    app = UnitOfWorkFlask(__name__, instance_path=instance_path)
    app.url_map.converters["int"] = IdConverter
    app.config.from_mapping(load_settings(instance_path, overrides=config))
    app.extensions["lienrx.keyring"] = build_keyring(app.config)
    clock.configure(app.config["LIENRX_TIMEZONE"])  # "today" is the pharmacy's local date
    access.install(disclosures.GATE)  # every read of a case passes the HIPAA gate
    register_proxies(app)
    register_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_request_hooks(app)
    register_cli(app)
    numbers.register(app)  # money and num: every number a page or document shows
    app.jinja_env.filters["local_date"] = clock.local_date  # a UTC moment's pharmacy date
    app.jinja_env.filters["local_time"] = clock.local_time  # ... and its wall-clock time
    app.jinja_env.globals["submission_key"] = new_submission_key
    return app


def register_proxies(app: Flask) -> None:
    """Behind N trusted proxies, take the client's address and scheme from X-Forwarded-*.

    Without ``LIENRX_TRUSTED_PROXIES`` the headers are ignored: anyone could send them, and
    the sign-in limits, which count per client address, would believe them.
    """
    hops = int(app.config["LIENRX_TRUSTED_PROXIES"])
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_logging(app: Flask) -> None:
    """Plain log lines with the request id; never PHI."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s %(message)s")


def register_extensions(app: Flask) -> None:
    """Bind the extension singletons."""
    import lienrx.all_models  # noqa: F401  (the whole schema, for the metadata)

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=migrations_dir())
    login_manager.init_app(app)
    import lienrx.auth.sessions  # noqa: F401  (registers the user loaders)
    csrf.init_app(app)
    limiter.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Mount the JSON API (flask-smorest) and the HTML pages."""
    from lienrx.api_blueprints import API_BLUEPRINTS
    from lienrx.attestations import views as verify_views
    from lienrx.auth import views as auth_views
    from lienrx.docs import views as docs_views
    from lienrx.docs.contract import CONTRACT
    from lienrx.home import views as home_views
    from lienrx.portal import summary as _portal_summary  # noqa: F401  (routes on portal.bp)
    from lienrx.portal import views as portal_views
    from lienrx.portal import webhooks as portal_webhooks
    from lienrx.staff import bp as staff_bp

    api = LienRxApi(app, CONTRACT)
    api.register_converter(IdConverter, integerconverter2paramschema)
    app.extensions["lienrx.api"] = api
    for blueprint in API_BLUEPRINTS:
        api.register_blueprint(blueprint, url_prefix="/api/v1")
        csrf.exempt(blueprint)
    app.register_blueprint(auth_views.bp)
    app.register_blueprint(docs_views.bp)
    app.register_blueprint(home_views.bp)
    app.register_blueprint(portal_views.bp)
    app.register_blueprint(portal_webhooks.bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(verify_views.bp)


HSTS = "max-age=31536000; includeSubDomains"


def register_request_hooks(app: Flask) -> None:
    """Request id, hostile input, idle timeout, CSRF for cookie-authenticated API calls,
    security headers (HSTS in production)."""
    idle = timedelta(minutes=app.config["IDLE_TIMEOUT_MINUTES"])
    production = app.config["LIENRX_ENV"] == "production"

    @app.before_request
    def _request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex

    # Before anything reads the request (the bearer token, the session, a view's schema).
    app.before_request(input_guard.check_request)

    @app.before_request
    def _idle_timeout() -> None:
        if g.get("auth_via_token") or "_user_id" not in session:
            return
        now = clock.utcnow().timestamp()
        last = session.get("last_active")
        if last is not None and now - float(last) > idle.total_seconds():
            logout_user()
            session.clear()
            session["idle_logout"] = True
            return
        session["last_active"] = now

    @app.before_request
    def _api_csrf_for_cookie_sessions() -> None:
        # Bearer-token clients are exempt; a browser session calling the API is not.
        if (request.path.startswith("/api/") and request.method not in ("GET", "HEAD", "OPTIONS")
                and current_user.is_authenticated and not g.get("auth_via_token")):
            csrf.protect()

    @app.after_request
    def _headers(response: Any) -> Any:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy", "default-src 'self'; img-src 'self' data:; "
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
        if production:
            response.headers["Strict-Transport-Security"] = HSTS
        if request.path.startswith("/api/") or current_user.is_authenticated:
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def register_cli(app: Flask) -> None:
    """Attach every domain's commands to the ``lienrx`` command."""
    from lienrx.cli import COMMANDS, DB_COMMANDS

    for command in COMMANDS:
        app.cli.add_command(command)
    migrate_group = app.cli.commands.get(migrate.command)  # added by migrate.init_app
    if not isinstance(migrate_group, click.Group):
        raise RuntimeError("Flask-Migrate's `db` command group is missing.")
    for command in DB_COMMANDS:
        migrate_group.add_command(command)
