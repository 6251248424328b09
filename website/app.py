"""``create_app`` builds the Flask application: settings, extensions, blueprints, commands."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from website import PROJECT_ROOT, errors, htmx, i18n, labels, logs, request_checks, security
from website import models as models  # every model registered on the metadata
from website.admin.cli import staff_cli
from website.admin.views import bp as admin_bp
from website.config import finish_config, settings_from_env
from website.contact.views import bp as contact_bp
from website.extensions import csrf, db, enforce_foreign_keys, limiter, login_manager, mail, migrate
from website.invoices.cli import invoices_cli
from website.mail.cli import mail_cli
from website.mail.views import bp as dev_mailbox_bp
from website.pages.views import bp as pages_bp
from website.payments.cli import payments_cli
from website.payments.views import bp as pay_bp
from website.policy import placeholders as policy_placeholders
from website.policy.cli import policy_cli
from website.policy.views import bp as policy_bp
from website.privacy.cli import privacy_cli
from website.privacy.policy_values import SOURCE as POLICY_VALUES
from website.privacy.views import bp as privacy_bp
from website.retention import retention_cli


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from the environment, then ``config`` (tests pass a dict)."""
    app = Flask(
        "website",  # the package: the app's name and its logger's, as before app.py existed
        instance_path=os.path.join(PROJECT_ROOT, "instance"),
        template_folder=os.path.join(PROJECT_ROOT, "templates"),
        static_folder=os.path.join(PROJECT_ROOT, "static"),
    )
    app.config.from_mapping(settings_from_env(os.environ, app.instance_path))
    app.config.from_mapping(config or {})
    finish_config(app.config, explicit=config or {})
    if app.config["PROXY_HOPS"]:
        # Trust X-Forwarded-For/-Proto from exactly this many proxies, so rate limits see
        # the visitor's address and a visitor cannot make one up.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    request_checks.init_app(app)  # before the extensions: hostile input goes no further than this
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    app.jinja_env.globals.update(labels.labelled_enums())
    policy_placeholders.init_app(app, POLICY_VALUES)
    errors.init_app(app)
    security.init_app(app)
    logs.mask_all_logs()
    return app


def register_extensions(app: Flask) -> None:
    # A failed statement is logged without its values: they are often personal data.
    engine_options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    engine_options.setdefault("hide_parameters", True)
    db.init_app(app)
    with app.app_context():
        enforce_foreign_keys(db.engine)
    migrate.init_app(app, db, directory=os.path.join(PROJECT_ROOT, "migrations"))
    limiter.init_app(app)  # before CSRF: a flood of forged POSTs is refused cheaply
    app.before_request(request_checks.refuse_unusable_form)
    csrf.init_app(app)
    mail.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    htmx.init_app(app)


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(pages_bp)
    app.register_blueprint(policy_bp)
    app.register_blueprint(contact_bp)
    app.register_blueprint(pay_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(admin_bp)
    if app.config["MAIL_TRANSPORT"] == "maildir":
        app.register_blueprint(dev_mailbox_bp)


def register_commands(app: Flask) -> None:
    app.cli.add_command(mail_cli)
    app.cli.add_command(retention_cli)
    app.cli.add_command(staff_cli)
    app.cli.add_command(policy_cli)
    app.cli.add_command(invoices_cli)
    app.cli.add_command(payments_cli)
    app.cli.add_command(privacy_cli)
