"""out-of-order: cells were run in a different order than they appear.

From the capture manifest's recorded execution order when there is one, else from the execution
counts saved in the notebook. The cells to report are the fewest whose runs explain the disorder:
everything outside the longest run-in-order subsequence of cells. A notebook whose first cells were
re-run at the end, after fifty cells below them, is then one finding about those first cells, not
fifty findings about every cell below.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence

from .._findings import Finding, cell_name
from .._registry import Context, Rule, register


def _in_order(keys: Sequence[int]) -> set[int]:
    """Positions of a longest non-decreasing subsequence of ``keys``, the earliest positions on ties.

    Longest from each position onwards is the longest non-decreasing run *ending* there in the
    reversed, negated sequence (patience sorting, O(n log n)); then the greedy left-to-right pick of
    the first position that can still complete a longest subsequence.
    """
    n = len(keys)
    longest_from = [0] * n
    tails: list[int] = []
    for i in range(n - 1, -1, -1):
        value = -keys[i]
        at = bisect_right(tails, value)
        if at == len(tails):
            tails.append(value)
        else:
            tails[at] = value
        longest_from[i] = at + 1
    need, floor, kept = len(tails), None, set()
    for i in range(n):
        if need and longest_from[i] == need and (floor is None or keys[i] >= floor):
            kept.add(i)
            need, floor = need - 1, keys[i]
    return kept


def _groups(cells: Sequence[int], keys: Sequence[int]) -> Iterator[tuple[list[int], str, int, int]]:
    """Each block of adjacent cells that ran out of order, with the in-order cell that shows it.

    Yields ``(positions, "before" | "after", witness position)``: the block ran before an in-order
    cell above it, or after one below it (one of the two always holds, or the block would extend
    the longest in-order subsequence).
    """
    kept = _in_order(keys)
    block: list[int] = []
    for pos in range(len(cells) + 1):
        if pos < len(cells) and pos not in kept and (not block or keys[pos] >= keys[block[-1]]):
            block.append(pos)
            continue
        if block:
            above = [k for k in kept if k < block[0]]
            below = [k for k in kept if k > block[-1] and keys[k] < keys[block[-1]]]
            if above and keys[max(above)] > keys[block[0]]:
                yield block, "before", max(above), len(block)
            elif below:
                yield block, "after", max(below, key=lambda k: keys[k]), len(block)
        block = [pos] if pos < len(cells) and pos not in kept else []


def _span(cells: Sequence[int], block: list[int]) -> str:
    first, last = cells[block[0]], cells[block[-1]]
    return cell_name(first) if first == last else f"cells {first + 1}–{last + 1}"


def _from_saved_counts(ctx: Context) -> Iterator[Finding]:
    counted = [(c.index, c.execution_count) for c in ctx.cells if isinstance(c.execution_count, int)]
    cells, counts = [i for i, _ in counted], [n for _, n in counted]
    for block, relation, witness, size in _groups(cells, counts):
        ran = f"[{counts[block[0]]}]" if size == 1 else f"[{counts[block[0]]}]–[{counts[block[-1]]}]"
        subject = "This cell" if size == 1 else _span(cells, block).capitalize()
        where = "above" if relation == "before" else "below"
        them = "it" if size == 1 else "them"
        yield ctx.finding(
            cells[block[0]], 1,
            f"{subject} ran as {ran}, {relation} {cell_name(cells[witness])} {where} {them} ([{counts[witness]}]), so the "
            "saved outputs come from an order a top-to-bottom run does not repeat.",
            "Restart the kernel and run all cells (Kernel > Restart Kernel and Run All Cells), then save.",
        )


def _from_manifest(ctx: Context, runs: list) -> Iterator[Finding]:
    index_of = {c.cell_id: c.index for c in ctx.cells}
    last_run: dict[int, int] = {}
    for when, run in enumerate(runs):
        if isinstance(run, dict) and run.get("cell_id") in index_of:
            last_run[index_of[run["cell_id"]]] = when
    cells = sorted(last_run)
    order = [last_run[i] for i in cells]
    for block, relation, witness, size in _groups(cells, order):
        subject = "this cell" if size == 1 else _span(cells, block)
        position = "above" if relation == "before" else "below"
        yield ctx.finding(
            cells[block[0]], 1,
            f"The recorded run executed {subject} {relation} {cell_name(cells[witness])}, which comes "
            f"{position} in the notebook, so the captured results depend on an order a top-to-bottom "
            "run does not repeat.",
            "Restart the kernel and run all cells top to bottom (or move the cell to where it ran), "
            "then capture again.",
        )


def check(ctx: Context) -> Iterator[Finding]:
    runs = (ctx.manifest or {}).get("execution") or []
    index_of = {c.cell_id for c in ctx.cells}
    if any(isinstance(r, dict) and r.get("cell_id") in index_of for r in runs):
        yield from _from_manifest(ctx, runs)
    else:
        yield from _from_saved_counts(ctx)


RULE = register(Rule("out-of-order", "warning", "Cells were executed out of notebook order.", check))
