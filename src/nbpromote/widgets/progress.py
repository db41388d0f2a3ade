"""Progress of a few named steps in a notebook (``%promote export``).

Where widgets render (a Jupyter kernel with ipywidgets) the steps drive tqdm's notebook bar, an
ipywidgets ``HBox`` of a label, a progress bar and the current step, which ends green, or red when
the work failed. Elsewhere (plain IPython, a script) each step is one line of text, so a saved
notebook or a log reads cleanly.
"""

from __future__ import annotations

import sys
from typing import IO, Any

from .drift import widgets_available

__all__ = ["StepProgress"]


class StepProgress:
    """Renders ``(step, done, total)`` calls; use as a context manager around the work.

    Parameters
    ----------
    title : str
        What is being done, e.g. ``"export credit_risk.ipynb"``.
    widget : bool or None, default=None
        True draws the ipywidgets bar, False prints lines; None decides by
        :func:`~nbpromote.widgets.drift.widgets_available`.
    stream : file or None, default=None
        Where the lines go; None means ``sys.stdout`` (the cell's output).

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> with StepProgress("export nb.ipynb", widget=False, stream=out) as progress:
    ...     progress("linting", 3, 7)
    ...     progress("exported", 7, 7)
    >>> print(out.getvalue(), end="")
    export nb.ipynb [4/7] linting
    export nb.ipynb: exported
    """

    def __init__(self, title: str, *, widget: bool | None = None, stream: IO[str] | None = None) -> None:
        self.title = title
        self.widget = widgets_available() if widget is None else widget
        self.stream = stream
        self.bar: Any = None
        self._finished = False

    def __enter__(self) -> StepProgress:
        return self

    def __exit__(self, kind: Any, *exc: Any) -> None:
        if self.bar is not None:
            if kind is not None:
                self.bar.set_postfix_str("failed", refresh=False)
            self.bar.close()  # tqdm's notebook bar turns red when it ends short of its total

    def __call__(self, step: str, done: int, total: int) -> None:
        finished = done >= total
        if not self.widget:
            stream = self.stream if self.stream is not None else sys.stdout
            stream.write(f"{self.title}: {step}\n" if finished else f"{self.title} [{done + 1}/{total}] {step}\n")
            stream.flush()
            return
        if self.bar is None:
            from tqdm.notebook import tqdm

            self.bar = tqdm(total=total, desc=self.title, unit="step", mininterval=0, leave=True,
                            bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]")
        self.bar.set_postfix_str(step, refresh=False)
        self.bar.update(done - self.bar.n)
        if finished:
            self.bar.refresh()
