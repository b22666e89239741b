"""gunicorn.conf.py and the app's start (preload_app: the master loads the app before
gunicorn calls on_starting)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import runpy
runpy.run_path("gunicorn.conf.py")
import wsgi  # what preload_app does next
from prometheus_client import values
import os
print(os.environ["PROMETHEUS_MULTIPROC_DIR"])
print(values.ValueClass.__name__)
"""


def test_metrics_are_multi_process_even_when_no_folder_is_given() -> None:
    """Without PROMETHEUS_MULTIPROC_DIR the config makes a folder before the app is loaded, so
    every worker's counts add up at /metrics (made in on_starting, it came too late)."""
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env["LEARNPATH_DATABASE_URL"] = "sqlite://"
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    folder, value_class = done.stdout.strip().splitlines()[-2:]
    shutil.rmtree(folder, ignore_errors=True)
    assert value_class == "MmapedValue"
