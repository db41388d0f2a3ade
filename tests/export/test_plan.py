"""Stage plan: tags → stages, inferred inputs/outputs, versions, roles, and every ambiguity as a clear error."""

import pytest

from nbpromote.errors import ExportError, ParametersCellError, SerializationError, StageGraphError
from nbpromote.export import plan_stages

from .conftest import CREDIT_CELLS, notebook


def _io(plan):
    return {s.name: ([a for a, _ in s.inputs], [a for a, _ in s.outputs]) for s in plan.stages}


def test_credit_notebook_plan_has_inputs_outputs_params_and_roles():
    plan = plan_stages(notebook(*CREDIT_CELLS))
    assert [s.name for s in plan.stages] == ["ingest", "validate", "features", "train", "evaluate"]
    assert _io(plan) == {
        "ingest": ([], ["df_ingest"]),
        "validate": (["df_ingest"], ["df"]),
        "features": (["df"], ["X_train", "X_test", "y_train", "y_test"]),
        "train": (["X_train", "y_train"], ["model"]),
        "evaluate": (["model", "X_test", "y_test"], ["metrics"]),
    }
    assert plan.stage("ingest").params == ["data_path"]
    assert plan.stage("features").params == ["test_size", "seed"]
    assert plan.roles == {"model": "model", "metrics": "metrics", "reference": "X_train", "target": "y_train",
                          "holdout_X": "X_test", "holdout_y": "y_test"}
    assert plan.skipped == [3]
    assert [p.name for p in plan.params] == ["data_path", "test_size", "C", "seed"]
    # The untagged `X_train.shape` cell joined the features stage above it.
    assert [n.cell.index for n in plan.stage("features").cells] == [5, 6]
    assert plan.stage("features").upstream == ["validate"]


def test_to_dict_is_json_with_schema_version_and_removed_lines():
    doc = plan_stages(notebook(*CREDIT_CELLS)).to_dict()
    assert doc["schema_version"] == 1
    assert doc["stages"][0]["removed"] == [{"cell": 2, "line": 1, "code": "%matplotlib inline"},
                                           {"cell": 2, "line": 3, "code": "df.head()"}]
    assert doc["stages"][1]["variables"] == {"df_ingest": "df"}


def test_rebinding_in_a_later_stage_is_a_new_version_read_by_the_stages_after_it():
    plan = plan_stages(notebook(
        (["stage:load"], "df = [3, 1, 2]"),
        (["stage:clean"], "df = sorted(df)"),
        (["stage:use"], "first = df[0]"),
        (["stage:report"], "out = {'first': first}"),
    ))
    assert _io(plan)["load"] == ([], ["df_load"])
    assert _io(plan)["clean"] == (["df_load"], ["df"])
    assert _io(plan)["use"] == (["df"], ["first"])
    assert plan.stage("clean").inputs == [("df_load", "df")]


def test_in_place_change_across_stages_becomes_an_explicit_output():
    plan = plan_stages(notebook(
        (["stage:load"], "df = {'a': 1}"),
        (["stage:enrich"], "df['b'] = 2"),
        (["stage:use"], "total = df['a'] + df['b']"),
    ))
    assert _io(plan) == {"load": ([], ["df_load"]), "enrich": (["df_load"], ["df"]), "use": (["df"], [])}


def test_in_place_change_nobody_reads_later_stays_local_to_the_stage():
    plan = plan_stages(notebook(
        (["stage:load"], "df = {'a': 1}"),
        (["stage:enrich"], "df['b'] = 2\nn = len(df)"),
        (["stage:use"], "total = n + 1"),
    ))
    assert _io(plan) == {"load": ([], ["df"]), "enrich": (["df"], ["n"]), "use": (["n"], [])}


