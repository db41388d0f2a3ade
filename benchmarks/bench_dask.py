"""Dask executor benchmark: two independent 2-second stages, in process against a local Dask cluster.

Builds a two-stage package whose stages sleep ``--pause`` seconds each and depend on nothing, then
runs it cold (``--force``) in the same process:

1. in process (the baseline): the stages run one after the other, about 2 × pause;
2. on a ``distributed.LocalCluster`` of two single-threaded worker processes: both stages are
   submitted before either is waited for, so the DAG takes about one pause.

Cluster start-up is reported apart (a long-lived cluster pays it once). The scheduler overhead per
stage is (Dask wall time − pause) / stages, the time the runtime and Dask add around each stage.

Usage: ``.venv/bin/python benchmarks/bench_dask.py [--quick] [--pause SECONDS]``
(``--quick``: 0.5-second stages, 2 repetitions; default 2 seconds, 3 repetitions; medians).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

STAGE = '''
import time


def run(*, pause):
    time.sleep(pause)
    return {{"{output}": pause}}
'''

PIPELINE = '''
from nbpromote.pipeline import Pipeline, Stage

from .stages import left, right

PIPELINE = Pipeline(
    name="bench_dask_pipe", version="1.0.0", params={{"pause": {pause}}}, seed=None,
    stages=[Stage("left", left.run, outputs=("left_out",), params=("pause",)),
            Stage("right", right.run, outputs=("right_out",), params=("pause",))],
)
'''


def make_package(root: Path, pause: float) -> None:
    pkg = root / "src" / "bench_dask_pipe"
    (pkg / "stages").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "stages" / "__init__.py").write_text("")
    (pkg / "stages" / "left.py").write_text(textwrap.dedent(STAGE.format(output="left_out")))
    (pkg / "stages" / "right.py").write_text(textwrap.dedent(STAGE.format(output="right_out")))
    (pkg / "pipeline.py").write_text(textwrap.dedent(PIPELINE.format(pause=pause)))
    sys.path.insert(0, str(root / "src"))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--pause", type=float, default=None)
    args = parser.parse_args(argv)
    pause = args.pause or (0.5 if args.quick else 2.0)
    repetitions = 2 if args.quick else 3

    from nbpromote.pipeline import run_pipeline
    from nbpromote.pipeline._dask import DaskExecutor

    with tempfile.TemporaryDirectory(prefix="nbpromote-bench-dask-") as folder:
        root = Path(folder)
        make_package(root, pause)
        import importlib

        pipeline = importlib.import_module("bench_dask_pipe.pipeline").PIPELINE

        def timed(executor: object) -> float:
            started = time.perf_counter()
            run_pipeline(pipeline, store=root / "home", executor=executor, force=True)  # type: ignore[arg-type]
            return time.perf_counter() - started

        inprocess = [timed("inprocess") for _ in range(repetitions)]
        started = time.perf_counter()
        executor = DaskExecutor(n_workers=2)
        startup = time.perf_counter() - started
        try:
            # run_pipeline closes the executor it is given: hand it a wrapper that keeps the cluster.
            class Keep(DaskExecutor):
                def __init__(self) -> None:
                    self.__dict__.update(executor.__dict__)

                def close(self) -> None:
                    pass

            on_dask = [timed(Keep()) for _ in range(repetitions)]
        finally:
            executor.close()

    base, dask = statistics.median(inprocess), statistics.median(on_dask)
    print(f"two independent {pause:g}-second stages, medians of {repetitions} cold runs")
    print(f"  in process           {base:7.2f} s   (baseline: the stages run one after the other)")
    print(f"  dask (2 workers)     {dask:7.2f} s   ratio {dask / base:.2f} of in process")
    print(f"  cluster start-up     {startup:7.2f} s   (once per cluster, not per run)")
    print(f"  overhead per stage   {(dask - pause) / 2 * 1000:7.0f} ms  (dask wall − one pause, over 2 stages)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
