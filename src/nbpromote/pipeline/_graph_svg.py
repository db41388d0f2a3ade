"""The stage graph (and an artifact's lineage) as a self-contained SVG picture.

One renderer for every place that draws a pipeline: ``export`` writes ``pipeline.svg`` into a
package (no run status), ``python -m <package> status --format svg|html`` draws the last run's
status, ``lineage ARTIFACT --format svg|html`` the path from an artifact back to its data, and the
JupyterLab Promotion panel shows the same SVG (each stage is a ``<g class="node" data-stage=…>``
it can make clickable).

Layout: a small layered layout written here, not Graphviz (``dot`` is a system binary pip cannot
install, and the pure-Python layout packages pull in dependencies larger than this module): a
stage's layer is the longest path from a source, stages within a layer are ordered by the mean
position of their parents (two sweeps of the barycentre heuristic, which removes most crossings in
graphs of tens of stages), layers run top to bottom so the picture fits a narrow side panel.

The SVG is self-contained: no script, no external font or stylesheet; colours are CSS classes
with custom properties (``--nbp-ran`` …, so a host page can restyle them) and a dark palette under
``prefers-color-scheme: dark``; every node has a ``<title>`` (its status, seconds, why it reran,
inputs and outputs) for screen readers and tooltips.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

__all__ = ["render_stage_graph_svg", "render_lineage_svg", "svg_to_html", "STATUSES"]

#: Stage statuses that have a colour (anything else is drawn as ``never``).
STATUSES = ("ran", "cached", "failed", "never")

_CHAR = 7.2  # px per character of 12 px sans-serif, near enough for box sizes
_BOX_H = 46
_GAP_X = 36
_GAP_Y = 64
_PAD = 16

_STYLE = """
svg.nbp-graph { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; font-size: 12px; }
.nbp-graph .bg { fill: var(--nbp-bg, #ffffff); }
.nbp-graph .box { stroke: var(--nbp-stroke, #57606a); stroke-width: 1.2; fill: var(--nbp-plain, #f6f8fa); }
.nbp-graph .ran .box { fill: var(--nbp-ran, #dafbe1); stroke: var(--nbp-ran-stroke, #1a7f37); }
.nbp-graph .cached .box { fill: var(--nbp-cached, #ddf4ff); stroke: var(--nbp-cached-stroke, #0969da); }
.nbp-graph .failed .box { fill: var(--nbp-failed, #ffebe9); stroke: var(--nbp-failed-stroke, #cf222e); stroke-width: 2; }
.nbp-graph .never .box { fill: var(--nbp-never, #f6f8fa); stroke: var(--nbp-never-stroke, #8c959f); stroke-dasharray: 4 3; }
.nbp-graph .data .box { fill: var(--nbp-data, #fff8c5); stroke: var(--nbp-data-stroke, #9a6700); }
.nbp-graph .name { font-weight: 600; fill: var(--nbp-text, #1f2328); }
.nbp-graph .detail { fill: var(--nbp-muted, #59636e); font-size: 11px; }
.nbp-graph .edge { stroke: var(--nbp-edge, #8c959f); stroke-width: 1.3; fill: none; }
.nbp-graph .arrow { fill: var(--nbp-edge, #8c959f); }
.nbp-graph .label { fill: var(--nbp-muted, #59636e); font-size: 10.5px; }
.nbp-graph .label-bg { fill: var(--nbp-bg, #ffffff); opacity: 0.85; }
.nbp-graph .title { font-weight: 600; font-size: 13px; fill: var(--nbp-text, #1f2328); }
@media (prefers-color-scheme: dark) {
  .nbp-graph .bg { fill: var(--nbp-bg, #0d1117); }
  .nbp-graph .box { stroke: var(--nbp-stroke, #8b949e); fill: var(--nbp-plain, #161b22); }
  .nbp-graph .ran .box { fill: var(--nbp-ran, #12261e); stroke: var(--nbp-ran-stroke, #3fb950); }
  .nbp-graph .cached .box { fill: var(--nbp-cached, #0c2d4a); stroke: var(--nbp-cached-stroke, #58a6ff); }
  .nbp-graph .failed .box { fill: var(--nbp-failed, #3c1618); stroke: var(--nbp-failed-stroke, #f85149); }
  .nbp-graph .never .box { fill: var(--nbp-never, #161b22); stroke: var(--nbp-never-stroke, #6e7681); }
  .nbp-graph .data .box { fill: var(--nbp-data, #2e2a13); stroke: var(--nbp-data-stroke, #d29922); }
  .nbp-graph .name, .nbp-graph .title { fill: var(--nbp-text, #e6edf3); }
  .nbp-graph .detail, .nbp-graph .label { fill: var(--nbp-muted, #9198a1); }
  .nbp-graph .edge { stroke: var(--nbp-edge, #6e7681); }
  .nbp-graph .arrow { fill: var(--nbp-edge, #6e7681); }
  .nbp-graph .label-bg { fill: var(--nbp-bg, #0d1117); }
}
"""


@dataclass
class _Node:
    id: str
    label: str
    kind: str = "stage"  # "stage" or "data"
    status: str | None = None
    detail: str = ""
    title: str = ""
    attrs: dict[str, str] = field(default_factory=dict)
    layer: int = 0
    x: float = 0.0
    y: float = 0.0
    width: float = 0.0


def _stages_of(graph: Any) -> tuple[str | None, list[Mapping[str, Any]]]:
    if hasattr(graph, "to_dict") and hasattr(graph, "stages"):
        graph = graph.to_dict()
    if isinstance(graph, Mapping):
        return graph.get("name"), list(graph.get("stages", []))
    return None, list(graph)


def _seconds(value: Any) -> str:
    if not isinstance(value, (int, float)):
        return ""
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s" if value < 120 else f"{value / 60:.1f} min"


def render_stage_graph_svg(graph: Any, *, status: Mapping[str, Mapping[str, Any]] | None = None,
                           title: str | None = None) -> str:
    """The stage graph as a self-contained SVG document (text).

    Parameters
    ----------
    graph : Pipeline or mapping or sequence of mappings
        A :class:`~nbpromote.pipeline.Pipeline`, its ``to_dict()`` form, or a list of stages, each
        a mapping with ``name``, ``inputs`` and ``outputs`` (lists of artifact names), as export's
        stage plan has them. An edge joins the stage producing an artifact to each stage taking it,
        labelled with the artifacts it carries.
    status : mapping or None, default=None
        Stage name → ``{"status": "ran"|"cached"|"failed"|"never", "seconds": float, "reasons":
        [str]}`` (the last run). None draws the graph without status (what export writes);
        stages missing from a given mapping are drawn as ``never`` run.
    title : str or None, default=None
        Heading above the graph; None uses the pipeline's name when it has one.

    Returns
    -------
    str
        ``<svg …>…</svg>`` with no scripts and no external references.

    Examples
    --------
    >>> svg = render_stage_graph_svg([{"name": "ingest", "inputs": [], "outputs": ["raw"]},
    ...                               {"name": "train", "inputs": ["raw"], "outputs": ["model"]}],
    ...                              status={"ingest": {"status": "cached"}, "train": {"status": "ran", "seconds": 1.5}})
    >>> svg.startswith("<svg") and 'data-stage="train"' in svg and "<script" not in svg
    True
    """
    name, stages = _stages_of(graph)
    nodes: list[_Node] = []
    producer: dict[str, str] = {}
    for stage in stages:
        for output in stage.get("outputs", []) or []:
            producer.setdefault(str(output), str(stage["name"]))
    for stage in stages:
        stage_name = str(stage["name"])
        info = dict(status.get(stage_name, {})) if status is not None else {}
        state = (info.get("status") or "never") if status is not None else None
        state = state if state in STATUSES or state is None else "never"
        seconds = _seconds(info.get("seconds")) if state == "ran" or state == "failed" else ""
        detail = " · ".join(part for part in (state or "", seconds) if part)
        lines = [f"stage {stage_name}" + (f": {state}" if state else "") + (f" in {seconds}" if seconds else "")]
        if info.get("reasons"):
            lines.append("reran: " + "; ".join(map(str, info["reasons"])))
        lines.append("inputs: " + (", ".join(map(str, stage.get("inputs", []) or [])) or "none"))
        lines.append("outputs: " + (", ".join(map(str, stage.get("outputs", []) or [])) or "none"))
        nodes.append(_Node(stage_name, stage_name, "stage", state, detail, "\n".join(lines),
                           {"data-stage": stage_name}))
    edges: dict[tuple[str, str], list[str]] = {}
    for stage in stages:
        for item in stage.get("inputs", []) or []:
            source = producer.get(str(item))
            if source is not None and source != stage["name"]:
                edges.setdefault((source, str(stage["name"])), []).append(str(item))
    heading = title if title is not None else (f"pipeline {name}" if name else None)
    legend = status is not None
    return _render(nodes, [(a, b, ", ".join(labels)) for (a, b), labels in edges.items()], heading, legend)


def render_lineage_svg(tree: Mapping[str, Any], *, title: str | None = None) -> str:
    """An artifact's lineage (:func:`nbpromote.pipeline.lineage`) as a self-contained SVG.

    Stages are boxes showing their code, params, seed and environment; the data files they read
    are boxes of their own at the top; edges carry the artifacts from stage to stage, down to the
    artifact asked for.

    Parameters
    ----------
    tree : mapping
        The lineage tree.
    title : str or None, default=None
        Heading; None names the artifact.
    """
    nodes: dict[str, _Node] = {}
    edges: dict[tuple[str, str], list[str]] = {}

    def visit(node: Mapping[str, Any]) -> str | None:
        stage = node.get("stage")
        if stage is None:
            return None
        if stage not in nodes:
            code = ", ".join(node.get("code", {}) or {})
            params = ", ".join(f"{k}={v!r}" for k, v in (node.get("params") or {}).items())
            lines = [f"stage {stage}  key {node.get('key')}  run {node.get('run_id')}", f"code: {code or '-'}",
                     f"params: {params or '-'}", f"seed: {node.get('seed')}  env: {node.get('env')}"]
            nodes[stage] = _Node(stage, stage, "stage", None, f"seed {node.get('seed')}" + (f" · {params}" if params else ""),
                                 "\n".join(lines), {"data-stage": stage})
            files = {info["path"]: info.get("hash") for info in (node.get("data") or {}).values() if "path" in info}
            files.update({name: info.get("hash") for name, info in (node.get("reads") or {}).items()})
            for path, digest in files.items():
                ident = f"data:{path}"
                nodes.setdefault(ident, _Node(ident, path.rsplit("/", 1)[-1], "data", None, "data file",
                                              f"data file {path}\n{digest}", {"data-file": path}))
                edges.setdefault((ident, stage), []).append("read")
            for name, child in (node.get("inputs") or {}).items():
                parent = visit(child)
                if parent is not None and parent != stage:
                    edges.setdefault((parent, stage), []).append(name)
        return stage

    root = visit(tree)
    target = f"artifact:{tree.get('artifact')}"
    nodes[target] = _Node(target, str(tree.get("output") or "artifact"), "data", None,
                          str(tree.get("artifact", ""))[:22] + "…",
                          f"artifact {tree.get('output')}\n{tree.get('artifact')}\n{tree.get('type') or ''}",
                          {"data-artifact": str(tree.get("artifact"))})
    if root is not None:
        edges.setdefault((root, target), []).append(str(tree.get("output") or ""))
    heading = title if title is not None else f"lineage of {tree.get('output') or tree.get('artifact')}"
    return _render(list(nodes.values()), [(a, b, ", ".join(sorted(set(v)))) for (a, b), v in edges.items()],
                   heading, False)


def _layout(nodes: list[_Node], edges: Sequence[tuple[str, str, str]]) -> tuple[float, float]:
    by_id = {n.id: n for n in nodes}
    parents: dict[str, list[str]] = {n.id: [] for n in nodes}
    children: dict[str, list[str]] = {n.id: [] for n in nodes}
    for a, b, _label in edges:
        if a in by_id and b in by_id:
            parents[b].append(a)
            children[a].append(b)
    # longest-path layering (the graph is a DAG; a cycle would be cut by the visiting guard)
    order: list[str] = []
    done: set[str] = set()

    def place(ident: str, guard: frozenset[str] = frozenset()) -> int:
        node = by_id[ident]
        if ident in done:
            return node.layer
        if ident in guard:
            return 0
        node.layer = max((place(p, guard | {ident}) + 1 for p in parents[ident]), default=0)
        done.add(ident)
        order.append(ident)
        return node.layer

    for node in nodes:
        place(node.id)
    layers: dict[int, list[_Node]] = {}
    for node in nodes:  # declaration order is the first ordering within a layer
        layers.setdefault(node.layer, []).append(node)
    position = {n.id: i for layer in layers.values() for i, n in enumerate(layer)}
    for sweep in range(2):
        for depth in sorted(layers)[1:] if sweep == 0 else sorted(layers, reverse=True)[1:]:
            around = parents if sweep == 0 else children

            def barycentre(node: _Node, around: dict[str, list[str]] = around) -> float:
                near = [position[p] for p in around[node.id] if p in position]
                return sum(near) / len(near) if near else position[node.id]

            layers[depth].sort(key=barycentre)
            position.update({n.id: i for i, n in enumerate(layers[depth])})
    for node in nodes:
        longest = max(len(node.label), int(len(node.detail) * 0.92))
        node.width = max(96.0, longest * _CHAR + 24)
    widths = {d: sum(n.width for n in row) + _GAP_X * (len(row) - 1) for d, row in layers.items()}
    total = max(widths.values(), default=0.0)
    for depth, row in layers.items():
        x = _PAD + (total - widths[depth]) / 2
        for node in row:
            node.x, node.y = x, _PAD + depth * (_BOX_H + _GAP_Y)
            x += node.width + _GAP_X
    height = _PAD * 2 + (max(layers, default=0) + 1) * (_BOX_H + _GAP_Y) - _GAP_Y
    return total + 2 * _PAD, height


def _routes(nodes: list[_Node], edges: Sequence[tuple[str, str, str]]) -> list[tuple[str, str, str, str, float, float]]:
    """``(from, to, label, path, label x, label y)`` per edge; long edges detour right of the boxes."""
    by_id = {n.id: n for n in nodes}
    out = []
    detour = 0
    for a, b, label in edges:
        if a not in by_id or b not in by_id:
            continue
        src, dst = by_id[a], by_id[b]
        between = [n for n in nodes if src.layer < n.layer < dst.layer]
        if between:
            # an edge over intermediate layers would cross their boxes: go round their right side
            lane = max(n.x + n.width for n in between + [src, dst]) + 28 + 18 * detour
            detour += 1
            x1, y1 = src.x + src.width, src.y + _BOX_H / 2
            x2, y2 = dst.x + dst.width + 2, dst.y + _BOX_H / 2
            path = (f"M {x1:.1f} {y1:.1f} C {lane:.1f} {y1:.1f}, {lane:.1f} {y1:.1f}, {lane:.1f} {(y1 + y2) / 2:.1f} "
                    f"S {lane:.1f} {y2:.1f}, {x2:.1f} {y2:.1f}")
            # the label sits right of the lane, clear of the boxes it passes
            out.append((a, b, label, path, lane + 8 + min(len(label), 36) * 3.1, (y1 + y2) / 2 + 4))
            continue
        x1, y1 = src.x + src.width / 2, src.y + _BOX_H
        x2, y2 = dst.x + dst.width / 2, dst.y - 2
        mid = (y1 + y2) / 2
        path = f"M {x1:.1f} {y1:.1f} C {x1:.1f} {mid:.1f}, {x2:.1f} {mid:.1f}, {x2:.1f} {y2:.1f}"
        out.append((a, b, label, path, (x1 + x2) / 2, mid + 4))
    return out


def _render(nodes: list[_Node], edges: Sequence[tuple[str, str, str]], title: str | None, legend: bool) -> str:
    width, height = _layout(nodes, edges)
    routes = _routes(nodes, edges)
    for _a, _b, label, _path, lx, _ly in routes:
        width = max(width, lx + min(len(label), 36) * 3.1 + 12 + _PAD)
    top = 28 if title else 0
    bottom = 30 if legend else 0
    width = max(width, _PAD + 70.0 * len(STATUSES) if legend else 0.0, (len(title) * 8.0 + 2 * _PAD) if title else 0.0)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="nbp-graph" role="img" width="{width:.0f}" '
        f'height="{height + top + bottom:.0f}" viewBox="0 0 {width:.0f} {height + top + bottom:.0f}"'
        + (f' aria-label="{escape(title)}"' if title else "") + ">",
        f"<title>{escape(title or 'pipeline stage graph')}</title>",
        f"<style>{_STYLE}</style>",
        '<defs><marker id="nbp-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path class="arrow" d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>',
        f'<rect class="bg" x="0" y="0" width="{width:.0f}" height="{height + top + bottom:.0f}"/>',
    ]
    if title:
        out.append(f'<text class="title" x="{_PAD}" y="20">{escape(title)}</text>')
    out.append(f'<g transform="translate(0,{top})">')
    for a, b, label, path, lx, ly in routes:
        out.append(f'<g class="edge-group" data-from="{escape(a)}" data-to="{escape(b)}">'
                   f"<title>{escape(a)} → {escape(b)}: {escape(label)}</title>"
                   f'<path class="edge" marker-end="url(#nbp-arrow)" d="{path}"/>')
        if label:
            shown = label if len(label) <= 36 else label[:35] + "…"
            box = len(shown) * 6.2 + 8
            lx = min(max(lx, box / 2 + 2), width - box / 2 - 2)  # keep the label inside the picture
            out.append(f'<rect class="label-bg" x="{lx - box / 2:.1f}" y="{ly - 11:.1f}" width="{box:.1f}" '
                       f'height="15" rx="3"/><text class="label" x="{lx:.1f}" y="{ly:.1f}" '
                       f'text-anchor="middle">{escape(shown)}</text>')
        out.append("</g>")
    for node in nodes:
        classes = " ".join(c for c in ("node", node.kind, node.status or "") if c)
        attrs = "".join(f' {k}="{escape(v)}"' for k, v in node.attrs.items())
        rx = 12 if node.kind == "data" else 6
        out.append(f'<g class="{classes}"{attrs} transform="translate({node.x:.1f},{node.y:.1f})">'
                   f"<title>{escape(node.title)}</title>"
                   f'<rect class="box" width="{node.width:.1f}" height="{_BOX_H}" rx="{rx}"/>'
                   f'<text class="name" x="{node.width / 2:.1f}" y="{19 if node.detail else 27}" '
                   f'text-anchor="middle">{escape(node.label)}</text>')
        if node.detail:
            out.append(f'<text class="detail" x="{node.width / 2:.1f}" y="36" text-anchor="middle">'
                       f"{escape(node.detail)}</text>")
        out.append("</g>")
    out.append("</g>")
    if legend:
        y = top + height + 10
        x = float(_PAD)
        for state in STATUSES:
            out.append(f'<g class="legend {state}" transform="translate({x:.0f},{y:.0f})"><rect class="box" '
                       f'width="14" height="14" rx="3"/><text class="detail" x="19" y="11">{state}</text></g>')
            x += 70
    out.append("</svg>")
    return "\n".join(out) + "\n"


def svg_to_html(svg: str, *, title: str) -> str:
    """A minimal standalone HTML page holding ``svg`` (no scripts, no external references)."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><meta name=\"color-scheme\" content=\"light dark\">"
            "<style>body{margin:16px;background:Canvas;color:CanvasText}</style></head>"
            f"<body>\n{svg}</body></html>\n")
