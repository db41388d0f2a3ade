"""The pipeline model: :class:`Stage`, :class:`Pipeline` and the DAG checks.

An exported package declares its DAG with these two classes in ``src/<name>/pipeline.py`` (see
docs/architecture.md, "The exported package ↔ the runtime"). Building a :class:`Pipeline` validates
the graph once, so a wrong declaration fails at import with a message naming the stages, never in
the middle of a run.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import StageGraphError, UsageError

__all__ = ["Stage", "Pipeline"]

#: Role names the package CLI understands (a role whose output does not exist is not used).
ROLES = ("model", "metrics", "reference", "target", "prediction", "holdout_X", "holdout_y")


@dataclass(frozen=True)
class Stage:
    """One step of a pipeline: a plain function with declared inputs, outputs and params.

    Parameters
    ----------
    name : str
        Stage name, unique in the pipeline (``"ingest"``, ``"train"`` …).
    func : callable or str
        ``def run(<inputs…>, *, <params…>) -> dict[str, object]`` returning exactly ``outputs``.
        It must live in an importable module (the process executor imports it by name, and the
        module's source file is part of the stage's cache key). A ``"module:function"`` string
        is imported only when the stage actually runs, so a fully cached run never imports the
        stage's libraries (pandas, scikit-learn …): the fast form for generated packages.
    inputs : tuple of str, default=()
        Names of artifacts produced by earlier stages, passed as positional-or-keyword arguments.
    outputs : tuple of str, default=()
        Names of the artifacts the function returns.
    params : tuple of str, default=()
        Pipeline parameters the stage uses, passed as keyword arguments.

    Examples
    --------
    >>> def run(raw, *, test_size):
    ...     return {"train": raw}
    >>> Stage("split", run, inputs=("raw",), outputs=("train",), params=("test_size",)).name
    'split'
    """

    name: str
    func: Callable[..., Mapping[str, Any]] | str
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    params: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Accept lists from hand-written pipelines; keep the dataclass hashable and immutable.
        for attribute in ("inputs", "outputs", "params"):
            value = getattr(self, attribute)
            if isinstance(value, str):
                value = (value,)
            object.__setattr__(self, attribute, tuple(value))
        if not self.name or not isinstance(self.name, str):
            raise StageGraphError(f"A stage needs a non-empty name, got {self.name!r}.")
        func = self.func
        bad_ref = isinstance(func, str) and (func.count(":") != 1 or not all(func.split(":")))
        if bad_ref or not (isinstance(func, str) or callable(func)):
            raise StageGraphError(
                f"Stage '{self.name}': func must be a function or a 'module:function' string, got {self.func!r}.",
                hint="Pass the stage module's run function, e.g. Stage('train', train.run, …) or "
                     "Stage('train', 'mypkg.stages.train:run', …).",
                stage=self.name,
            )

    @property
    def func_ref(self) -> str:
        """``"module:qualname"`` of the function, how another process imports it."""
        if isinstance(self.func, str):
            return self.func
        return f"{self.func.__module__}:{self.func.__qualname__}"

    @property
    def module_name(self) -> str:
        return self.func_ref.partition(":")[0]

    def resolve(self) -> Callable[..., Mapping[str, Any]]:
        """The stage function, importing its module now if it was given as a string."""
        if not isinstance(self.func, str):
            return self.func
        import importlib

        from ..errors import PipelineError

        module_name, _, qualname = self.func.partition(":")
        try:
            target: Any = importlib.import_module(module_name)
            for part in qualname.split("."):
                target = getattr(target, part)
        except (ImportError, AttributeError) as exc:
            raise PipelineError(
                f"Stage '{self.name}': cannot import {self.func} ({exc}).",
                hint="Install the package (pip install -e .) or run from the directory holding it.",
                stage=self.name,
            ) from None
        return target

    @property
    def source_file(self) -> Path | None:
        """The file holding the stage function's module, read at run time for the code hash.

        Found without importing the module when it is not imported yet.
        """
        module = sys.modules.get(self.module_name)
        path = getattr(module, "__file__", None)
        if path is None and isinstance(self.func, str):
            import importlib.util

            try:
                spec = importlib.util.find_spec(self.module_name)
            except (ImportError, ValueError):
                spec = None
            path = spec.origin if spec is not None and spec.has_location else None
        elif path is None:
            import inspect

            try:
                path = inspect.getsourcefile(self.func)  # type: ignore[arg-type]
            except TypeError:
                path = None
        return Path(path).resolve() if path else None


@dataclass
class Pipeline:
    """A DAG of stages with typed parameter defaults, a seed and the package it belongs to.

    Parameters
    ----------
    name : str
        Pipeline (package) name; run records live under ``runs/<name>/``.
    version : str
        Package version, recorded in every run record.
    params : mapping, default={}
        Parameter defaults (from the notebook's ``parameters`` cell). Their types are the types
        ``--param k=v`` values are converted to.
    seed : int or None, default=None
        Seed applied before every stage; ``None`` leaves the random state alone.
    stages : list of Stage, default=[]
        In any order; the runtime orders them topologically (declaration order breaks ties).
    package_root : str or Path or None, default=None
        The package directory holding ``common.py``, ``requirements.lock`` and ``lineage.json``.
        Defaults to the directory of the first stage's module's package.
    roles : mapping, default={}
        Role → output name: ``model``, ``metrics``, ``reference``, ``target``, ``holdout_X``,
        ``holdout_y`` (``prediction`` optional). Roles naming no output are ignored.

    Raises
    ------
    StageGraphError
        Duplicate stage names, an output produced by two stages, an input nobody produces, a stage
        parameter that is not a pipeline parameter, or a cycle; the message names the stages.
    """

    name: str
    version: str = "0.0.0"
    params: Mapping[str, Any] = field(default_factory=dict)
    seed: int | None = None
    stages: list[Stage] = field(default_factory=list)
    package_root: str | Path | None = None
    roles: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.params = dict(self.params)
        self.roles = dict(self.roles)
        self.stages = list(self.stages)
        if self.package_root is None and self.stages:
            source = self.stages[0].source_file
            if source is not None:
                # stages live in <root>/stages/<stage>.py
                self.package_root = source.parent.parent if source.parent.name == "stages" else source.parent
        self.package_root = Path(self.package_root).resolve() if self.package_root else None
        self.stages = _toposort(self.stages, self.params)

    # -- lookups --------------------------------------------------------------------------------
    def stage(self, name: str) -> Stage:
        """The stage called ``name``; :class:`UsageError` listing the stages otherwise."""
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise UsageError(
            f"Pipeline '{self.name}' has no stage '{name}'.",
            hint=f"Stages: {', '.join(s.name for s in self.stages)}.", stage=name,
        )

    def producer(self, output: str) -> Stage | None:
        """The stage that produces ``output``, or None."""
        for stage in self.stages:
            if output in stage.outputs:
                return stage
        return None

    def upstream(self, name: str) -> list[str]:
        """Names of every stage ``name`` depends on, transitively, in DAG order."""
        needed: set[str] = set()
        pending = [self.stage(name)]
        while pending:
            stage = pending.pop()
            for item in stage.inputs:
                parent = self.producer(item)
                if parent is not None and parent.name not in needed:
                    needed.add(parent.name)
                    pending.append(parent)
        return [s.name for s in self.stages if s.name in needed]

    def downstream(self, name: str) -> list[str]:
        """``name`` and every stage that depends on it, transitively, in DAG order."""
        reached = {name}
        self.stage(name)
        for stage in self.stages:  # DAG order: parents are decided before children
            if any((p := self.producer(i)) is not None and p.name in reached for i in stage.inputs):
                reached.add(stage.name)
        return [s.name for s in self.stages if s.name in reached]

    @property
    def root(self) -> Path | None:
        """``package_root`` as a resolved Path (None when the pipeline has no package)."""
        return Path(self.package_root) if self.package_root is not None else None

    @property
    def outputs(self) -> list[str]:
        return [o for s in self.stages for o in s.outputs]

    def to_dict(self) -> dict[str, Any]:
        """The DAG as JSON: what ``status`` shows and an Airflow/KFP exporter would read."""
        return {
            "name": self.name,
            "version": self.version,
            "seed": self.seed,
            "params": dict(self.params),
            "roles": dict(self.roles),
            "stages": [
                {
                    "name": s.name,
                    "func": s.func_ref,
                    "inputs": list(s.inputs),
                    "outputs": list(s.outputs),
                    "params": list(s.params),
                    "upstream": sorted({p.name for i in s.inputs if (p := self.producer(i)) is not None}),
                }
                for s in self.stages
            ],
        }


def _toposort(stages: Iterable[Stage], params: Mapping[str, Any]) -> list[Stage]:
    stages = list(stages)
    by_name: dict[str, Stage] = {}
    producers: dict[str, str] = {}
    for stage in stages:
        if stage.name in by_name:
            raise StageGraphError(f"Two stages are called '{stage.name}'.", hint="Stage names must be unique.", stage=stage.name)
        by_name[stage.name] = stage
        for output in stage.outputs:
            if output in producers:
                raise StageGraphError(
                    f"Output '{output}' is produced by two stages: '{producers[output]}' and '{stage.name}'.",
                    hint="Rename one of them so each artifact has exactly one producer.",
                    stage=stage.name, output=output,
                )
            producers[output] = stage.name
        for param in stage.params:
            if param not in params:
                raise StageGraphError(
                    f"Stage '{stage.name}' uses parameter '{param}', which the pipeline does not declare.",
                    hint=f"Declared parameters: {', '.join(params) or '(none)'}.", stage=stage.name,
                )
    for stage in stages:
        for item in stage.inputs:
            if item not in producers:
                raise StageGraphError(
                    f"Stage '{stage.name}' needs input '{item}', which no stage produces.",
                    hint="Add the stage that produces it, or remove the input.", stage=stage.name, input=item,
                )
    # Kahn's algorithm; among ready stages the declaration order wins, so the order is stable.
    parents = {s.name: {producers[i] for i in s.inputs} for s in stages}
    ordered: list[Stage] = []
    done: set[str] = set()
    while len(ordered) < len(stages):
        ready = [s for s in stages if s.name not in done and parents[s.name] <= done]
        if not ready:
            stuck = [s.name for s in stages if s.name not in done]
            raise StageGraphError(
                f"The stages {', '.join(stuck)} form a cycle (each waits for another's output).",
                hint="Break the cycle: an artifact must be produced before the stage that uses it.",
                stages=stuck,
            )
        ordered.append(ready[0])
        done.add(ready[0].name)
    return ordered
