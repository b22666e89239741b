"""HiGHS, the integer-program solver behind ``scipy.optimize.milp``, without scipy.optimize.

``from scipy.optimize import milp`` runs ``scipy/optimize/__init__.py``, which imports
scipy.sparse, scipy.linalg, scipy.special and most of the package: about 64 MB per web
worker (issue #17, memory per gunicorn worker), for a solver that is one compiled module
(``scipy.optimize._highspy._core``, about 5 MB). :func:`milp` loads that module alone (from the
installed scipy, so it is the same HiGHS) and makes exactly the calls ``milp`` makes through
``scipy.optimize._highspy._highs_wrapper`` with ``milp``'s default options (only
``log_to_console`` off): the same model, the same options, so the same answer, ties included
(``tests/reports/test_anonymity_highs.py`` checks it against ``milp`` itself).

The matrix is given in the canonical compressed-column form (:func:`csc`, what
``scipy.sparse.csc_array`` makes of the same entries: per column sorted rows, repeated entries
added up, no explicit zeros), built with numpy only.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_CORE = "scipy.optimize._highspy._core"
_lock = threading.Lock()


def _core() -> Any:
    """HiGHS's compiled module, loaded once per process without its parent packages'
    ``__init__`` (the one already loaded when scipy.optimize itself was imported)."""
    loaded = sys.modules.get(_CORE)
    if loaded is not None:
        return loaded
    with _lock:
        loaded = sys.modules.get(_CORE)
        if loaded is not None:
            return loaded
        import scipy  # small: its __init__ loads no subpackage

        folder = Path(scipy.__path__[0]) / "optimize" / "_highspy"
        files = sorted(folder.glob("_core.*"))
        files = [f for f in files if f.suffix in (".so", ".pyd")]
        if not files:  # another layout of scipy: the ordinary import
            from scipy.optimize._highspy import _core

            return _core
        spec = importlib.util.spec_from_file_location(_CORE, files[0])
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        # Registered under its own name, so that a later ``import scipy.optimize`` finds this
        # one (a compiled module is loaded once per process).
        sys.modules[_CORE] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[_CORE]
            raise
        return module


def csc(entries: list[tuple[int, int, float]], rows: int, columns: int) -> tuple[Any, Any, Any]:
    """``(indptr, indices, data)`` of the matrix with these (row, column, coefficient) entries
    in canonical compressed-column form, as scipy.sparse makes it (int32 indices)."""
    import numpy as np

    if entries:
        r, c, d = zip(*entries, strict=True)
    else:
        r, c, d = (), (), ()
    row = np.array(r, dtype=np.int64)
    col = np.array(c, dtype=np.int64)
    data = np.array(d, dtype=float)
    if row.size:
        order = np.lexsort((row, col))
        row, col, data = row[order], col[order], data[order]
        first = np.ones(row.size, dtype=bool)
        first[1:] = (row[1:] != row[:-1]) | (col[1:] != col[:-1])
        starts = np.flatnonzero(first)
        data = np.add.reduceat(data, starts)
        row, col = row[starts], col[starts]
        keep = data != 0
        row, col, data = row[keep], col[keep], data[keep]
    indptr = np.zeros(columns + 1, dtype=np.int32)
    np.cumsum(np.bincount(col, minlength=columns), out=indptr[1:])
    return indptr, row.astype(np.int32), data.astype(np.float64)


@dataclass(frozen=True)
class Result:
    """What the callers read of ``milp``'s result: ``status`` 0 when HiGHS found the optimum
    (``milp``'s ``status == 0``), the values ``x`` and the objective ``fun`` (else None)."""

    status: int
    x: Any
    fun: float | None


def milp(
    objective: Any,
    matrix: tuple[Any, Any, Any],
    rows: int,
    row_lower: Any,
    row_upper: Any,
    lower: Any,
    upper: Any,
    integrality: Any,
) -> Result:
    """``scipy.optimize.milp(objective, constraints=LinearConstraint(A, row_lower, row_upper),
    integrality=integrality, bounds=Bounds(lower, upper))`` for the ``rows`` x
    ``len(objective)`` matrix ``A`` = ``matrix`` (:func:`csc`), the arguments converted as
    ``milp`` converts them."""
    import numpy as np

    h = _core()
    c = np.atleast_1d(np.asarray(objective, dtype=np.float64))
    n = c.size
    indptr, indices, data = matrix
    if len(indptr) != n + 1:
        raise ValueError("the matrix must have one column per value of the objective")
    lhs = np.broadcast_to(np.asarray(row_lower, dtype=np.float64), (rows,)).astype(np.float64)
    rhs = np.broadcast_to(np.asarray(row_upper, dtype=np.float64), (rows,)).astype(np.float64)
    lb = np.broadcast_to(np.asarray(lower, dtype=np.float64), c.shape).astype(np.float64)
    ub = np.broadcast_to(np.asarray(upper, dtype=np.float64), c.shape).astype(np.float64)
    kinds = np.broadcast_to(np.asarray(integrality), c.shape).astype(np.uint8)

    # From here on the calls of scipy.optimize._highspy._highs_wrapper, in its order.
    lp = h.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = rows
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = rows
    lp.a_matrix_.format_ = h.MatrixFormat.kColwise
    lp.col_cost_ = c
    lp.col_lower_ = lb
    lp.col_upper_ = ub
    lp.row_lower_ = lhs
    lp.row_upper_ = rhs
    lp.a_matrix_.start_ = indptr
    lp.a_matrix_.index_ = indices
    lp.a_matrix_.value_ = data
    if kinds.size > 0:
        lp.integrality_ = [h.HighsVarType(i) for i in kinds]

    highs = h._Highs()
    options = h.HighsOptions()
    options.log_to_console = False  # milp's only option by default ("disp": False)
    failed = Result(status=4, x=None, fun=None)
    if highs.passOptions(options) == h.HighsStatus.kError:
        return failed
    if highs.passModel(lp) == h.HighsStatus.kError:
        return failed
    if highs.run() == h.HighsStatus.kError:
        return failed
    if highs.getModelStatus() != h.HighsModelStatus.kOptimal:
        return failed  # milp's status 1 to 4: the callers read no further
    info = highs.getInfo()
    solution = highs.getSolution()
    return Result(status=0, x=np.array(solution.col_value), fun=info.objective_function_value)
