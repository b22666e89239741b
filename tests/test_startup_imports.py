"""What a web worker loads at start (issue #17, memory per gunicorn worker).

Libraries used by a few pages only (PDF and XLSX exports, DOCX, numpy/scipy for the report
suppression) are imported where they are used, so a worker that never serves those pages
never holds them. ``import wsgi`` runs in a fresh interpreter, as gunicorn's does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Imported on first use only (each costs megabytes per worker).
HEAVY = ("numpy", "scipy", "openpyxl", "fpdf", "fontTools", "PIL", "lxml", "docx", "matplotlib")
#: Also on first use: Flask-Migrate with alembic and mako (``flask db``, the readiness check).
HEAVY += ("flask_migrate", "alembic", "mako")

_PROBE = """
import json, sys
import wsgi
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_starting_the_web_app_imports_no_heavy_library(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LEARNPATH_DATABASE_URL": f"sqlite:///{tmp_path / 'start.db'}",
        "LEARNPATH_SECRET_KEY": "startup-imports",
    }
    result = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert "learnpath" in loaded
    assert sorted(loaded & set(HEAVY)) == []


_PROBE_USE = """
import json, sys
import wsgi
from learnpath.reports import anonymity, exports
from learnpath.reports.figures import Table
from tests.reports.test_anonymity_fast import _report
for seed in range(10):  # reports shaped like the HR dashboard's: integer programs (HiGHS)
    anonymity.protect_linked(*_report(seed))
solved = "scipy.optimize._highspy._core" in sys.modules
exports.table_rows(Table(slug="t", title="t", headers=("a", "b"), rows=()))
print(json.dumps([solved, sorted(n for n in sys.modules if n.split(".")[0] in ("scipy", "fpdf", "openpyxl"))]))
"""


def test_the_report_suppression_and_a_csv_load_no_more_than_they_need(tmp_path: Path) -> None:
    """The suppression's solver is HiGHS's compiled module alone (``reports.highs``): not
    scipy.optimize, scipy.sparse or scipy.linalg (about 45 MB); a CSV table loads no PDF or
    XLSX library."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "LEARNPATH_DATABASE_URL": f"sqlite:///{tmp_path / 'start.db'}",
        "LEARNPATH_SECRET_KEY": "startup-imports",
    }
    result = subprocess.run(
        [sys.executable, "-c", _PROBE_USE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    solved, loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert solved
    assert not [n for n in loaded if n.split(".")[0] in ("fpdf", "openpyxl")]
    assert not [
        n for n in loaded if n.startswith(("scipy.sparse", "scipy.linalg", "scipy.special"))
    ]
    assert [n for n in loaded if n.startswith("scipy.optimize")] == [
        "scipy.optimize._highspy._core",
        "scipy.optimize._highspy._core.cb",
        "scipy.optimize._highspy._core.simplex_constants",
    ]
