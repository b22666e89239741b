"""learnpath: online, group-based career programmes for public organisations."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from learnpath.config import PROJECT_ROOT, build_config
from learnpath.db import configure_pool, configure_sqlite


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application; ``config`` overrides defaults and LEARNPATH_* variables."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(Path(__file__).parent / "static"),
        instance_relative_config=True,
    )
    app.config.update(build_config(app.instance_path, config))
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:
        # Behind that many reverse proxies, the client's address (which login throttling counts
        # per source) and the scheme come from the X-Forwarded-For / -Proto headers they set.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    from learnpath import cli, content_registry, i18n, models
    from learnpath.cohorts import locking
    from learnpath.extensions import csrf, db, login_manager, migrate
    from learnpath.reports import freshness, snapshots
    from learnpath.web import access, errors, filters, headers, inputs

    content_registry.init_app(app)  # refuses to start on invalid content
    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
        configure_pool(db.engine)
        # which organisations' report data a commit changed
        freshness.listen(db.engine, app.config["REPORT_VERSION_DELAY"])
        # a sign-up's lock, decision and commit in one round trip (hooks added later, e.g. a
        # test's or a benchmark's, see the round trip's whole text)
        locking.listen(db.engine)
    snapshots.init_app(app)  # computed reports kept for every server, after the session ends
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    access.init_app(app)
    inputs.init_app(app)  # <id:...> URL converter; requests with NUL characters refused
    errors.init_app(app)
    headers.init_app(app)  # security headers on every response (CSP, HSTS, ...)
    filters.init_app(app)
    cli.init_app(app)

    for blueprint in models.blueprints():
        app.register_blueprint(blueprint)
    models.import_tasks()  # each feature registers its periodic jobs (learnpath.jobs)
    models.import_receivers()  # and connects to the signals of the features it reacts to
    return app
