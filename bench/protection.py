"""The report protection (``learnpath/reports/anonymity.py``) on recorded inputs: every
``protect`` / ``protect_linked`` call of the HR dashboard and the programme evaluation of the
largest organisation at national scale (``bench/data/protection_largest.pkl``: counts by
department id and column only, no person).

Prints per linked call the cold time (memo cleared) and the warm time (a memo hit), the
time of the memo's digest, and a digest of every hidden set (it must not change when the
algorithm is made faster: the pages then render the same).

Run: .venv/bin/python bench/protection.py [--runs N] [--compare OTHER_anonymity.py]
(``--compare``: also time another version of the module, e.g. one saved from git, in the
same run; its digest must be the same.)
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import importlib.util
import pickle
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from learnpath.reports import anonymity  # noqa: E402

DATA = ROOT / "bench" / "data" / "protection_largest.pkl"


def load_calls(module: ModuleType) -> list[tuple[str, tuple, dict]]:
    """The recorded calls as (function name, args, kwargs) for ``module``."""
    with DATA.open("rb") as f:
        raw = pickle.load(f)  # noqa: S301 - our own bench data
    calls: list[tuple[str, tuple, dict]] = []
    for entry in raw:
        if entry[0] == "protect_linked":
            _kind, tables, threshold = entry
            matrices = {
                name: module.Matrix(counts, columns, departments, people, shared)
                for name, counts, columns, departments, people, shared in tables
            }
            calls.append(("protect_linked", (matrices, threshold), {}))
        else:
            calls.append(("protect", (), dict(entry[1])))
    return calls


def digest_of(results: list[tuple[str, object]]) -> str:
    h = hashlib.sha256()
    for kind, r in results:
        res = r if kind == "protect_linked" else {"_": r}
        for name in sorted(res):
            h.update(repr((name, sorted(map(repr, res[name].hidden)))).encode())
    return h.hexdigest()[:16]


def replay(module: ModuleType, calls: list[tuple[str, tuple, dict]], clear: bool) -> tuple:
    """One pass over the calls: (ms per linked call, ms of every protect call, digest)."""
    linked: list[float] = []
    cpu: list[float] = []
    single = 0.0
    results = []
    for kind, args, kwargs in calls:
        if clear and hasattr(module, "clear_memo"):
            module.clear_memo()
        fn = getattr(module, kind)
        t0, c0 = time.perf_counter(), time.process_time()
        r = fn(*args, **kwargs)
        dt = (time.perf_counter() - t0) * 1000
        if kind == "protect_linked":
            linked.append(dt)
            cpu.append((time.process_time() - c0) * 1000)
        else:
            single += dt
        results.append((kind, r))
    return linked, single, digest_of(results), cpu


def report(label: str, module: ModuleType, runs: int) -> None:
    calls = load_calls(module)
    cold = [replay(module, calls, clear=True) for _ in range(runs)]
    digests = {c[2] for c in cold}
    per_call = [statistics.median(c[0][i] for c in cold) for i in range(len(cold[0][0]))]
    cpu = [statistics.median(c[3][i] for c in cold) for i in range(len(cold[0][0]))]
    single = statistics.median(c[1] for c in cold)
    print(
        f"{label}: cold protect_linked",
        " + ".join(f"{ms:.0f}" for ms in per_call),
        "ms (CPU time of this process:",
        " + ".join(f"{ms:.0f}" for ms in cpu),
        "ms)",
    )
    print(f"{label}: cold protect (all {sum(k == 'protect' for k, *_ in calls)}) {single:.1f} ms")
    if hasattr(module, "clear_memo"):
        replay(module, calls, clear=False)  # every call once into the memo
        warm = [replay(module, calls, clear=False) for _ in range(runs)]
        digests |= {w[2] for w in warm}
        per_call = [statistics.median(w[0][i] for w in warm) for i in range(len(warm[0][0]))]
        print(f"{label}: warm protect_linked", " + ".join(f"{ms:.2f}" for ms in per_call), "ms")
        for kind, args, _kwargs in calls:
            if kind == "protect_linked":
                t0 = time.perf_counter()
                for _ in range(20):
                    module.linked_key(*args)
                ms = (time.perf_counter() - t0) * 1000 / 20
                print(f"{label}: memo key of a linked call ({len(args[0])} tables) {ms:.2f} ms")
    print(f"{label}: digest", " ".join(sorted(digests)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--compare", type=Path)
    options = parser.parse_args()
    import scipy.optimize  # noqa: F401 - imported once per process, not part of a call

    gc.collect()  # the first full collection after importing scipy: once per process too

    modules = [("now", anonymity)]
    if options.compare:
        spec = importlib.util.spec_from_file_location("anonymity_other", options.compare)
        assert spec and spec.loader
        other = importlib.util.module_from_spec(spec)
        sys.modules["anonymity_other"] = other
        spec.loader.exec_module(other)
        modules.insert(0, ("other", other))
    for label, module in modules:
        report(label, module, options.runs)


if __name__ == "__main__":
    main()
