"""The one place that commits: web/actions.py runs a view's unit of work, turns any Refusal into
a rollback and a message, and is the only way views commit."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest
from flask import get_flashed_messages
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import FieldList, Form, FormField, StringField

from learnpath.accounts.models import Organisation
from learnpath.errors import Refusal
from learnpath.extensions import db
from learnpath.web.actions import run_action, run_form_action, unit_of_work

PACKAGE = Path(__file__).resolve().parents[1] / "learnpath"


def _feature_errors() -> list[type[Exception]]:
    """The refusal type of every feature (each takes a message, and maybe field errors)."""
    from learnpath.accounts.services import AccountError
    from learnpath.action_plans.services import PlanError
    from learnpath.assignments.services import AssignmentError
    from learnpath.cohorts.services import CohortError
    from learnpath.ical.services import NotAllowed
    from learnpath.lti.services import LtiError
    from learnpath.privacy.services import PrivacyError
    from learnpath.reports.services import ReportError

    return [
        CohortError,
        AccountError,
        LtiError,
        PlanError,
        NotAllowed,
        ReportError,
        PrivacyError,
        AssignmentError,
    ]


def _add_organisation(slug: str) -> None:
    db.session.add(Organisation(slug=slug, name=slug, timezone="Europe/Amsterdam"))
    db.session.flush()


def _stored(slug: str) -> bool:
    db.session.rollback()  # only what was committed is still there
    return db.session.scalar(select(Organisation).where(Organisation.slug == slug)) is not None


# --- run_action --------------------------------------------------------------------------------


def test_run_action_commits_and_flashes_success(app):
    with app.test_request_context():
        assert run_action(lambda: _add_organisation("gelukt"), "Opgeslagen.", "info") is True
        assert get_flashed_messages(with_categories=True) == [("info", "Opgeslagen.")]
    assert _stored("gelukt")


@pytest.mark.parametrize("error", _feature_errors(), ids=lambda e: e.__name__)
def test_run_action_rolls_back_and_flashes_any_refusal(app, error):
    def refused() -> None:
        _add_organisation("geweigerd")
        raise error("Dat mag niet.")

    with app.test_request_context():
        assert run_action(refused, "Opgeslagen.") is False
        assert get_flashed_messages(with_categories=True) == [("error", "Dat mag niet.")]
    assert not _stored("geweigerd")


def test_schedule_invalid_is_a_refusal_with_its_errors_per_session(app):
    from learnpath.schedule.services import ScheduleInvalid

    def refused() -> None:
        _add_organisation("rooster")
        raise ScheduleInvalid({"intro": {"day": "Kies een dag."}})

    with app.test_request_context():
        assert run_action(refused, None) is False
        assert [c for c, _m in get_flashed_messages(with_categories=True)] == ["error"]
    assert not _stored("rooster")
    exc = ScheduleInvalid({"intro": {"day": "Kies een dag."}})
    assert exc.session_errors == {"intro": {"day": "Kies een dag."}}
    assert exc.errors == {}


def test_other_exceptions_roll_back_and_propagate(app):
    def broken() -> None:
        _add_organisation("kapot")
        raise RuntimeError("bug")

    with app.test_request_context(), pytest.raises(RuntimeError):
        run_action(broken, "Opgeslagen.")
    assert not _stored("kapot")


def test_unit_of_work_commits_on_return_and_takes_other_refusal_types(app):
    def returns_inside() -> str:
        with unit_of_work():
            _add_organisation("terug")
            return "klaar"

    assert returns_inside() == "klaar"
    assert _stored("terug")

    with unit_of_work(refusals=(KeyError,)) as work:
        _add_organisation("sleutel")
        raise KeyError("weg")
    assert not work.ok and isinstance(work.refusal, KeyError) and work.errors == {}
    assert not _stored("sleutel")


# --- run_form_action ---------------------------------------------------------------------------


class _ItemForm(Form):
    text = StringField()


class _TheForm(Form):
    name = StringField()
    items = FieldList(FormField(_ItemForm), min_entries=2)


def _posted_form() -> _TheForm:
    form = _TheForm(MultiDict({"name": "Ada", "items-0-text": "een", "items-1-text": "twee"}))
    assert form.validate()
    return form


def _refuse(errors: dict[str, str] | None) -> None:
    _add_organisation("formulier")
    raise Refusal("Niet opgeslagen.", errors)


def test_run_form_action_puts_errors_on_fields_and_flashes_the_rest(app):
    form = _posted_form()
    errors = {"name": "Te kort.", "items-1-text": "Leeg.", "items": "Eén actie.", "x": "Onbekend."}
    with app.test_request_context():
        assert run_form_action(form, lambda: _refuse(errors), "Opgeslagen.") is False
        flashed = get_flashed_messages(with_categories=True)
    assert form.name.errors == ["Te kort."]
    assert form.items.entries[1].form.text.errors == ["Leeg."]
    assert form.items.entries[0].form.text.errors == []
    # What names no field (a list, or nothing at all) is flashed; no success message.
    assert flashed == [("error", "Eén actie."), ("error", "Onbekend.")]
    # The user's input is kept for the form shown again.
    assert form.name.data == "Ada" and form.items.entries[1].form.text.data == "twee"
    assert not _stored("formulier")


def test_run_form_action_shows_the_message_on_the_named_field(app):
    form = _posted_form()
    with app.test_request_context():
        assert run_form_action(form, lambda: _refuse(None), None, field="name") is False
        assert get_flashed_messages() == []
    assert form.name.errors == ["Niet opgeslagen."]

    form = _posted_form()
    with app.test_request_context():
        run_form_action(
            form, lambda: _refuse({"name": "Te kort.", "y": "Elders."}), None, field="name"
        )
        assert get_flashed_messages() == []
    assert form.name.errors == ["Te kort.", "Elders."]


def test_run_form_action_flashes_the_message_when_no_field_takes_it(app):
    form = _posted_form()
    with app.test_request_context():
        run_form_action(form, lambda: _refuse(None), None)
        assert get_flashed_messages(with_categories=True) == [("error", "Niet opgeslagen.")]

    form = _posted_form()
    with app.test_request_context():
        run_form_action(form, lambda: _refuse({"name": "Te kort."}), None, announce=True)
        assert get_flashed_messages(with_categories=True) == [("error", "Niet opgeslagen.")]
    assert form.name.errors == ["Te kort."]


def test_run_form_action_commits_and_flashes_success(app):
    form = _posted_form()
    with app.test_request_context():
        assert run_form_action(form, lambda: _add_organisation("formulier"), "Opgeslagen.")
        assert get_flashed_messages(with_categories=True) == [("success", "Opgeslagen.")]
    assert _stored("formulier")
    assert not form.name.errors


# --- the rules, checked on the source -----------------------------------------------------------


def _view_modules() -> list[Path]:
    return sorted(
        {
            *PACKAGE.glob("*/views.py"),
            *PACKAGE.glob("*/own_views.py"),
            *PACKAGE.glob("home/*.py"),
        }
    )


def test_no_view_commits_or_rolls_back_by_hand():
    found = []
    for path in _view_modules():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"commit", "rollback"}
                and isinstance(node.func.value, ast.Attribute)
                and node.func.value.attr == "session"
            ):
                found.append((str(path.relative_to(PACKAGE.parent)), node.lineno))
    assert len(_view_modules()) > 10
    assert not found, "use learnpath.web.actions instead: " + ", ".join(
        f"{p}:{n}" for p, n in sorted(found)
    )


def _feature_packages() -> set[str]:
    return {
        p.parent.name
        for p in PACKAGE.glob("*/__init__.py")
        if p.parent.name not in {"web", "migrations", "translations", "static"}
    }


def test_every_feature_error_is_a_refusal():
    from learnpath.accounts.services import InvalidLink, LoginThrottled
    from learnpath.schedule.services import ScheduleInvalid

    named = [*_feature_errors(), LoginThrottled, InvalidLink, ScheduleInvalid]
    assert all(issubclass(error, Refusal) for error in named)
    # Also any exception class a feature's services module defines later.
    found = []
    for feature in sorted(_feature_packages()):
        if not (PACKAGE / feature / "services.py").exists():
            continue
        module = importlib.import_module(f"learnpath.{feature}.services")
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, Exception):
                found.append(cls)
                assert issubclass(cls, Refusal), f"{cls.__qualname__} is not a Refusal"
    assert set(named) <= set(found)


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_web_imports_no_feature():
    features = _feature_packages()
    assert {"cohorts", "accounts", "action_plans"} <= features
    wrong = [
        f"{path.name}: {name}"
        for path in sorted((PACKAGE / "web").glob("*.py"))
        for name in _imports(path)
        if name.split(".")[0] == "learnpath"
        and name.split(".")[1:2]
        and name.split(".")[1] in features
    ]
    assert not wrong, wrong
    own = {n for n in _imports(PACKAGE / "web" / "actions.py") if n.startswith("learnpath")}
    assert own <= {"learnpath.errors", "learnpath.extensions"}
