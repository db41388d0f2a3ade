"""Cost of verifying an artifact before it is loaded, as a ratio to the load itself.

Every :meth:`ArtifactStore.get` checks the HMAC signature of the metadata and the sha256 of the
stored bytes before deserialising (issue 16, item 1). This measures, in the same run, for a
fitted scikit-learn model (skops), a model holding a user function (pickle), a DataFrame (Parquet)
and a NumPy array (npy):

* ``load``   — read the bytes and deserialise them (what a load cost before verification);
* ``verify`` — the checks alone (signature + sha256 of the bytes already read);
* ``ratio``  — verify / load.

Usage: ``python benchmarks/bench_integrity.py [--quick]``; figures are the best of N repetitions.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def best_of(repeats: int, func: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - started)
    return best


def _identity(x: Any) -> Any:
    return x


def artifacts(rows: int) -> dict[str, Any]:
    import numpy as np
    import pandas as pd
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.random((rows, 8)), columns=[f"f{i}" for i in range(8)])
    y = (X["f0"] + rng.normal(0, 0.1, rows) > 0.5).astype(int)
    forest = RandomForestClassifier(n_estimators=50, max_depth=8, random_state=0).fit(X, y)
    custom = make_pipeline(FunctionTransformer(_identity), RandomForestClassifier(n_estimators=50, max_depth=8,
                                                                                    random_state=0)).fit(X, y)
    return {"RandomForest (skops)": forest, "Pipeline+user fn (pickle)": custom, "DataFrame (parquet)": X,
            "ndarray (npy)": X.to_numpy()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20 000 rows instead of 500 000")
    options = parser.parse_args()
    rows = 20_000 if options.quick else 500_000
    repeats = 3 if options.quick else 5

    from nbpromote.pipeline import ArtifactStore
    from nbpromote.pipeline._integrity import signing_key, verify_bytes
    from nbpromote.pipeline._serializers import deserialize

    print(f"nbpromote artifact verification benchmark: {rows} rows, best of {repeats}")
    print(f"{'artifact':<28}{'format':>8}{'MiB':>8}{'load s':>10}{'verify s':>10}{'ratio':>8}")
    with tempfile.TemporaryDirectory() as folder:
        store = ArtifactStore(Path(folder))
        for label, value in artifacts(rows).items():
            ref = store.put(value)
            meta = store.meta(ref.hash)
            path = store.path(ref.hash)

            def load(path: Path = path, meta: dict[str, Any] = meta) -> Any:
                return deserialize(path.read_bytes(), meta)

            data = path.read_bytes()
            key = signing_key(store.home, create=False)

            def verify(digest: str = ref.hash, meta: dict[str, Any] = meta, data: bytes = data,
                       key: bytes | None = key, where: str = str(path)) -> None:
                verify_bytes(digest, meta, data, key=key, where=where)

            loaded = best_of(repeats, load)
            verified = best_of(repeats, verify)
            print(f"{label:<28}{meta['format']:>8}{ref.size / 2**20:>8.1f}{loaded:>10.4f}{verified:>10.4f}"
                  f"{verified / loaded:>8.3f}")
    print("ratio = (HMAC of the metadata + sha256 of the bytes) / (read + deserialise)")


if __name__ == "__main__":
    main()
