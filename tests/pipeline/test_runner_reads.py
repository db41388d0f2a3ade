"""The cache covers every file a stage actually reads, however it names it (issue 12, bug 1).

Each stage below reads one file in one of the ways real notebooks do; editing that file must rerun
that stage (the run record says which file changed) and nothing else unless its output changed.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nbpromote.pipeline import run_pipeline

from .conftest import make_package

READERS = {
    # stage name: (file it reads, source of the stage's run function)
    "literal": ("data/literal.csv", '''
        import pandas as pd

        def run():
            return {"literal": int(pd.read_csv("data/literal.csv")["v"].sum())}
    '''),
    "concat": ("data/concat.csv", '''
        import pandas as pd

        def run(*, data_dir):
            return {"concat": int(pd.read_csv(data_dir + "concat.csv")["v"].sum())}
    '''),
    "joined": ("data/joined.csv", '''
        import os
        import pandas as pd

        def run(*, data_dir):
            return {"joined": int(pd.read_csv(os.path.join(data_dir, "joined.csv"))["v"].sum())}
    '''),
    "fstring": ("data/fstring.csv", '''
        import pandas as pd

        def run(*, data_dir):
            name = "fstring"
            return {"fstring": int(pd.read_csv(f"{data_dir}{name}.csv")["v"].sum())}
    '''),
    "pathdiv": ("data/pathdiv.csv", '''
        from pathlib import Path
        import pandas as pd

        def run(*, data_dir):
            return {"pathdiv": int(pd.read_csv(Path(data_dir) / "pathdiv.csv")["v"].sum())}
    '''),
    "dictparam": ("data/dictparam.csv", '''
        import pandas as pd

        def run(*, files):
            return {"dictparam": int(pd.read_csv(files["train"])["v"].sum())}
    '''),
    "opened": ("data/opened.txt", '''
        def run():
            with open("data/opened.txt") as handle:
                return {"opened": len(handle.read().split())}
    '''),
    "npload": ("data/array.npy", '''
        import numpy as np

        def run(*, data_dir):
            return {"npload": int(np.load(data_dir + "array.npy").sum())}
    '''),
    "joblibload": ("data/model.joblib", '''
        import joblib

        def run(*, data_dir):
            return {"joblibload": joblib.load(data_dir + "model.joblib")["w"]}
    '''),
    "pickleload": ("data/obj.pkl", '''
        import pickle

        def run(*, data_dir):
            with open(data_dir + "obj.pkl", "rb") as handle:
                return {"pickleload": sum(pickle.load(handle))}
    '''),
    "parquet": ("data/table.parquet", '''
        import pandas as pd

        def run(*, data_dir):
            return {"parquet": int(pd.read_parquet(data_dir + "table.parquet")["v"].sum())}
    '''),
    "excel": ("data/book.xlsx", '''
        import pandas as pd

        def run(*, data_dir):
            return {"excel": int(pd.read_excel(data_dir + "book.xlsx")["v"].sum())}
    '''),
}

COMBINE = '''
def run(**values):
    return {"total": sum(values.values())}
'''


def _write_inputs(root: Path, value: int) -> None:
    """Write every data file so that each reader's result is ``value`` (+ its own constant)."""
    data = root / "data"
    data.mkdir(exist_ok=True)
    frame = pd.DataFrame({"v": [value, 1]})
    for name in ("literal", "concat", "joined", "fstring", "pathdiv", "dictparam"):
        frame.to_csv(data / f"{name}.csv", index=False)
    (data / "opened.txt").write_text(" ".join(["w"] * value))
    np.save(data / "array.npy", np.array([value, 1]))
    (data / "obj.pkl").write_bytes(pickle.dumps([value, 1]))
    frame.to_parquet(data / "table.parquet")
    frame.to_excel(data / "book.xlsx", index=False)
    import joblib

    joblib.dump({"w": value}, data / "model.joblib")


