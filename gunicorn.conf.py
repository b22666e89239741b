"""gunicorn's settings for learnpath (read from the working directory, or with ``-c``).

    gunicorn                       # = gunicorn -c gunicorn.conf.py wsgi:app

Environment: ``LEARNPATH_BIND`` (default 127.0.0.1:8000, behind a reverse proxy),
``LEARNPATH_WORKERS`` (default 2 x cores + 1), ``PROMETHEUS_MULTIPROC_DIR`` (a folder the
workers, and a scheduler on the same host, write their metrics to; made for this server when
unset). The app writes one JSON line per request itself, so gunicorn's access log is off.

Memory (issue #17): the app is loaded once in the master (``preload_app``) and the workers are
forked from it, so the pages of the code and the loaded content are shared between them
(``gc.freeze()`` before forking keeps the collector from writing to, and so copying, them).
A worker's RSS still counts those shared pages; its PSS and USS (bench/worker_memory.py)
show what it adds. Heavy libraries (PDF, XLSX, numpy/scipy for the report suppression) are
imported where they are used, not at start (tests/test_startup_imports.py). Numerical
libraries use one thread (a worker serves one request at a time). ``max_requests`` restarts
a worker after that many requests (with jitter, so not all at once): a safety net against
slow growth, not what keeps a worker small.
"""

from __future__ import annotations

import gc
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
# Load the app before forking: one copy of its code and content, shared by the workers.
preload_app = True
max_requests = int(os.environ.get("LEARNPATH_MAX_REQUESTS") or 5000)
max_requests_jitter = max_requests // 10

# OpenBLAS (numpy, scipy) starts a thread per core by default, each with its own buffers; a
# sync worker serves one request at a time and needs none. Set before the app (and numpy)
# load, so the master and the workers have it.
for _name, _value in (("OPENBLAS_NUM_THREADS", "1"), ("OMP_NUM_THREADS", "1")):
    os.environ.setdefault(_name, _value)

_made_metrics_dir: str | None = None
# The metrics folder is known before the app is loaded: with preload_app the master loads it
# before on_starting runs, and prometheus-client picks its multi-process mode on import.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _made_metrics_dir = tempfile.mkdtemp(prefix="learnpath-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _made_metrics_dir


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
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    Path(folder).mkdir(parents=True, exist_ok=True)
    # Files of processes that are gone (an earlier run) would be added up forever.
    for file in Path(folder).glob("*.db"):
        pid = file.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            file.unlink(missing_ok=True)


def when_ready(server: object) -> None:
    """The app is loaded (preload_app): move its objects out of the collector's reach, so that
    collections in the workers do not write to (and so copy) the pages they share."""
    gc.collect()
    gc.freeze()


def post_fork(server: object, worker: object) -> None:
    """No database connection of the master may be used by a worker (preload_app)."""
    from learnpath.extensions import db

    app = server.app.wsgi()  # type: ignore[attr-defined]
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


def child_exit(server: object, worker: object) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]


def on_exit(server: object) -> None:
    if _made_metrics_dir:
        shutil.rmtree(_made_metrics_dir, ignore_errors=True)
