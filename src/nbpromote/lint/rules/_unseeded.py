"""unseeded-randomness: random draws and randomised estimators with no seed set or captured.

A call is seeded by an explicit ``random_state``/seed argument, by ``np.random.seed``/``random.seed``
(for the draws they govern) or ``%promote seed`` run before it, or by seeds in the capture manifest.
A seed in a cell tagged ``skip`` seeds nothing the export keeps: it is itself a finding.
"""

from __future__ import annotations

from collections.abc import Iterator

from .._findings import Finding
from .._registry import Context, Rule, register


def check(ctx: Context) -> Iterator[Finding]:
    if ctx.facts.randoms:
        for site, what in ctx.facts.skipped_seeds:
            yield ctx.finding(
                site[0], site[1],
                f"{what} seeds the random numbers in a cell tagged 'skip', which the export drops, so the "
                "pipeline runs unseeded and the draws after it are not reproducible.",
                "Move the seed into an exported cell (e.g. the imports or parameters cell), or remove the "
                "'skip' tag from this cell.",
            )
    seen = set()
    for event in ctx.facts.randoms:
        if event.seeded or (event.site, event.what) in seen:
            continue
        seen.add((event.site, event.what))
        yield ctx.finding(
            event.site[0], event.site[1],
            f"{event.what} draws random numbers with no seed, so every run gives different results and "
            "the pipeline cannot reproduce this one.",
            f"Seed it: {event.hint} (or run %promote seed 0 at the top of the notebook).",
        )


RULE = register(Rule("unseeded-randomness", "warning", "Randomness without a seed.", check))
