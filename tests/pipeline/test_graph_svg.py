"""The stage graph and lineage pictures: self-contained, accessible SVG (issue 17, pictures)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from nbpromote.errors import StageFailedError
from nbpromote.pipeline import run_pipeline
from nbpromote.pipeline._graph_svg import render_lineage_svg, render_stage_graph_svg, svg_to_html

from .test_cli import call
from .test_runner import FAILING_TRAIN

NS = {"svg": "http://www.w3.org/2000/svg"}


def _nodes(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    return {g.get("data-stage"): g for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("data-stage")}


def _box(node: ET.Element) -> tuple[float, float, float, float]:
    x, y = (float(v) for v in node.get("transform")[len("translate("):-1].split(","))
    rect = node.find("svg:rect", NS)
    return x, y, float(rect.get("width")), float(rect.get("height"))


def _self_contained(svg: str) -> None:
    assert "<script" not in svg and "javascript:" not in svg
    assert "http://" not in svg.replace("http://www.w3.org/2000/svg", "") and "https://" not in svg
    assert "prefers-color-scheme: dark" in svg


def test_export_form_has_a_box_per_stage_labelled_edges_and_no_status(package):
    svg = render_stage_graph_svg(package.load())
    _self_contained(svg)
    nodes = _nodes(svg)
    assert set(nodes) == {"ingest", "split", "train", "evaluate"}
    for name, node in nodes.items():
        assert node.find("svg:title", NS).text.startswith(f"stage {name}")
        assert "ran" not in node.get("class").split() and "never" not in node.get("class").split()
    edges = {(g.get("data-from"), g.get("data-to")): g.find("svg:title", NS).text
             for g in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}g") if g.get("data-from")}
    assert set(edges) == {("ingest", "split"), ("split", "train"), ("split", "evaluate"), ("train", "evaluate")}
    assert "X_train, y_train" in edges[("split", "train")]
    assert "model" in edges[("train", "evaluate")]
    # layered top to bottom: each stage below the ones it depends on
    y = {name: _box(node)[1] for name, node in nodes.items()}
    assert y["ingest"] < y["split"] < y["train"] < y["evaluate"]


def test_a_wide_graph_has_no_overlapping_boxes():
    stages = [{"name": "ingest", "inputs": [], "outputs": ["raw"]}]
    stages += [{"name": f"feature_{i}", "inputs": ["raw"], "outputs": [f"f{i}"]} for i in range(8)]
    stages += [{"name": "train", "inputs": [f"f{i}" for i in range(8)], "outputs": ["model"]}]
    boxes = [_box(node) for node in _nodes(render_stage_graph_svg(stages)).values()]
    for i, (x1, y1, w1, h1) in enumerate(boxes):
        for x2, y2, w2, h2 in boxes[i + 1:]:
            assert x1 + w1 <= x2 or x2 + w2 <= x1 or y1 + h1 <= y2 or y2 + h2 <= y1


def test_status_svg_colours_stages_by_the_last_run(package, store, capsys):
    pipeline = package.load()
    code, out, _ = call(pipeline, capsys, "status", "--format", "svg", "--store", str(store))
    assert code == 0
    assert {n.get("class").split()[-1] for n in _nodes(out).values()} == {"never"}
    run_pipeline(pipeline, store=store)
    package.edit("stages/train.py", "max_depth=4", "max_depth=3")
    pipeline = package.load()
    run_pipeline(pipeline, store=store)
    code, out, _ = call(pipeline, capsys, "status", "--format", "svg", "--store", str(store))
    nodes = _nodes(out)
    assert {name: n.get("class").split()[-1] for name, n in nodes.items()} == {
        "ingest": "cached", "split": "cached", "train": "ran", "evaluate": "ran"}
    assert "reran: code changed (stages/train.py)" in nodes["train"].find("svg:title", NS).text
    package.write("stages/train.py", FAILING_TRAIN)
    pipeline = package.load()
    with pytest.raises(StageFailedError):
        run_pipeline(pipeline, store=store)
    code, out, _ = call(pipeline, capsys, "status", "--format", "html", "--store", str(store))
    assert out.startswith("<!DOCTYPE html>") and "<script" not in out
    assert _nodes(out[out.index("<svg"):out.index("</svg>") + 6])["train"].get("class").split()[-1] == "failed"
    code, out, _ = call(pipeline, capsys, "status", "--format", "json", "--store", str(store))
    assert json.loads(out)["last_run"]["status"] == "failed"


def test_lineage_svg_goes_back_to_the_data_file(package, store, capsys):
    pipeline = package.load()
    run_pipeline(pipeline, store=store)
    code, out, _ = call(pipeline, capsys, "lineage", "model", "--format", "svg", "--store", str(store))
    assert code == 0
    _self_contained(out)
    root = ET.fromstring(out)
    files = [g.get("data-file") for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("data-file")]
    assert files == [str(package.data)]
    assert set(_nodes(out)) == {"ingest", "split", "train"}


def test_lineage_svg_of_a_tree_and_the_html_wrapper():
    tree = {"artifact": "xxh3_128:ab", "output": "model", "stage": "train", "key": "k", "run_id": "r",
            "code": {"stages/train.py": "h"}, "params": {"C": 1.0}, "data": {}, "seed": 1, "env": "e",
            "reads": {"data/x.csv": {"path": "/p/data/x.csv", "hash": "xxh3_128:cd"}}, "inputs": {}}
    svg = render_lineage_svg(tree)
    assert 'data-file="data/x.csv"' in svg and 'data-artifact="xxh3_128:ab"' in svg
    html = svg_to_html(svg, title="t <&>")
    assert "t &lt;&amp;&gt;" in html and svg in html
