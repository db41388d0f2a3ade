"""The runtime of exported pipeline packages: DAG, content-addressed cache, lineage, executors.

An exported package declares ``PIPELINE = Pipeline(...)`` of :class:`Stage` objects and serves
``python -m <package> run|lineage|status|…`` through :func:`nbpromote.pipeline.cli.main`. From
Python::

    from nbpromote.pipeline import run_pipeline
    record = run_pipeline(PIPELINE, params={"test_size": 0.3})

Importing this package is light (no pandas, pyarrow or scikit-learn), so a cached run is fast.
"""

from ._dag import Pipeline, Stage
from ._executors import (
    EXECUTORS,
    Executor,
    InProcessExecutor,
    ProcessExecutor,
    StageResult,
    StageTask,
    execute_task,
    get_executor,
    register_executor,
)
from ._graph_svg import render_lineage_svg, render_stage_graph_svg
from ._keys import environment_lock, key_parts, rerun_reasons, stage_key
from ._lineage import latest_succeeded_run, lineage, pipeline_status
from ._params import resolve_params
from ._records import RUN_RECORD_SCHEMAS, upgrade_run_record
from ._runner import RUN_RECORD_SCHEMA, RUN_SCHEMA_VERSION, plan_run, run_pipeline
from ._serializers import SERIALIZERS, ArtifactVersionWarning, Serializer, deserialize, serialize
from ._serializers import register as register_serializer
from ._store import ArtifactRef, ArtifactStore, default_home

__all__ = [
    "ArtifactRef",
    "ArtifactStore",
    "ArtifactVersionWarning",
    "EXECUTORS",
    "Executor",
    "InProcessExecutor",
    "Pipeline",
    "ProcessExecutor",
    "RUN_RECORD_SCHEMA",
    "RUN_RECORD_SCHEMAS",
    "RUN_SCHEMA_VERSION",
    "SERIALIZERS",
    "Serializer",
    "Stage",
    "StageResult",
    "StageTask",
    "default_home",
    "deserialize",
    "environment_lock",
    "execute_task",
    "get_executor",
    "key_parts",
    "latest_succeeded_run",
    "lineage",
    "pipeline_status",
    "plan_run",
    "register_executor",
    "register_serializer",
    "render_lineage_svg",
    "render_stage_graph_svg",
    "rerun_reasons",
    "resolve_params",
    "run_pipeline",
    "serialize",
    "stage_key",
    "upgrade_run_record",
]
