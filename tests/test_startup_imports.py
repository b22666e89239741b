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
