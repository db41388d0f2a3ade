"""From request rows to the model's input: the package's own stage code, then the model.

Export writes ``src/<pkg>/serving.json`` (:mod:`nbpromote.export._serving_path`): the stages a
request row passes through and which stage input the request replaces. :class:`FeaturePath` runs
those stage functions, unchanged, on the request frame (the other inputs of a stage, such as a
lookup table, and the parameters come from the run that trained the model), then selects the
columns the model was trained on. ``serve`` and batch ``predict`` both go through it, so there is
no second implementation of the feature code to drift apart.

A package exported before serving paths existed has no ``serving.json``: the model alone is used,
as ``predict`` always did.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import NoServingPathError, ServingError

__all__ = ["ServingPath", "FeaturePath", "Scores", "score", "SERVING_FILE"]

SERVING_FILE = "serving.json"


@dataclass(frozen=True)
class ServingPath:
    """The export's serving path (see :mod:`nbpromote.export._serving_path`)."""

    mode: str = "model"
    stages: tuple[str, ...] = ()
    steps: tuple[Mapping[str, str], ...] = ()
    replaces: str | None = None
    output: str | None = None
    side_inputs: Mapping[str, Sequence[str]] = field(default_factory=dict)
    refusal: str | None = None
    stage_to_split: str | None = None
    passed_through: tuple[str, ...] = ()
    creates: tuple[str, ...] = ()
    recorded: bool = False

    @classmethod
    def of(cls, pipeline: Any) -> ServingPath:
        """The path recorded beside ``pipeline`` (``package_root/serving.json``), or the model alone."""
        root = getattr(pipeline, "root", None) or getattr(pipeline, "package_root", None)
        path = root / SERVING_FILE if root is not None else None
        if path is None or not path.is_file():
            return cls()
        from .._io import read_json

        doc = read_json(path)
        return cls(mode=str(doc.get("mode", "none")), stages=tuple(doc.get("stages") or ()),
                   steps=tuple(doc.get("steps") or ()),
                   replaces=doc.get("replaces"), output=doc.get("output"),
                   side_inputs=dict(doc.get("side_inputs") or {}), refusal=doc.get("refusal"),
                   stage_to_split=doc.get("stage_to_split"),
                   passed_through=tuple(doc.get("passed_through") or ()),
                   creates=tuple(doc.get("creates") or ()), recorded=True)

    def require(self, name: str) -> None:
        """Raise :class:`NoServingPathError` when request rows cannot reach the model."""
        if self.mode == "none":
            raise NoServingPathError(
                f"Pipeline '{name}' cannot score request rows: {self.refusal or 'no serving path was recorded'}.",
                hint="Split that stage in the notebook (tags), export again, and run the pipeline.",
                stage=self.stage_to_split,
            )

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "stages": list(self.stages), "replaces": self.replaces, "output": self.output,
                "side_inputs": {k: list(v) for k, v in self.side_inputs.items()}, "refusal": self.refusal,
                "stage_to_split": self.stage_to_split, "passed_through": list(self.passed_through),
                "creates": list(self.creates),
                "recorded": self.recorded}


