"""unpinned-install: ``!pip install x`` / ``%pip install x`` / ``%conda install x`` without a version."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator

from .._findings import Finding
from .._registry import Context, Rule, register

# Options that take a value (the value is not a package).
_WITH_VALUE = {"-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url",
               "-f", "--find-links", "-t", "--target", "--prefix", "--root", "--upgrade-strategy",
               "-e", "--editable", "--trusted-host", "--python-version", "--platform", "-n", "--name",
               "-p", "--channel", "--cache-dir", "--src", "--progress-bar", "--report", "--only-binary",
               "--no-binary"}
_PINNED = re.compile(r"[=<>~!@]|\.whl$|\.tar\.gz$|\.zip$|^\.|^/|://|^git\+")


def _unpinned_vcs(word: str) -> bool:
    """``git+https://github.com/o/r.git`` without ``@<commit or tag>``: whatever the branch holds today."""
    if not re.match(r"^(git|hg|svn|bzr)\+", word):
        return False
    path = word.split("#", 1)[0].split("://", 1)[-1]
    return "@" not in path.rsplit("/", 1)[-1]


def unpinned(command: str, *, conda: bool = False) -> list[str]:
    """Package names installed without a version by ``command`` (the text after the installer)."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    out = []
    skip = False
    for word in words:
        if skip:
            skip = False
            continue
        if word.startswith("-"):
            skip = word in _WITH_VALUE
            continue
        if word.startswith(("{", "$")) or (conda and "=" in word):
            continue
        if _PINNED.search(word) and not _unpinned_vcs(word):
            continue
        out.append(word)
    return out


def _install_args(kind: str, name: str, text: str) -> tuple[str, bool] | None:
    if kind == "magic":
        if name in {"pip", "conda", "mamba"}:
            words = text.split(None, 1)
            if words[:1] == ["install"]:
                return (words[1] if len(words) > 1 else ""), name != "pip"
        return None
    match = re.search(r"(?:^|\s|/)(pip3?|conda|mamba|uv pip)\s+install\s+(?P<rest>.*)$", text)
    if match is None:
        return None
    return match.group("rest"), match.group(1) in {"conda", "mamba"}


def check(ctx: Context) -> Iterator[Finding]:
    for event in ctx.facts.shell:
        found = _install_args(event.kind, event.name, event.text)
        if found is None:
            continue
        packages = unpinned(found[0], conda=found[1])
        if not packages:
            continue
        listed = ", ".join(packages)
        pins = " ".join(f"{p}==<version>" for p in packages)
        yield ctx.finding(
            event.site[0], event.site[1],
            f"{listed} {'is' if len(packages) == 1 else 'are'} installed without a version, so a rerun "
            "next month may get a different release and different results.",
            f"Pin it: %pip install {pins} (the version `pip show` reports), or list it in requirements.",
        )


RULE = register(Rule("unpinned-install", "warning", "pip/conda install without a version.", check))
