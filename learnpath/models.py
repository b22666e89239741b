"""Feature packages are found, not listed: every ``learnpath/<feature>/`` with a ``models.py``
has its models imported (so the metadata is complete for Alembic), every one with a
``blueprint.py`` has its ``bp`` registered by the app factory, every one with a ``tasks.py``
registers its periodic jobs and every one with a ``receivers.py`` connects to other features'
signals (both imported by the app factory as well)."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from flask import Blueprint

_PACKAGE = Path(__file__).parent


def _features_with(module: str) -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.iter_modules([str(_PACKAGE)])
        if info.ispkg and (_PACKAGE / info.name / f"{module}.py").exists()
    )


def import_all() -> None:
    """Import every feature's models module."""
    for name in _features_with("models"):
        importlib.import_module(f"learnpath.{name}.models")


def import_tasks() -> None:
    """Import every feature's tasks module, which registers its periodic jobs (learnpath.jobs)."""
    for name in _features_with("tasks"):
        importlib.import_module(f"learnpath.{name}.tasks")


def import_receivers() -> None:
    """Import every feature's receivers module, which connects it to other features' signals."""
    for name in _features_with("receivers"):
        importlib.import_module(f"learnpath.{name}.receivers")


def blueprints() -> list[Blueprint]:
    """Every feature's blueprint (``bp`` in its blueprint.py)."""
    return [
        importlib.import_module(f"learnpath.{name}.blueprint").bp
        for name in _features_with("blueprint")
    ]


import_all()
