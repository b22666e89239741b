"""gunicorn's settings for learnpath (read from the working directory, or with ``-c``).

    gunicorn                       # = gunicorn -c gunicorn.conf.py wsgi:app

Environment: ``LEARNPATH_BIND`` (default 127.0.0.1:8000, behind a reverse proxy),
``LEARNPATH_WORKERS`` (default 2 x cores + 1), ``PROMETHEUS_MULTIPROC_DIR`` (a folder the
workers, and a scheduler on the same host, write their metrics to; made for this server when
unset). The app writes one JSON line per request itself, so gunicorn's access log is off.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

wsgi_app = "wsgi:app"
bind = os.environ.get("LEARNPATH_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("LEARNPATH_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
# A request waits at most this long (a big export is the slowest page); then the worker restarts.
timeout = 60
graceful_timeout = 30
keepalive = 5
accesslog = None
errorlog = "-"
loglevel = "info"

_made_metrics_dir: str | None = None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def on_starting(server: object) -> None:
    """Prometheus multi-process mode: every worker writes its own files in one folder."""
    global _made_metrics_dir
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        folder = _made_metrics_dir = tempfile.mkdtemp(prefix="learnpath-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    Path(folder).mkdir(parents=True, exist_ok=True)
    # Files of processes that are gone (an earlier run) would be added up forever.
    for file in Path(folder).glob("*.db"):
        pid = file.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            file.unlink(missing_ok=True)


def child_exit(server: object, worker: object) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]


def on_exit(server: object) -> None:
    if _made_metrics_dir:
        shutil.rmtree(_made_metrics_dir, ignore_errors=True)
