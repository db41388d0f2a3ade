"""A small, real pipeline package written to a tmp dir: stage modules are real files on disk, so
code hashing reads real source, and the stages use real pandas and scikit-learn."""

from __future__ import annotations

import importlib
import itertools
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

_COUNTER = itertools.count()

COMMON = '''
FEATURES = ["income", "debt", "age"]
TARGET = "default"
'''

STAGES = {
    "ingest": '''
        import pandas as pd

        from ..common import FEATURES, TARGET


        def run(*, data_path):
            raw = pd.read_csv(data_path)
            return {"raw": raw[FEATURES + [TARGET]]}
    ''',
    "split": '''
        from sklearn.model_selection import train_test_split

        from ..common import FEATURES, TARGET


        def run(raw, *, test_size):
            # random_state=None on purpose: the runtime's seed makes it reproducible
            X_train, X_test, y_train, y_test = train_test_split(
                raw[FEATURES], raw[TARGET], test_size=test_size
            )
            return {"X_train": X_train, "X_test": X_test, "y_train": y_train, "y_test": y_test}
    ''',
    "train": '''
        from sklearn.ensemble import RandomForestClassifier


        def run(X_train, y_train, *, n_estimators):
            model = RandomForestClassifier(n_estimators=n_estimators, max_depth=4)
            model.fit(X_train, y_train)
            return {"model": model}
    ''',
    "evaluate": '''
        from sklearn.metrics import accuracy_score, roc_auc_score


        def run(model, X_test, y_test):
            proba = model.predict_proba(X_test)[:, 1]
            return {"metrics": {"accuracy": accuracy_score(y_test, proba > 0.5),
                                "roc_auc": roc_auc_score(y_test, proba)}}
    ''',
}

PIPELINE = '''
from pathlib import Path

from nbpromote.pipeline import Pipeline, Stage

from .stages import evaluate, ingest, split, train

PIPELINE = Pipeline(
    name="{name}",
    version="0.1.0",
    params={{"data_path": "{data}", "test_size": 0.25, "n_estimators": 20}},
    seed=42,
    stages=[
        Stage("ingest", ingest.run, inputs=(), outputs=("raw",), params=("data_path",)),
        Stage("split", split.run, inputs=("raw",), outputs=("X_train", "X_test", "y_train", "y_test"), params=("test_size",)),
        Stage("train", train.run, inputs=("X_train", "y_train"), outputs=("model",), params=("n_estimators",)),
        Stage("evaluate", evaluate.run, inputs=("model", "X_test", "y_test"), outputs=("metrics",)),
    ],
    package_root=Path(__file__).resolve().parent,
    roles={{"model": "model", "metrics": "metrics", "reference": "X_train", "target": "y_train",
           "holdout_X": "X_test", "holdout_y": "y_test"}},
)
'''

MAIN = '''
from nbpromote.pipeline.cli import main

from .pipeline import PIPELINE

main(PIPELINE)
'''


def write_data(path: Path, rows: int = 300, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    income = rng.normal(50, 15, rows).round(2)
    debt = rng.normal(20, 8, rows).round(2)
    age = rng.integers(18, 80, rows)
    risk = 0.08 * debt - 0.05 * income + rng.normal(0, 1, rows)
    frame = pd.DataFrame({"income": income, "debt": debt, "age": age, "default": (risk > np.median(risk)).astype(int)})
    frame.to_csv(path, index=False)
    return path


class Package:
    """A pipeline package on disk plus helpers to (re)import it and edit its files."""

    def __init__(self, root: Path, name: str, data: Path) -> None:
        self.root, self.name, self.data = root, name, data
        self.pkg = root / "src" / name
        self.src = root / "src"

    def write(self, relative: str, text: str) -> None:
        path = self.pkg / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.pkg / relative
        text = path.read_text()
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new))

    def load(self):
        """Import (fresh) and return the package's PIPELINE."""
        for module in [m for m in sys.modules if m == self.name or m.startswith(self.name + ".")]:
            del sys.modules[module]
        importlib.invalidate_caches()
        return importlib.import_module(f"{self.name}.pipeline").PIPELINE


def make_package(tmp_path: Path, *, stages: dict[str, str] | None = None, pipeline: str | None = None,
                 with_common: bool = True) -> Package:
    name = f"toypipe_{next(_COUNTER)}_{abs(hash(str(tmp_path))) % 10**6}"
    data = write_data(tmp_path / "credit.csv")
    package = Package(tmp_path, name, data)
    package.write("__init__.py", "")
    if with_common:
        package.write("common.py", COMMON)
    package.write("stages/__init__.py", "")
    for stage, source in (stages or STAGES).items():
        package.write(f"stages/{stage}.py", source)
    package.write("pipeline.py", (pipeline or PIPELINE).format(name=name, data=data))
    package.write("__main__.py", MAIN)
    if str(package.src) not in sys.path:
        sys.path.insert(0, str(package.src))
    return package


@pytest.fixture
def package(tmp_path: Path):
    pkg = make_package(tmp_path)
    yield pkg
    if str(pkg.src) in sys.path:
        sys.path.remove(str(pkg.src))


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "home"
