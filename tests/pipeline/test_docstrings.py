"""Public functions document exactly their parameters, and docstring examples run."""

from __future__ import annotations

import doctest
import inspect
import re

import pytest

import nbpromote.pipeline as pipeline
from nbpromote.pipeline import _dag, _params, cli

PUBLIC = [
    pipeline.run_pipeline, pipeline.plan_run, pipeline.lineage, pipeline.pipeline_status,
    pipeline.resolve_params, pipeline.serialize, pipeline.deserialize, pipeline.register_serializer,
    pipeline.execute_task, pipeline.get_executor, pipeline.register_executor, pipeline.environment_lock,
    pipeline.key_parts, pipeline.stage_key, pipeline.rerun_reasons, pipeline.ArtifactStore.put, cli.main,
    pipeline.Stage, pipeline.Pipeline, pipeline.ArtifactStore, pipeline.ProcessExecutor,
]


def documented(func) -> list[str]:
    doc = inspect.getdoc(func) or ""
    section = re.search(r"Parameters\n-+\n(.*?)(\n\n[A-Z][a-z]+\n-+\n|\Z)", doc, re.S)
    assert section, f"{func.__qualname__} has no Parameters section"
    names = []
    for line in section.group(1).splitlines():
        match = re.match(r"^([*\w][\w, *]*?)\s*:", line)
        if match and not line.startswith(" "):
            names += [n.strip().lstrip("*") for n in match.group(1).split(",")]
    return names


@pytest.mark.parametrize("func", PUBLIC, ids=lambda f: f.__qualname__)
def test_docstring_parameters_match_the_signature(func):
    params = [name for name, p in inspect.signature(func).parameters.items() if name != "self"]
    assert documented(func) == params


def test_all_public_names_are_exported():
    for name in pipeline.__all__:
        assert hasattr(pipeline, name), name


@pytest.mark.parametrize("module", [_dag, _params], ids=lambda m: m.__name__)
def test_docstring_examples_run(module):
    assert doctest.testmod(module).failed == 0
