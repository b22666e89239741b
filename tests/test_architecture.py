"""The import contracts in pyproject.toml ([tool.importlinter], see ARCHITECTURE.md) hold, and
they really catch an import that breaks the design: a copy of the package with one wrong import
added fails, with a message that names the importing module and the line."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "learnpath",
        tmp_path / "learnpath",
        ignore=shutil.ignore_patterns("__pycache__", "translations", "static", "migrations"),
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _add_import(tree: Path, module: str, line: str) -> None:
    path = tree / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text() + f"\n{line}  # noqa\n")


def test_the_import_contracts_hold() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"Contracts: \d+ kept, 0 broken", result.stdout), result.stdout


@pytest.mark.parametrize(
    ("module", "line", "message"),
    [
        # The outbox is the floor: it never reaches up into a feature.
        (
            "learnpath.notifications.services",
            "from learnpath.cohorts import services as _cohorts",
            "learnpath.notifications is not allowed to import learnpath.cohorts",
        ),
        # web/ is below every feature.
        (
            "learnpath.web.access",
            "from learnpath.accounts.models import Role as _Role",
            "learnpath.web is not allowed to import learnpath.accounts",
        ),
        # A feature uses another's services, never its pages.
        (
            "learnpath.schedule.services",
            "from learnpath.cohorts import views as _views",
            "learnpath.schedule.services -> learnpath.cohorts.views",
        ),
    ],
)
def test_a_wrong_import_fails_with_its_name(
    tmp_path: Path, module: str, line: str, message: str
) -> None:
    tree = _copy(tmp_path)
    _add_import(tree, module, line)
    result = _lint(tree)
    assert result.returncode != 0
    assert message in " ".join(result.stdout.split()), result.stdout
