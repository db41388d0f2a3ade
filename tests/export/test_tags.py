"""Tag vocabulary: nbpromote's tags, Kale's, and everything else left alone."""

import pytest

from nbpromote.export import is_owned_tag, parse_tags


@pytest.mark.parametrize("tags, kind, stage", [
    (["stage:train"], "stage", "train"),
    (["block:load-data"], "stage", "load_data"),
    (["step:evaluate"], "stage", "evaluate"),
    (["parameters"], "parameters", None),
    (["pipeline-parameters"], "parameters", None),
    (["imports"], "imports", None),
    (["functions"], "functions", None),
    (["skip"], "skip", None),
    ([], None, None),
    (["nbval-skip", "my-own-tag", "injected-parameters"], None, None),
])
def test_parse_tags_reads_nbpromote_and_kale_vocabulary(tags, kind, stage):
    parsed = parse_tags(tags)
    assert (parsed.kind, parsed.stage) == (kind, stage)
    assert parsed.conflicts == []


def test_kale_prev_tags_are_explicit_upstream_stages():
    assert parse_tags(["block:train", "prev:load", "prev:clean-up"]).prev == ["load", "clean_up"]


def test_skip_wins_over_a_stage_tag_without_conflict():
    parsed = parse_tags(["stage:train", "skip"])
    assert parsed.kind == "skip" and parsed.conflicts == []


@pytest.mark.parametrize("tags", [["stage:a", "stage:b"], ["imports", "stage:train"], ["parameters", "functions"]])
def test_two_owned_kinds_on_one_cell_are_a_conflict(tags):
    assert parse_tags(tags).conflicts == tags


@pytest.mark.parametrize("tag, owned", [
    ("stage:x", True), ("block:x", True), ("step:x", True), ("prev:x", True), ("skip", True),
    ("parameters", True), ("pipeline-parameters", True), ("imports", True), ("functions", True),
    ("nbval-skip", False), ("injected-parameters", False), ("raises-exception", False), ("mine", False),
])
def test_only_nbpromote_and_kale_tags_are_owned(tag, owned):
    assert is_owned_tag(tag) is owned
