"""Flask extensions, created unbound; create_app binds them."""

from typing import TYPE_CHECKING, Any

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from learnpath.db import Base


class LazyMigrate:
    """Flask-Migrate, imported (with alembic and mako, about 11 MB) when it is first used: by
    ``flask db ...``, ``flask_migrate.upgrade()`` or the readiness check, never by a web worker
    serving pages (issue #17, memory per worker). ``init_app`` takes Flask-Migrate's
    arguments; ``app.extensions["migrate"]`` and the ``db`` command group become
    Flask-Migrate's own on first use."""

    def init_app(self, app: Flask, db: SQLAlchemy, **kwargs: Any) -> None:
        app.extensions["migrate"] = _MigrateOnUse(app, db, kwargs)
        app.cli.add_command(_MigrateCommands(app, name="db"))


class _MigrateOnUse:
    """Stands in for Flask-Migrate's ``app.extensions["migrate"]`` until it is read."""

    def __init__(self, app: Flask, db: SQLAlchemy, kwargs: dict[str, Any]) -> None:
        self._args = (app, db, kwargs)

    def load(self) -> Any:
        from flask_migrate import Migrate

        app, db, kwargs = self._args
        if app.extensions.get("migrate") is self:
            Migrate().init_app(app, db, **kwargs)  # sets app.extensions["migrate"]
        return app.extensions["migrate"]

    def __getattr__(self, name: str) -> Any:
        if name == "_args":
            raise AttributeError(name)
        return getattr(self.load(), name)


class _MigrateCommands(AppGroup):
    """``flask db``: Flask-Migrate's command group, loaded when the group is used."""

    def __init__(self, app: Flask, **kwargs: Any) -> None:
        super().__init__(help="Perform database migrations (Flask-Migrate).", **kwargs)
        self._app = app

    def _real(self) -> click.Group:
        extension = self._app.extensions.get("migrate")
        if isinstance(extension, _MigrateOnUse):
            extension.load()
        from flask_migrate.cli import db as commands

        return commands

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        # the context (options, callback, commands) of Flask-Migrate's own group
        return self._real().make_context(info_name, args, parent=parent, **extra)


db = SQLAlchemy(model_class=Base)
migrate = LazyMigrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()

if TYPE_CHECKING:
    Model = Base
else:
    #: Base class of our models (typed as the declarative base for mypy).
    Model = db.Model
