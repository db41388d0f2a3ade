"""out-of-order: cells were run in a different order than they appear.

From the capture manifest's recorded execution order when there is one, else from the execution
counts saved in the notebook: a cell whose run came before a cell above it means the saved outputs
(and the kernel state they came from) do not match a top-to-bottom run.
"""

from __future__ import annotations

from collections.abc import Iterator

from .._findings import Finding
from .._registry import Context, Rule, register


def _manifest_order(ctx: Context) -> list[tuple[int, int | None]] | None:
    runs = (ctx.manifest or {}).get("execution") or []
    if not runs:
        return None
    index_of = {c.cell_id: c.index for c in ctx.cells}
    order = []
    for run in runs:
        if isinstance(run, dict) and run.get("cell_id") in index_of:
            order.append((index_of[run["cell_id"]], run.get("execution_count")))
    return order or None


def check(ctx: Context) -> Iterator[Finding]:
    order = _manifest_order(ctx)
    if order is not None:
        highest: tuple[int, int | None] = (-1, None)
        reported = set()
        for index, count in order:
            if index < highest[0] and index not in reported:
                reported.add(index)
                yield ctx.finding(
                    index, 1,
                    f"The recorded run executed this cell after cell {highest[0]}, which comes later in the "
                    "notebook, so the captured results depend on an order a top-to-bottom run does not repeat.",
                    "Restart the kernel and run all cells top to bottom (or move this cell to where it ran), "
                    "then capture again.",
                )
            elif index > highest[0]:
                highest = (index, count)
        return
    highest_count, highest_cell = 0, None
    for cell in ctx.cells:
        count = cell.execution_count
        if not isinstance(count, int):
            continue
        if count < highest_count:
            yield ctx.finding(
                cell.index, 1,
                f"This cell ran as [{count}], before cell {highest_cell} above it ([{highest_count}]), so the "
                "saved outputs come from an order a top-to-bottom run does not repeat.",
                "Restart the kernel and run all cells (Kernel > Restart Kernel and Run All Cells), then save.",
            )
        else:
            highest_count, highest_cell = count, cell.index


RULE = register(Rule("out-of-order", "warning", "Cells were executed out of notebook order.", check))