def test_checking_stage_passes_its_data_on_so_later_stages_wait_for_it():
    plan = plan_stages(notebook(
        (["stage:ingest"], "rows = [1, 2]"),
        (["stage:validate"], "assert all(r > 0 for r in rows)"),
        (["stage:features"], "doubled = [r * 2 for r in rows]"),
    ))
    assert _io(plan)["validate"] == (["rows_ingest"], ["rows"])
    assert plan.stage("features").upstream == ["validate"]


def test_a_stage_that_checks_nothing_does_not_pass_data_through():
    plan = plan_stages(notebook((["stage:a"], "rows = [1]"), (["stage:b"], "n = len(rows)"), (["stage:c"], "m = rows")))
    assert _io(plan)["b"] == (["rows"], [])


def test_model_role_found_from_fit_and_metrics_from_a_score_dict():
    plan = plan_stages(notebook(
        (["imports"], "from sklearn.linear_model import LinearRegression"),
        (["stage:train"], "xs = [[0], [1]]\nys = [0, 1]\nclf = LinearRegression()\nclf.fit(xs, ys)"),
        (["stage:check"], "scores = {'r2': clf.score(xs, ys)}"),
    ))
    # the metric computation inside the notebook's own dict is recorded under the notebook's key
    assert plan.roles == {"model": "clf", "metrics": "metrics"}
    assert _io(plan)["train"] == ([], ["xs", "ys", "clf"])
    assert _io(plan)["check"] == (["clf", "xs", "ys"], ["metrics"])
    assert "_nbp_metric(_nbp_metrics, scores['r2'], 'name', name='r2')" in plan.stage("check").cells[0].python


def test_a_dict_literal_that_is_not_a_metric_is_never_the_metrics():
    plan = plan_stages(notebook(
        (["imports"], "from sklearn.svm import SVC\nfrom sklearn.model_selection import GridSearchCV"),
        (["stage:train"], "xs = [[0], [1], [0], [1]]\nys = [0, 1, 0, 1]\nparam_grid = {'C': [1, 10]}\n"
                          "search = GridSearchCV(SVC(), param_grid, cv=2)\nsearch.fit(xs, ys)"),
    ))
    assert "metrics" not in plan.roles


def test_no_roles_when_nothing_looks_like_a_model_or_metrics():
    assert plan_stages(notebook((["stage:a"], "x = 1"), (["stage:b"], "y = x + 1"))).roles == {}


def test_imports_anywhere_are_shared_not_artifacts():
    plan = plan_stages(notebook(
        (["stage:a"], "import math\nx = math.pi"),
        (["stage:b"], "y = math.floor(x)"),
    ))
    assert _io(plan) == {"a": ([], ["x"]), "b": (["x"], [])}
    assert plan.stage("b").common == ["math"]
    assert plan.hoisted_imports == ["import math"]


def test_untagged_import_and_def_cells_before_the_first_stage_are_shared():
    plan = plan_stages(notebook(
        (None, "import os"), (None, "def twice(v):\n    return 2 * v"), (None, ""),
        (["stage:a"], "x = twice(1)"),
    ))
    assert [n.cell.index for n in plan.shared] == [0, 1]
    assert plan.stage("a").common == ["twice"]


def test_kale_tags_are_read():
    plan = plan_stages(notebook(
        (["pipeline-parameters"], "n = 3"),
        (["block:make"], "x = list(range(n))"),
        (["block:other"], "y = 1"),
        (["block:use", "prev:other"], "z = sum(x)"),
    ))
    assert [p.name for p in plan.params] == ["n"]
    assert plan.stage("use").upstream == ["make", "other"]


def test_skip_applies_to_its_cell_only_and_foreign_tags_are_ignored():
    plan = plan_stages(notebook(
        (["stage:a"], "x = 1"), (["skip"], "x"), (["nbval-ignore-output"], "y = x + 1"),
    ))
    assert [n.cell.index for n in plan.stage("a").cells] == [0, 2]
    assert plan.skipped == [1]


