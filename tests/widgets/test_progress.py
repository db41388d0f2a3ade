"""StepProgress: a tqdm notebook widget where widgets render, a line per step otherwise."""

from __future__ import annotations

import io

import pytest

from nbpromote.widgets.progress import StepProgress


def test_without_widgets_each_step_is_a_line():
    out = io.StringIO()
    with StepProgress("export nb.ipynb", widget=False, stream=out) as progress:
        for done, step in enumerate(["reading", "writing"]):
            progress(step, done, 2)
        progress("exported", 2, 2)
    assert out.getvalue().splitlines() == ["export nb.ipynb [1/2] reading", "export nb.ipynb [2/2] writing",
                                           "export nb.ipynb: exported"]


@pytest.fixture
def shown(monkeypatch):
    import tqdm.notebook

    displayed = []
    monkeypatch.setattr(tqdm.notebook, "display", displayed.append)
    return displayed


def test_with_widgets_one_bar_follows_the_steps_and_ends_green(shown):
    with StepProgress("export nb.ipynb", widget=True) as progress:
        progress("reading", 0, 3)
        [box] = shown
        label, bar, status = box.children
        assert (bar.value, bar.max) == (0, 3) and "reading" in status.value
        progress("writing", 2, 3)
        assert bar.value == 2 and "writing" in status.value
        progress("exported", 3, 3)
    assert len(shown) == 1 and bar.value == 3 and bar.bar_style == "success" and "nb.ipynb" in label.value


def test_a_failure_leaves_the_bar_red_at_its_step(shown):
    with pytest.raises(RuntimeError), StepProgress("export nb.ipynb", widget=True) as progress:
        progress("writing", 1, 3)
        raise RuntimeError("disk full")
    _label, bar, status = shown[0].children
    assert bar.bar_style == "danger" and bar.value == 1 and "failed" in status.value


def test_the_default_follows_whether_widgets_can_render(monkeypatch):
    monkeypatch.setattr("nbpromote.widgets.progress.widgets_available", lambda: False)
    assert StepProgress("x").widget is False
    monkeypatch.setattr("nbpromote.widgets.progress.widgets_available", lambda: True)
    assert StepProgress("x").widget is True