class FeaturePath:
    """Callable turning a request frame into ``(model input, rows dropped by a stage)``.

    Parameters
    ----------
    pipeline : Pipeline
    path : ServingPath
    params : dict
        The parameters of the run that trained the model.
    artifacts : dict of str to object
        Values of the stages' side inputs (loaded from that run).
    columns : sequence of str or None
        The model's input columns (``feature_names_in_``, else the profile's features).
    """

    def __init__(self, pipeline: Any, path: ServingPath, *, params: Mapping[str, Any] | None = None,
                 artifacts: Mapping[str, Any] | None = None, columns: Sequence[str] | None = None) -> None:
        path.require(pipeline.name)
        self.path = path
        self.columns = list(columns) if columns else None
        by_name = {s.name: s for s in pipeline.stages}
        params = dict(pipeline.params if params is None else params)
        self._steps = []
        for step in path.steps:
            name, consumes, produces = step["stage"], step["consumes"], step["produces"]
            stage = by_name.get(name)
            if stage is None or consumes not in stage.inputs or produces not in stage.outputs:
                raise ServingError(f"The serving path's stage '{name}' does not match pipeline.py.",
                                   hint="Export the notebook again so serving.json and pipeline.py agree.")
            values = {i: (artifacts or {}).get(i) for i in stage.inputs if i != consumes}
            missing = [i for i, v in values.items() if v is None]
            if missing:
                raise ServingError(f"Stage '{name}' needs {', '.join(missing)} from the training run, which is not "
                                   "in the artifact store.", hint=f"Run the pipeline first: python -m {pipeline.name} run")
            self._steps.append((stage.resolve(), stage, values, {p: params.get(p) for p in stage.params},
                                consumes, produces))

    def __call__(self, frame: Any) -> tuple[Any, list[int]]:
        import pandas as pd

        given = frame
        index = frame.index
        if self._steps or not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
            frame = frame.reset_index(drop=True)  # a frame of our own: stages that add columns leave the caller's alone
        value = frame
        for func, stage, values, params, consumes, produces in self._steps:
            args = [value if name == consumes else values[name] for name in stage.inputs]
            result = func(*args, **params)
            value = result[produces] if isinstance(result, Mapping) and produces in result else result
        dropped: list[int] = []
        if isinstance(value, pd.DataFrame) and len(value) != len(frame):
            kept = set(value.index.tolist())
            dropped = [i for i in range(len(frame)) if i not in kept]
        if self.columns is None or not isinstance(value, pd.DataFrame):
            return value, dropped
        present = list(value.columns)
        width = len(self.columns)
        if present[:width] == self.columns:  # the model's columns lead (a request parsed in their order)
            if len(present) > width:
                return value.iloc[:, :width], dropped
            return (value.copy(deep=False) if value is given else value), dropped  # never the caller's own frame
        missing = [c for c in self.columns if c not in value.columns]
        if missing:
            raise ServingError(
                f"the model needs columns missing from the batch: {', '.join(map(str, missing))}.",
                hint="Send the raw columns the model was trained on (the reference profile's features; "
                     "GET /metadata lists them).")
        return value[self.columns], dropped


@dataclass
class Scores:
    """A model's answer for a frame: predictions, positive-class scores and confidences (or None)."""

    prediction: Any
    score: Any = None
    confidence: Any = None


def score(model: Any, frame: Any) -> Scores:
    """Predict with ``model``; for a classifier with ``predict_proba`` also the score and confidence."""
    proba_fn = getattr(model, "predict_proba", None)
    classes = getattr(model, "classes_", None)
    if proba_fn is not None and classes is not None:
        proba = proba_fn(frame)
        best = proba.argmax(axis=1)
        import numpy as np

        prediction = np.asarray(classes)[best]
        return Scores(prediction=prediction, score=proba[:, 1] if proba.shape[1] == 2 else None,
                      confidence=proba.max(axis=1))
    return Scores(prediction=model.predict(frame))


def _run_record(pipeline: Any, store: Any, run_id: str | None) -> dict[str, Any] | None:
    if run_id:
        try:
            return dict(store.read_run(pipeline.name, run_id))
        except (OSError, ValueError, KeyError):
            pass
    from ..pipeline._lineage import latest_succeeded_run

    return latest_succeeded_run(store, pipeline.name)


def feature_path_for(pipeline: Any, store: Any, *, model: Any, run_id: str | None = None,
                     profile: Any = None) -> FeaturePath:
    """The :class:`FeaturePath` of ``pipeline`` for ``model``, with the params and side inputs of the
    run that trained it (``run_id``; default the latest successful run)."""
    path = ServingPath.of(pipeline)
    path.require(pipeline.name)
    record = _run_record(pipeline, store, run_id) if path.steps else None
    artifacts: dict[str, Any] = {}
    params: dict[str, Any] | None = None
    if record is not None:
        params = {**pipeline.params, **(record.get("params") or {})}
        produced = {name: digest for stage in record.get("stages", []) for name, digest in
                    (stage.get("outputs") or {}).items()}
        for names in path.side_inputs.values():
            for name in names:
                if name in produced and store.has(produced[name]):
                    artifacts[name] = store.get(produced[name])
    columns = [str(c) for c in getattr(model, "feature_names_in_", [])]
    if not columns and profile is not None:
        columns = list(getattr(profile, "features", []) or [])
    return FeaturePath(pipeline, path, params=params, artifacts=artifacts, columns=columns or None)
