"""Flask extensions, created unbound; create_app binds them."""

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from learnpath.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()

if TYPE_CHECKING:
    Model = Base
else:
    #: Base class of our models (typed as the declarative base for mypy).
    Model = db.Model