def _pipeline_source() -> str:
    imports = ", ".join(sorted([*READERS, "combine"]))
    uses = {"concat", "joined", "fstring", "pathdiv", "npload", "joblibload", "pickleload", "parquet", "excel"}
    stages = []
    for name in READERS:
        params = '("data_dir",)' if name in uses else '("files",)' if name == "dictparam" else "()"
        stages.append(f'Stage("{name}", {name}.run, outputs=("{name}",), params={params}),')
    stages.append(f'Stage("combine", combine.run, inputs={tuple(READERS)!r}, outputs=("total",)),')
    body = "\n        ".join(stages)
    return f'''
from pathlib import Path

from nbpromote.pipeline import Pipeline, Stage

from .stages import {imports}

PIPELINE = Pipeline(
    name="{{name}}",
    version="0.1.0",
    params={{{{"data_dir": "data/", "files": {{{{"train": "data/dictparam.csv"}}}}}}}},
    seed=1,
    stages=[
        {body}
    ],
    package_root=Path(__file__).resolve().parent,
)
'''


@pytest.fixture
def readers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    pytest.importorskip("openpyxl")
    pytest.importorskip("joblib")
    monkeypatch.chdir(tmp_path)
    stages = {name: source for name, (_file, source) in READERS.items()}
    stages["combine"] = COMBINE
    package = make_package(tmp_path, stages=stages, pipeline=_pipeline_source())
    _write_inputs(tmp_path, 5)
    yield package
    import sys

    if str(package.src) in sys.path:
        sys.path.remove(str(package.src))


def _status(record):
    return {s["name"]: s["status"] for s in record["stages"]}


def test_each_stage_records_the_file_it_read_and_a_rerun_is_all_cached(readers, store):
    pipeline = readers.load()
    first = run_pipeline(pipeline, store=store)
    for stage in first["stages"]:
        if stage["name"] == "combine":
            assert stage["reads"] == {}
            continue
        expected = READERS[stage["name"]][0]
        assert list(stage["reads"]) == [expected], stage["name"]
        assert stage["reads"][expected]["hash"].startswith("xxh3_128:")
    second = run_pipeline(pipeline, store=store)
    assert set(_status(second).values()) == {"cached"}


@pytest.mark.parametrize("stage", sorted(READERS))
def test_editing_the_file_a_stage_reads_reruns_that_stage_and_says_why(readers, store, stage):
    pipeline = readers.load()
    run_pipeline(pipeline, store=store)
    path, _source = READERS[stage]
    _replace(path, 7)
    lines: list[str] = []
    record = run_pipeline(pipeline, store=store, log=lines.append)
    status = _status(record)
    assert status[stage] == "ran"
    assert {name for name, value in status.items() if value == "ran"} == {stage, "combine"}
    item = next(s for s in record["stages"] if s["name"] == stage)
    assert item["reasons"] == [f"{path} changed"]
    assert any(line.startswith(f"{stage}: ran") and f"reran: {path} changed" in line for line in lines)


def _replace(path: str, value: int) -> None:
    """Rewrite one data file only, so that its reader now gives ``value``."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        _write_inputs(Path(scratch), value)
        shutil.copyfile(Path(scratch) / path, Path(path))


def test_an_edit_that_leaves_the_output_equal_keeps_downstream_cached(readers, store):
    pipeline = readers.load()
    run_pipeline(pipeline, store=store)
    # Same sum, different rows: `literal` reruns, its output id is unchanged, `combine` stays cached.
    pd.DataFrame({"v": [1, 5]}).to_csv("data/literal.csv", index=False)
    record = run_pipeline(pipeline, store=store)
    assert _status(record)["literal"] == "ran"
    assert _status(record)["combine"] == "cached"


def test_touching_a_file_without_changing_it_keeps_the_stage_cached(readers, store):
    pipeline = readers.load()
    run_pipeline(pipeline, store=store)
    target = Path("data/table.parquet")
    os.utime(target, ns=(target.stat().st_atime_ns, target.stat().st_mtime_ns + 5 * 10**9))
    record = run_pipeline(pipeline, store=store)
    assert set(_status(record).values()) == {"cached"}


@pytest.mark.parametrize("stage", ["parquet", "dictparam"])
def test_a_worker_process_records_reads_and_sends_them_back(readers, store, stage):
    record = run_pipeline(readers.load(), store=store, until=stage, executor="process")
    item = next(s for s in record["stages"] if s["name"] == stage)
    assert item["status"] == "ran" and list(item["reads"]) == [READERS[stage][0]]
    _replace(READERS[stage][0], 9)
    again = run_pipeline(readers.load(), store=store, until=stage, executor="process")
    assert next(s for s in again["stages"] if s["name"] == stage)["reasons"] == [f"{READERS[stage][0]} changed"]
