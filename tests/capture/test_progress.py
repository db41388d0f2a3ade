"""Per-cell progress events of a capture: counting, ETA from the last capture, plain lines."""

from __future__ import annotations

import json
import time

import nbformat
import pytest

from nbpromote.capture._progress import (
    CellEvents,
    cell_label,
    format_cell_event,
    previous_cell_durations,
)


def cell(cell_id, source="x = 1"):
    node = nbformat.v4.new_code_cell(source)
    node["id"] = cell_id
    return node


def test_cells_are_named_by_their_first_line_of_code():
    assert cell_label("# a comment\n\n  df = load()  \nmore()") == "df = load()"
    assert cell_label(["%%time\n", "fit()"]) == "%%time"
    assert cell_label("# only a comment") == "# only a comment"
    assert cell_label("") == ""
    assert len(cell_label("y = " + "a" * 200)) == 30


def test_a_run_reports_each_counted_cell_and_ignores_the_others():
    seen = []
    events = CellEvents("nb.ipynb", {"a": (1, "load()"), "b": (3, "fit()")}, {}, seen.append)
    events.started()
    for node in (cell("injected"), cell("a"), cell("params"), cell("b")):
        events.on_cell_execute(node, 0)
        events.on_cell_executed(node, 0, execute_reply={"content": {"status": "ok"}})
    events.finished("ok")
    assert [(e["event"], e.get("index"), e.get("cell")) for e in seen] == [
        ("capture_started", None, None),
        ("cell_started", 1, 1), ("cell_finished", 1, 1),
        ("cell_started", 2, 3), ("cell_finished", 2, 3),
        ("capture_finished", None, None),
    ]
    assert all(e["total"] == 2 and e["notebook"] == "nb.ipynb" for e in seen)
    assert seen[2]["label"] == "load()" and seen[2]["status"] == "ok"
    assert seen[-1]["done"] == 2 and seen[-1]["status"] == "ok"
    assert all(e.get("eta_seconds") is None for e in seen)  # a first capture has no ETA


def test_an_error_reply_marks_the_cell():
    seen = []
    events = CellEvents("nb.ipynb", {"a": (0, "boom()")}, {}, seen.append)
    events.on_cell_execute(cell("a"), 0)
    events.on_cell_executed(cell("a"), 0, execute_reply={"content": {"status": "error", "ename": "KeyError"}})
    assert seen[-1]["status"] == "error"


def test_the_eta_sums_the_last_capture_durations_of_the_cells_still_to_run():
    seen = []
    durations = {"a": 2.0, "b": 5.0, "c": 1.0}
    events = CellEvents("nb.ipynb", {"a": (0, ""), "b": (1, ""), "c": (2, ""), "new": (3, "")}, durations, seen.append)
    events.started()
    assert seen[-1]["eta_seconds"] == 8.0
    events.on_cell_execute(cell("a"), 0)
    assert seen[-1]["eta_seconds"] == 8.0 and seen[-1]["expected_seconds"] == 2.0
    events.on_cell_executed(cell("a"), 0, execute_reply={"content": {"status": "ok"}})
    assert seen[-1]["eta_seconds"] == 6.0
    events.on_cell_execute(cell("b"), 1)
    time.sleep(0.05)
    assert 5.9 < events.eta() < 5.96  # counts down while the cell runs …
    events._cell_started -= 10  # … and never below what the later cells need
    assert events.eta() == 1.0


def test_durations_come_from_the_sidecar_else_from_the_notebook_metadata(tmp_path):
    executed = tmp_path / "nb.captured.ipynb"
    assert previous_cell_durations(executed) == {}
    manifest = {"execution": [{"cell_id": "a", "duration_ms": 1500.0}, {"cell_id": None, "duration_ms": 3.0},
                              {"cell_id": "a", "duration_ms": 500.0}]}
    nb = nbformat.v4.new_notebook()
    nb.metadata["nbpromote"] = {"manifest": manifest}
    nbformat.write(nb, executed)
    assert previous_cell_durations(executed) == {"a": 0.5}  # the cell's last run
    (tmp_path / "nb.captured.manifest.json").write_text(json.dumps({"execution": [{"cell_id": "b", "duration_ms": 10}]}))
    assert previous_cell_durations(executed) == {"b": 0.01}
    (tmp_path / "nb.captured.manifest.json").write_text("{ truncated")
    assert previous_cell_durations(executed) == {"a": 0.5}


@pytest.mark.parametrize(("event", "line"), [
    ({"event": "capture_started", "notebook": "nb.ipynb", "total": 4, "eta_seconds": None},
     "capture nb.ipynb: 4 code cells"),
    ({"event": "capture_started", "notebook": "nb.ipynb", "total": 4, "eta_seconds": 95.0},
     "capture nb.ipynb: 4 code cells, ETA 1m35s by the last capture"),
    ({"event": "cell_started", "notebook": "nb.ipynb", "total": 4}, None),
    ({"event": "cell_finished", "notebook": "nb.ipynb", "total": 4, "index": 2, "cell": 6, "label": "boom()",
      "status": "error", "seconds": 0.25, "eta_seconds": None},
     "capture nb.ipynb [2/4] cell 7 raised an error after 0.2 s: boom()"),
    ({"event": "cell_running", "notebook": "nb.ipynb", "total": 4, "index": 3, "cell": 8, "label": "fit()",
      "seconds": 60.4},
     "capture nb.ipynb [3/4] cell 9 still running after 1m00s: fit()"),
    ({"event": "capture_finished", "notebook": "nb.ipynb", "total": 4, "status": "failed", "done": 2,
      "seconds": 3.0}, "capture nb.ipynb: failed after 3.0 s (2/4 cells)"),
    ({"event": "capture_finished", "notebook": "nb.ipynb", "total": 4, "status": "restarted", "done": 2,
      "seconds": 3.0}, "capture nb.ipynb: a failing `skip` cell is left out; running the notebook again"),
])
def test_plain_lines(event, line):
    assert format_cell_event(event) == line
