"""The third-party lint corpus: manifest and labels are well-formed, and scoring runs on it.

The notebooks themselves are not in git (scripts/corpus/fetch_corpus.py fetches them); the
scoring test skips when they are absent (NBPROMOTE_CORPUS, default /work/corpus, holds lint/).
"""
from __future__ import annotations

import csv
import importlib.util
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "tests" / "corpus" / "lint_manifest.tsv"
LABELS = REPO / "tests" / "corpus" / "lint_labels.csv"
# the held-out set: labelled before the linter was run on it, scored but never developed against
HELDOUT_MANIFEST = REPO / "tests" / "corpus" / "lint_heldout_manifest.tsv"
HELDOUT_LABELS = REPO / "tests" / "corpus" / "lint_heldout_labels.csv"
# a second held-out set, labelled after the engine was fixed against the first, from other repositories
HELDOUT2_MANIFEST = REPO / "tests" / "corpus" / "lint_heldout2_manifest.tsv"
HELDOUT2_LABELS = REPO / "tests" / "corpus" / "lint_heldout2_labels.csv"
# CI has no network to fetch the corpus: there it runs only when the variable names one explicitly.
CORPUS_ROOT = Path(os.environ.get("NBPROMOTE_CORPUS") or ("/nonexistent" if os.environ.get("CI") else "/work/corpus"))
CORPUS = CORPUS_ROOT / "lint"
HELDOUT_CORPUS = CORPUS_ROOT / "lint-heldout"
HELDOUT2_CORPUS = CORPUS_ROOT / "lint-heldout2"
FAMILIES = ("pre", "overlap", "multi", "temporal", "target")


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / "corpus" / f"{name}.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_every_labelled_notebook_is_in_the_manifest_with_a_pinned_commit():
    manifest = _load("fetch_corpus").read_manifest(MANIFEST)
    local = {row["local"] for row in manifest}
    labels = list(csv.DictReader(LABELS.open(newline="", encoding="utf-8")))
    assert len(labels) >= 150
    assert {r["path"] for r in labels} <= local


@pytest.mark.parametrize(
    ("manifest_path", "labels_path", "earlier"),
    [(HELDOUT_MANIFEST, HELDOUT_LABELS, [MANIFEST]), (HELDOUT2_MANIFEST, HELDOUT2_LABELS, [MANIFEST, HELDOUT_MANIFEST])],
    ids=["heldout", "heldout2"],
)
def test_every_heldout_notebook_is_labelled_once_and_pinned_in_its_manifest(manifest_path, labels_path, earlier):
    fetch = _load("fetch_corpus")
    manifest = fetch.read_manifest(manifest_path)
    local = [row["local"] for row in manifest]
    labelled = [r["path"] for r in csv.DictReader(labels_path.open(newline="", encoding="utf-8"))]
    assert len(labelled) >= 40
    assert len(labelled) == len(set(labelled)) and sorted(labelled) == sorted(local)
    for other in earlier:
        seen = fetch.read_manifest(other)
        assert not {row["local"] for row in seen} & set(local), f"a held-out notebook is also in {other.name}"
        if manifest_path == HELDOUT2_MANIFEST:  # the second set takes whole repositories nobody had read
            assert not {row["repo"] for row in seen} & {row["repo"] for row in manifest}, other.name


@pytest.mark.parametrize("labels", [LABELS, HELDOUT_LABELS, HELDOUT2_LABELS], ids=["dev", "heldout", "heldout2"])
def test_every_yes_label_names_its_cell_and_line_and_a_reason(labels):
    score = _load("score_lint")
    for r in csv.DictReader(labels.open(newline="", encoding="utf-8")):
        for fam in FAMILIES:
            assert r[fam] in ("Y", "N", "?"), (r["path"], fam)
            if r[fam] == "Y":
                places = score.parse_places(r[f"{fam}_at"])
                assert places and all(line is not None for _, line in places), (r["path"], fam)
                assert r[f"{fam}_why"].strip(), (r["path"], fam)


def test_a_manifest_row_with_a_short_commit_is_a_clear_error(tmp_path):
    fetch = _load("fetch_corpus")
    bad = tmp_path / "m.tsv"
    bad.write_text("repo\tcommit\tpath\tlocal\nowner/name\tabc123\ta.ipynb\towner__name/a.ipynb\n")
    with pytest.raises(fetch.ManifestError, match="line 2"):
        fetch.read_manifest(bad)
    assert fetch.main(["--manifest", str(bad), "--dest", str(tmp_path / "out"), "--offline"]) == 2


def test_fetching_from_a_mirror_that_lacks_the_repo_names_every_missing_file(tmp_path, capsys):
    fetch = _load("fetch_corpus")
    m = tmp_path / "m.tsv"
    m.write_text("repo\tcommit\tpath\tlocal\n"
                 f"owner/name\t{'a' * 40}\tdir/a.ipynb\towner__name/dir/a.ipynb\n")
    code = fetch.main(["--manifest", str(m), "--dest", str(tmp_path / "out"),
                       "--mirror", str(tmp_path / "no-mirrors"), "--offline"])
    assert code == 1
    assert "owner__name/dir/a.ipynb: no mirror of owner/name" in capsys.readouterr().err


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"third-party corpus absent ({CORPUS})")
def test_scoring_the_corpus_reports_every_family_and_rule(tmp_path, capsys):
    score = _load("score_lint")
    out = tmp_path / "score.json"
    assert score.main(["--corpus", str(CORPUS), "--python", sys.executable, "--json", str(out),
                       "--no-timing"]) == 0
    text = capsys.readouterr().out
    for fam in FAMILIES:
        assert f"\n{fam} " in text
    assert "preprocessing-before-split" in text and "multi-test" in text
    import json

    doc = json.loads(out.read_text())
    pre = doc["families"]["pre"]
    assert pre["tp"] + pre["fn"] > 0


@pytest.mark.parametrize(
    ("corpus", "labels"), [(HELDOUT_CORPUS, HELDOUT_LABELS), (HELDOUT2_CORPUS, HELDOUT2_LABELS)], ids=["heldout", "heldout2"]
)
def test_scoring_the_heldout_corpus_reads_every_labelled_notebook(tmp_path, corpus, labels):
    if not corpus.is_dir():
        pytest.skip(f"held-out corpus absent ({corpus})")
    score = _load("score_lint")
    out = tmp_path / "heldout.json"
    assert score.main(["--corpus", str(corpus), "--labels", str(labels),
                       "--python", sys.executable, "--json", str(out), "--no-timing"]) == 0
    import json

    doc = json.loads(out.read_text())
    multi = doc["families"]["multi"]
    assert multi["tp"] + multi["fn"] > 0
