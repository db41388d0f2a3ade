"""The cell-tag vocabulary export reads: nbpromote's own and Kubeflow Kale's.

A cell's tags live in ``metadata.tags`` (where papermill and JupyterLab's tag editor put them).
nbpromote *owns* only the tags below; every other tag (papermill's ``injected-parameters``, nbval's
``nbval-skip``, a person's own) is read past and always preserved when tags are written.

=========================  ============================  =====================================
nbpromote                  Kale                          meaning
=========================  ============================  =====================================
``stage:<name>``           ``block:<name>``/``step:``    the cell starts (or joins) stage <name>
``parameters``             ``pipeline-parameters``       the pipeline's typed config
``imports``                ``imports``                   shared into every stage (common.py)
``functions``              ``functions``                 shared into every stage (common.py)
``skip``                   ``skip``                      exploration, never exported
(none)                     ``prev:<name>``               explicit upstream stage
=========================  ============================  =====================================

Untagged cells inherit the *stage* above them. ``skip``, ``parameters``, ``imports`` and
``functions`` apply to the tagged cell only, so an exploration cell tagged ``skip`` in the middle of
a stage does not silently drop the untagged cells after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["CellTags", "parse_tags", "is_owned_tag", "STAGE_NAME", "KALE_KEPT", "stage_tag_word"]

#: A stage name becomes a Python module name in the exported package.
STAGE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_STAGE_PREFIXES = ("stage:", "block:", "step:")
_SIMPLE = {"parameters": "parameters", "pipeline-parameters": "parameters", "imports": "imports",
           "functions": "functions", "skip": "skip"}


@dataclass
class CellTags:
    """What nbpromote reads from one cell's tags.

    Attributes
    ----------
    kind : str or None
        ``"stage"``, ``"parameters"``, ``"imports"``, ``"functions"``, ``"skip"`` or None (untagged).
    stage : str or None
        The stage name when ``kind == "stage"`` (normalised: ``-`` becomes ``_``).
    prev : list of str
        Kale ``prev:<name>`` explicit upstream stages.
    conflicts : list of str
        The owned tags when a cell carries more than one kind (reported by the planner).
    """

    kind: str | None = None
    stage: str | None = None
    prev: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def _stage_name(tag: str) -> str | None:
    for prefix in _STAGE_PREFIXES:
        if tag.startswith(prefix):
            # Kale's rule: an empty `block:` leaves the cell untagged (it continues the step above).
            return tag[len(prefix):].strip().replace("-", "_") or None
    return None


#: Kale tags nbpromote keeps in the notebook but does not apply (resource limits, pod annotations
#: and labels of a Kubeflow step); export notes them.
KALE_KEPT = ("limit:", "annotation:", "label:")


def stage_tag_word(tags: list[str]) -> str:
    """The prefix the person used for the cell's stage (``stage:``, Kale's ``block:`` or ``step:``),
    so messages speak the notebook's own vocabulary."""
    for tag in tags:
        for prefix in _STAGE_PREFIXES:
            if tag.startswith(prefix) and tag[len(prefix):].strip():
                return prefix
    return "stage:"


def is_owned_tag(tag: str) -> bool:
    """Whether export reads ``tag`` (only such tags may be replaced by ``suggest-tags --write``).

    Parameters
    ----------
    tag : str
        One cell tag.

    Returns
    -------
    bool

    Examples
    --------
    >>> is_owned_tag("stage:train"), is_owned_tag("nbval-skip")
    (True, False)
    """
    return tag in _SIMPLE or _stage_name(tag) is not None or tag.startswith("prev:")


def parse_tags(tags: list[str]) -> CellTags:
    """Read one cell's tags.

    Parameters
    ----------
    tags : list of str
        The cell's ``metadata.tags``.

    Returns
    -------
    CellTags

    Examples
    --------
    >>> parse_tags(["nbval-skip", "stage:train"]).stage
    'train'
    >>> parse_tags(["block:load", "prev:fetch"]).prev
    ['fetch']
    """
    result = CellTags()
    owned: list[str] = []
    for tag in tags:
        stage = _stage_name(tag)
        if stage is not None:
            owned.append(tag)
            if result.kind is None:
                result.kind, result.stage = "stage", stage
        elif tag in _SIMPLE:
            owned.append(tag)
            # `skip` wins over everything: a person who says skip means it.
            if result.kind is None or _SIMPLE[tag] == "skip":
                result.kind, result.stage = _SIMPLE[tag], None
        elif tag.startswith("prev:"):
            result.prev.append(tag[len("prev:"):].strip().replace("-", "_"))
    kinds = {_SIMPLE.get(t, "stage") for t in owned}
    if len(kinds) > 1 and "skip" not in kinds:
        result.conflicts = owned
    elif len({_stage_name(t) for t in owned if _stage_name(t)}) > 1:
        result.conflicts = owned
    return result
