"""The outbox is the floor, not the conductor: learnpath.notifications imports no feature.

Features queue mail through it and register their own reminder jobs (their tasks.py); if it
imported them back, every feature would depend on every other one through it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import learnpath.notifications

#: The parts of learnpath that notifications may use: itself and the core, no feature.
ALLOWED = {
    "notifications",
    "db",
    "extensions",
    "config",
    "errors",
    "web",
    "i18n",
    "timefmt",
    "content",
    "content_registry",
    "jobs",
    "telemetry",
}


def _learnpath_imports(path: Path) -> set[str]:
    """Every module of learnpath the file imports (including under TYPE_CHECKING)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: use absolute imports"
            module = node.module or ""
            if module == "learnpath":  # from learnpath import jobs
                found |= {f"learnpath.{alias.name}" for alias in node.names}
            else:
                found.add(module)
    return {name for name in found if name == "learnpath" or name.startswith("learnpath.")}


def test_notifications_imports_no_feature_package():
    package = Path(learnpath.notifications.__file__).parent
    modules = sorted(package.rglob("*.py"))
    assert {p.stem for p in modules} >= {"services", "delivery", "mime", "preferences", "tasks"}
    wrong = {
        f"{path.relative_to(package)}: {name}"
        for path in modules
        for name in _learnpath_imports(path)
        if name == "learnpath" or name.split(".")[1] not in ALLOWED
    }
    assert not wrong, "notifications must not import features: " + ", ".join(sorted(wrong))


def test_the_check_sees_feature_imports(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from typing import TYPE_CHECKING\n"
        "from learnpath import jobs, cohorts\n"
        "import learnpath.accounts.models\n"
        "if TYPE_CHECKING:\n"
        "    from learnpath.schedule.models import CohortSession\n"
    )
    assert _learnpath_imports(sample) == {
        "learnpath.jobs",
        "learnpath.cohorts",
        "learnpath.accounts.models",
        "learnpath.schedule.models",
    }
