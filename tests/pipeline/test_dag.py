"""Pipeline and Stage: declaration checks and DAG order."""

from __future__ import annotations

import pytest

from nbpromote.errors import StageGraphError, UsageError
from nbpromote.pipeline import Pipeline, Stage


def _f(**kwargs):
    return {}


def test_stages_are_ordered_topologically_whatever_the_declaration_order():
    pipeline = Pipeline("p", stages=[
        Stage("train", _f, inputs=("features",), outputs=("model",)),
        Stage("ingest", _f, outputs=("raw",)),
        Stage("features", _f, inputs=("raw",), outputs=("features",)),
    ])
    assert [s.name for s in pipeline.stages] == ["ingest", "features", "train"]


def test_independent_stages_keep_declaration_order():
    pipeline = Pipeline("p", stages=[Stage("b", _f, outputs=("x",)), Stage("a", _f, outputs=("y",))])
    assert [s.name for s in pipeline.stages] == ["b", "a"]


def test_upstream_and_downstream_are_transitive():
    pipeline = Pipeline("p", stages=[
        Stage("a", _f, outputs=("x",)), Stage("b", _f, inputs=("x",), outputs=("y",)),
        Stage("c", _f, inputs=("y",), outputs=("z",)), Stage("d", _f, outputs=("w",)),
    ])
    assert pipeline.upstream("c") == ["a", "b"]
    assert pipeline.upstream("a") == []
    assert pipeline.downstream("b") == ["b", "c"]
    assert pipeline.downstream("d") == ["d"]


def test_cycle_is_an_error_naming_the_stages():
    with pytest.raises(StageGraphError, match="a, b form a cycle"):
        Pipeline("p", stages=[Stage("a", _f, inputs=("y",), outputs=("x",)), Stage("b", _f, inputs=("x",), outputs=("y",))])


def test_output_produced_twice_is_an_error():
    with pytest.raises(StageGraphError, match="'x' is produced by two stages: 'a' and 'b'"):
        Pipeline("p", stages=[Stage("a", _f, outputs=("x",)), Stage("b", _f, outputs=("x",))])


def test_input_nobody_produces_is_an_error():
    with pytest.raises(StageGraphError, match="needs input 'raw', which no stage produces"):
        Pipeline("p", stages=[Stage("a", _f, inputs=("raw",), outputs=("x",))])


def test_duplicate_stage_names_are_an_error():
    with pytest.raises(StageGraphError, match="Two stages are called 'a'"):
        Pipeline("p", stages=[Stage("a", _f, outputs=("x",)), Stage("a", _f, outputs=("y",))])


def test_stage_param_must_be_declared_by_the_pipeline():
    with pytest.raises(StageGraphError, match="uses parameter 'alpha'.*Declared parameters: beta"):
        Pipeline("p", params={"beta": 1}, stages=[Stage("a", _f, params=("alpha",))])
    assert Pipeline("p", params={"alpha": 1}, stages=[Stage("a", _f, params=("alpha",))]).stages[0].params == ("alpha",)


def test_stage_needs_a_callable_and_a_name():
    with pytest.raises(StageGraphError, match="func must be a function or a 'module:function' string"):
        Stage("a", "not a function")
    with pytest.raises(StageGraphError, match="func must be a function"):
        Stage("a", 42)  # type: ignore[arg-type]
    with pytest.raises(StageGraphError, match="non-empty name"):
        Stage("", _f)


def test_string_inputs_are_accepted_as_one_name():
    assert Stage("a", _f, inputs="raw", outputs=["x"]).inputs == ("raw",)


def test_unknown_stage_lookup_lists_the_stages():
    pipeline = Pipeline("p", stages=[Stage("a", _f, outputs=("x",))])
    assert pipeline.stage("a").name == "a"
    with pytest.raises(UsageError, match="no stage 'zzz'.*Stages: a"):
        pipeline.stage("zzz")


def test_to_dict_lists_upstream_stages_and_function_refs():
    pipeline = Pipeline("p", stages=[Stage("a", _f, outputs=("x",)), Stage("b", _f, inputs=("x",))])
    doc = pipeline.to_dict()
    assert doc["stages"][1]["upstream"] == ["a"]
    assert doc["stages"][0]["func"].endswith(":_f")
    assert doc["stages"][0]["upstream"] == []


def test_package_root_defaults_to_the_stages_package(package):
    declared = package.load()
    pipeline = Pipeline("p", params=declared.params, stages=declared.stages)  # no package_root given
    assert pipeline.package_root == package.pkg.resolve()
    assert pipeline.stages[0].source_file == (package.pkg / "stages" / "ingest.py").resolve()


def test_lazy_stage_reference_is_not_imported_until_resolved(package):
    import sys

    module = f"{package.name}.stages.train"
    stage = Stage("train", f"{module}:run", inputs=("X_train", "y_train"), outputs=("model",))
    assert stage.func_ref == f"{module}:run"
    assert stage.source_file == (package.pkg / "stages" / "train.py").resolve()
    assert module not in sys.modules
    assert callable(stage.resolve()) and module in sys.modules


def test_lazy_stage_reference_that_does_not_import_is_a_clear_error():
    from nbpromote.errors import PipelineError

    with pytest.raises(PipelineError, match="Stage 'a': cannot import nope_pkg.mod:run"):
        Stage("a", "nope_pkg.mod:run").resolve()
