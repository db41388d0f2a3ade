"""absolute-path: data read from an absolute path that exists only on the author's machine, or a
working directory set to one (``os.chdir('D:/work/project')``, ``%cd /home/me/data``) that later
relative reads depend on."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .._findings import Finding
from .._registry import Context, Rule, register

_ABSOLUTE = re.compile(r"^(/|~|[A-Za-z]:[\\/]|\\\\)")


def is_absolute(path: str) -> bool:
    return bool(_ABSOLUTE.match(path)) and "://" not in path


def check(ctx: Context) -> Iterator[Finding]:
    for read in ctx.facts.reads:
        if read.func in {"os.chdir", "%cd"}:
            if read.path and is_absolute(read.path):
                yield ctx.finding(
                    read.site[0], read.site[1],
                    f"{read.func} moves into '{read.path}', an absolute path that will not exist on another "
                    "machine, in CI or in the exported pipeline; every relative read after it depends on it.",
                    "Keep the data under the project and read it by a path relative to the notebook "
                    "(e.g. 'data/file.csv'), set in the parameters cell, instead of changing directory.",
                )
            continue
        if read.path and is_absolute(read.path):
            yield ctx.finding(
                read.site[0], read.site[1],
                f"{read.func.rsplit('.', 1)[-1]} reads '{read.path}', an absolute path that will not exist "
                "on another machine, in CI or in the exported pipeline.",
                "Use a path relative to the project (e.g. 'data/file.csv') in the parameters cell.",
            )


RULE = register(Rule("absolute-path", "warning", "Data read from an absolute path.", check))
