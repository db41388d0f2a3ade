"""Progress rendering on stderr: a tqdm bar on a terminal, plain lines in a log, nothing when off."""

from __future__ import annotations

import io
import time

import pytest

from nbpromote.cli._progress import CaptureProgress, FileProgress, progress_mode


class Terminal(io.StringIO):
    def isatty(self):
        return True


def run_events(progress):
    common = {"notebook": "nb.ipynb", "total": 2}
    progress({"event": "capture_started", **common, "eta_seconds": 65.0})
    progress({"event": "cell_started", **common, "index": 1, "cell": 0, "label": "load()", "expected_seconds": 5.0,
              "eta_seconds": 65.0})
    progress({"event": "cell_finished", **common, "index": 1, "cell": 0, "label": "load()", "status": "ok",
              "seconds": 4.0, "eta_seconds": 60.0})
    progress({"event": "line", "text": "run: [1/3] ingest: started"})
    progress({"event": "cell_started", **common, "index": 2, "cell": 2, "label": "fit()", "expected_seconds": 60.0,
              "eta_seconds": 60.0})
    progress({"event": "cell_finished", **common, "index": 2, "cell": 2, "label": "fit()", "status": "ok",
              "seconds": 61.0, "eta_seconds": None})
    progress({"event": "capture_finished", **common, "status": "ok", "done": 2, "seconds": 66.0})


def test_the_mode_follows_the_stream():
    assert progress_mode(Terminal()) == "bar"
    assert progress_mode(io.StringIO()) == "lines"
    assert progress_mode(Terminal(), enabled=False) == "off"
    closed = io.StringIO()
    closed.close()
    assert progress_mode(closed) == "off"


def test_on_a_terminal_a_bar_names_the_running_cell_with_elapsed_and_eta():
    screen = Terminal()
    with CaptureProgress(screen) as progress:
        assert progress.mode == "bar"
        run_events(progress)
    text = screen.getvalue()
    frames = text.split("\r")
    assert any("cell 1: load()" in f and "0/2 cells [00:00, ETA 01:05]" in f for f in frames)
    assert any("cell 3: fit()" in f and "1/2 cells [00:00, ETA 01:00]" in f for f in frames)
    assert "run: [1/3] ingest: started\n" in text  # a line event is written above the bar
    assert frames[-1].startswith("capture nb.ipynb") and "100%" in frames[-1] and "2/2 cells" in frames[-1]
    assert frames[-1].endswith("\n")  # the finished bar stays, the next output starts on a new line


def test_the_bar_clock_moves_and_the_eta_counts_down_while_a_long_cell_runs():
    screen = Terminal()
    with CaptureProgress(screen, tick=0.05) as progress:
        progress({"event": "capture_started", "notebook": "nb.ipynb", "total": 1, "eta_seconds": 90.0})
        progress({"event": "cell_started", "notebook": "nb.ipynb", "total": 1, "index": 1, "cell": 0,
                  "label": "fit()", "expected_seconds": 90.0, "eta_seconds": 90.0})
        progress._cell_at -= 30  # the cell has run for 30 s
        time.sleep(0.3)
    assert "ETA 01:00]" in screen.getvalue()


def test_in_a_log_one_line_per_cell_and_a_heartbeat_for_a_long_cell():
    log = io.StringIO()
    with CaptureProgress(log, tick=0.02, heartbeat=0.1) as progress:
        assert progress.mode == "lines"
        progress({"event": "capture_started", "notebook": "nb.ipynb", "total": 1, "eta_seconds": None})
        progress({"event": "cell_started", "notebook": "nb.ipynb", "total": 1, "index": 1, "cell": 0,
                  "label": "fit()", "expected_seconds": None, "eta_seconds": None})
        time.sleep(0.35)
        progress({"event": "cell_finished", "notebook": "nb.ipynb", "total": 1, "index": 1, "cell": 0,
                  "label": "fit()", "status": "ok", "seconds": 0.35, "eta_seconds": None})
        progress({"event": "capture_finished", "notebook": "nb.ipynb", "total": 1, "status": "ok", "done": 1,
                  "seconds": 0.4})
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue()
    assert lines[0] == "capture nb.ipynb: 1 code cells"
    assert 2 <= sum("still running after" in line for line in lines) <= 3
    assert lines[-2] == "capture nb.ipynb [1/1] cell 1 done in 0.3 s: fit()"
    assert lines[-1] == "capture nb.ipynb: ok after 0.4 s (1/1 cells)"


def test_off_draws_nothing():
    screen = Terminal()
    with CaptureProgress(screen, mode="off") as progress:
        run_events(progress)
    assert screen.getvalue() == ""


@pytest.mark.parametrize("enabled", [True, False])
def test_the_file_bar_shows_after_its_delay_only_and_is_cleared(enabled):
    screen = Terminal()
    with FileProgress(enabled, screen, delay=0.1) as progress:
        progress(0, 3, "a.ipynb")
        assert screen.getvalue() == ""  # a quick run leaves no trace
        time.sleep(0.2)
        progress(1, 3, "dir/b.ipynb")
        progress(3, 3, None)
    text = screen.getvalue()
    if not enabled:
        assert text == ""
        return
    assert "lint:  33%" in text and "1/3" in text and "b.ipynb" in text
    assert text.endswith("\r")  # leave=False: the line is wiped for the report


def test_a_file_bar_for_a_quick_run_stays_invisible():
    screen = Terminal()
    with FileProgress(True, screen, delay=5) as progress:
        for done in range(3):
            progress(done, 3, f"{done}.ipynb")
        progress(3, 3, None)
    assert screen.getvalue() == ""
