"""The unit of work of a view: run the services, then commit and say so, or roll back and show
the rule that refused it.

Views never call ``db.session.commit()`` or ``rollback()`` themselves. They use one of:

- :func:`run_action`: call one service; flash the success, or roll back and flash the refusal;
- :func:`run_form_action`: the same for a form, which shows the refusal on its fields so the
  view renders it again with the user's input;
- :func:`unit_of_work`: a block that commits when it ends and rolls back on a refusal, for the
  views that need the service's result or show the refusal in their own way (JSON, a template
  variable); :func:`show_on_form` puts the refusal on a form as :func:`run_form_action` does;
- :func:`commit`: for a change that no rule can refuse (an audit-log row on a GET), or that must
  be kept although the request goes on to be refused (a consumed nonce, a counted failed login);
  :func:`discard` rolls back for a view that answers a refusal itself.

Any :class:`~learnpath.errors.Refusal` is handled, whichever feature raised it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import flash

from learnpath.errors import Refusal
from learnpath.extensions import db


@dataclass
class Work:
    """The outcome of a unit of work: ``refusal`` is the exception that refused it (rolled back)."""

    refusal: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None

    @property
    def message(self) -> str:
        return "" if self.refusal is None else str(self.refusal)

    @property
    def errors(self) -> dict[str, str]:
        """Field name -> message, when the refusal names fields."""
        return dict(self.refusal.errors) if isinstance(self.refusal, Refusal) else {}


def commit() -> None:
    """Commit the request's unit of work."""
    db.session.commit()


def discard() -> None:
    """Roll back the request's unit of work, for a view that answers a refusal itself (the LTI
    views, which also refuse on pylti1p3's exceptions); prefer :func:`unit_of_work`."""
    db.session.rollback()


@contextmanager
def unit_of_work(
    refusals: tuple[type[Exception], ...] = (Refusal,), *, keep_loaded: bool = False
) -> Iterator[Work]:
    """Run the block as one unit of work: commit when it ends (also by ``return``); on one of
    ``refusals`` roll back and record it on the yielded :class:`Work` instead of raising.

    Any other exception rolls back and propagates. ``keep_loaded``: the objects loaded in the
    block keep their values after the commit instead of being read again when next used (for
    a request that goes on with rows it has just locked or written itself, e.g. a sign-up).
    """
    work = Work()
    try:
        yield work
    except refusals as exc:
        db.session.rollback()
        work.refusal = exc
        return
    except BaseException:
        db.session.rollback()
        raise
    if not keep_loaded:
        db.session.commit()
        return
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def run_action(
    action: Callable[[], object], success: str | None, category: str = "success"
) -> bool:
    """Run ``action``; commit and flash ``success``, or roll back and flash the refusal.

    Returns whether it succeeded (and was committed).
    """
    with unit_of_work() as work:
        action()
    if work.refusal is not None:
        flash(work.message, "error")
        return False
    if success:
        flash(success, category)
    return True


def run_form_action(
    form: Any,
    action: Callable[[], object],
    success: str | None,
    category: str = "success",
    *,
    field: str | None = None,
    announce: bool = False,
) -> bool:
    """Run ``action`` for ``form``; commit and flash ``success``, or roll back and show the
    refusal on the form (see :func:`show_on_form`), which the view then renders again.

    Returns whether it succeeded (and was committed).
    """
    with unit_of_work() as work:
        action()
    if work.refusal is not None:
        show_on_form(form, work, field=field, announce=announce)
        return False
    if success:
        flash(success, category)
    return True


def show_on_form(
    form: Any, work: Work, *, field: str | None = None, announce: bool = False
) -> None:
    """Show a refused unit of work on ``form``.

    Each of the refusal's ``errors`` goes on the field it names (``goals-0-text`` reaches into
    lists of subforms). What names no field, and the message itself when no error reached a
    field, goes on the field called ``field``, or is flashed when there is none. ``announce``
    flashes the message also when the fields say it all.
    """
    rest = list(attach_errors(form, work.errors).values())
    if len(rest) == len(work.errors):  # no error reached a field: the message must be seen
        rest.insert(0, work.message)
    if field is not None:
        target = form[field]
        target.errors = [*target.errors, *rest]
    if announce and (field is not None or work.message not in rest):
        flash(work.message, "error")
    if field is None:
        for message in rest:
            flash(message, "error")


def attach_errors(form: Any, errors: Mapping[str, str]) -> dict[str, str]:
    """Put each message on the form field of that name (also inside lists of subforms); return
    the ones that name no such field."""
    fields = dict(_leaf_fields(form))
    rest = {}
    for name, message in errors.items():
        target = fields.get(name)
        if target is None:
            rest[name] = message
        else:
            target.errors = [*target.errors, message]
    return rest


def _leaf_fields(fields: Iterable[Any]) -> Iterator[tuple[str, Any]]:
    """(name, field) of every field that takes input, through FieldList and FormField."""
    for item in fields:
        if hasattr(item, "entries"):  # FieldList
            yield from _leaf_fields(item.entries)
        elif hasattr(item, "form"):  # FormField
            yield from _leaf_fields(item.form)
        else:
            yield item.name, item