def test_papermill_injected_parameters_cell_is_left_out_with_a_warning():
    plan = plan_stages(notebook(
        (["parameters"], "n = 1"), (["injected-parameters"], "n = 5"), (["stage:a"], "x = n"),
    ))
    assert plan.params[0].default == 1 and plan.skipped == [1]
    assert "injected-parameters" in plan.warnings[0]


def test_seed_comes_from_the_promote_seed_magic_even_with_a_parameter():
    nb = notebook((["parameters"], "seed = 11"), (["skip"], "%promote seed {seed}"), (["stage:a"], "x = seed"))
    assert plan_stages(nb).seed == 11
    assert plan_stages(notebook((["skip"], "%promote seed 5"), (["stage:a"], "x = 1"))).seed == 5
    assert plan_stages(notebook((["stage:a"], "x = 1"))).seed is None


def test_plan_reads_a_notebook_file_and_names_it(tmp_path):
    from .conftest import write

    path = write(notebook((["stage:a"], "x = 1")), tmp_path / "nb.ipynb")
    assert plan_stages(path).notebook == "nb.ipynb"


# --- bad input -------------------------------------------------------------------------------
def _error(cells, kind=StageGraphError):
    with pytest.raises(kind) as info:
        plan_stages(notebook(*cells), notebook="nb.ipynb")
    return str(info.value)


def test_untagged_notebook_points_to_suggest_tags():
    message = _error([(None, "import pandas"), (None, "x = 1")])
    assert "no stage tags" in message and "nbpromote suggest-tags" in message


def test_computing_cells_before_the_first_stage_are_named():
    message = _error([(None, "x = 1"), (None, "y = 2"), (["stage:a"], "z = x")])
    assert "cells 1, 2 come before the first stage tag" in message


def test_stage_with_no_code_names_its_cells():
    message = _error([(["stage:a"], "x = 1"), (["stage:empty"], "# nothing yet"), (["stage:b"], "y = x")])
    assert "stage 'empty'" in message and "cell 2" in message and "no code" in message


def test_stage_with_only_display_code_is_a_stage_with_no_code():
    message = _error([(["stage:a"], "x = 1"), (["stage:look"], "x\nprint(x)")])
    assert "stage 'look'" in message and "display-only" in message


def test_name_used_before_it_is_produced():
    message = _error([(["stage:a"], "y = x + 1"), (["stage:b"], "x = 1")])
    assert "cell 1" in message and "before it is produced" in message and "cell 2 (stage 'b')" in message


def test_name_bound_only_in_a_skipped_cell():
    message = _error([(["skip"], "lookup = {'a': 1}"), (["stage:a"], "v = lookup['a']")])
    assert "only the skipped cell 1" in message and "Remove the `skip` tag" in message


def test_name_bound_nowhere_is_reported_with_the_line():
    message = _error([(["stage:a"], "x = 1\ny = ghost + x")])
    assert "cell 1 (id cell-0), line 2" in message and "`ghost`" in message


def test_a_stage_may_not_rebind_a_parameter():
    message = _error([(["parameters"], "n = 1"), (["stage:a"], "n = n + 1")])
    assert "rebinds the parameter `n`" in message


def test_reader_between_two_bindings_of_one_stage_is_ambiguous():
    message = _error([(["stage:a"], "x = 1"), (["stage:b"], "y = x"), (["stage:a"], "x = 2")])
    assert "`x` is bound by stage 'a' in cell 1" in message and "stage 'b' (cell 2" in message


def test_interleaved_stages_that_depend_on_each_other_are_a_cycle():
    message = _error([(["stage:a"], "x = 1"), (["stage:b"], "y = x + 1"), (["stage:a"], "z = y + 1"),
                      (["stage:c"], "w = z")])
    assert "cycle" in message and "'a'" in message and "'b'" in message


def test_kale_prev_pointing_backwards_is_a_cycle():
    message = _error([(["block:a", "prev:b"], "x = 1"), (["block:b"], "y = x")])
    assert "cycle: a → b → a" in message or "cycle: b → a → b" in message


@pytest.mark.parametrize("tags", [["stage:a", "stage:b"], ["imports", "stage:a"]])
def test_conflicting_tags_on_one_cell(tags):
    assert "conflicting tags" in _error([(tags, "x = 1")])


def test_a_second_parameters_cell_is_refused():
    assert "second parameters cell" in _error([(["parameters"], "a = 1"), (["parameters"], "b = 2"), (["stage:s"], "x = a")])


@pytest.mark.parametrize("name", ["1st", "pipeline", "my.stage", "class", "Stage"])
def test_stage_names_must_be_module_names(name):
    assert "cannot be a Python module name" in _error([([f"stage:{name}"], "x = 1")])


def test_parameters_cell_with_computation_is_refused():
    message = _error([(["parameters"], "import os\nn = os.cpu_count()"), (["stage:a"], "x = 1")], ParametersCellError)
    assert "line 1" in message


def test_cell_that_does_not_parse_is_named():
    assert "cell 2 (id cell-1) does not parse" in _error([(["stage:a"], "x = 1"), (None, "y = (")], ExportError)


@pytest.mark.parametrize("source, kind", [
    ("f = lambda v: v + 1", "a lambda"),
    ("def f(v):\n    return v", "a function"),
    ("class f:\n    pass", "a class"),
])
def test_functions_and_classes_handed_between_stages_are_stored_with_cloudpickle(source, kind):
    plan = plan_stages(notebook((["stage:a"], source), (["stage:b"], "y = f")))
    assert _io(plan)["a"] == ([], ["f"])
    assert any(f"`f` ({kind})" in w and "cloudpickle" in w for w in plan.warnings)


def test_a_function_handed_to_a_later_stage_runs_there():
    from nbpromote.pipeline._serializers import serialize

    def scale(v):
        return v * 3

    serializer, data, _digest, meta = serialize(lambda v: scale(v) + 1)
    assert serializer.name == "cloudpickle" and meta["format"] == "cloudpickle"
    assert serializer.load(data, meta)(2) == 7


@pytest.mark.parametrize("source, kind", [
    ("f = (v for v in range(3))", "a generator"),
    ("f = open('x.txt')", "an open file"),
])
def test_outputs_that_cannot_be_artifacts_are_named_with_a_fix(source, kind):
    message = _error([(["stage:a"], source), (["stage:b"], "y = f")], SerializationError)
    assert f"`f` ({kind})" in message and "cell 1" in message
    assert "functions" in message or "Materialise" in message


def test_a_lambda_used_only_inside_its_stage_is_fine():
    plan = plan_stages(notebook((["stage:a"], "f = lambda v: v + 1\nx = f(1)"), (["stage:b"], "y = x")))
    assert _io(plan)["a"] == ([], ["x"])


def test_shared_code_that_reads_params_or_stage_values_is_refused():
    message = _error([(["parameters"], "data_path = 'x.csv'"),
                      (["functions"], "def load():\n    return open(data_path).read()"),
                      (["stage:a"], "text = load()")])
    assert "cell 2 (id cell-1) is shared" in message and "`data_path`" in message and "function arguments" in message


def test_shared_functions_may_use_each_other_and_imports():
    plan = plan_stages(notebook((["imports"], "import math"),
                                (["functions"], "def root(v):\n    return math.sqrt(v)\n\ndef twice_root(v):\n    return 2 * root(v)"),
                                (["stage:a"], "x = twice_root(4)")))
    assert plan.stage("a").common == ["twice_root"]


def test_a_stage_reading_two_versions_of_one_name_is_ambiguous():
    message = _error([(["stage:a"], "x = 1"), (["stage:s"], "y = x"), (["stage:b"], "x = 2"), (["stage:s"], "z = x")])
    assert "stage 's' reads `x` from stage 'a' in one cell and from stage 'b' here" in message
