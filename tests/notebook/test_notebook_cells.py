"""CodeCell: IPython syntax turned into Python, parsed once, tags and ids kept."""

from __future__ import annotations

import nbformat

from nbpromote.notebook import cells_from_script, code_cells, load_cells, make_cell, python_source


def test_line_magics_shell_and_help_become_python_calls():
    cell = make_cell(0, "%matplotlib inline\n!ls\nx?")
    assert "run_line_magic('matplotlib', 'inline')" in cell.python
    assert "system('ls')" in cell.python
    assert cell.tree is not None and cell.syntax_error is None


def test_python_body_cell_magics_keep_their_body_with_an_offset():
    cell = make_cell(0, "%%time\nx = 1\ny = x")
    assert cell.python.startswith("x = 1") and cell.line_offset == 1
    assert cell.source_line(1) == "x = 1"


def test_other_cell_magics_hold_no_python():
    assert make_cell(0, "%%bash\nls -l").python == ""


def test_syntax_errors_are_kept_not_raised():
    cell = make_cell(3, "x = (")
    assert cell.tree is None and isinstance(cell.syntax_error, SyntaxError)


def test_code_cells_skip_markdown_and_keep_index_id_tags():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# t"),
        nbformat.v4.new_code_cell("a = 1", metadata={"tags": ["parameters"]}),
    ])
    nb.cells[1].id = "p"
    (cell,) = code_cells(nb)
    assert (cell.index, cell.cell_id, cell.tags) == (1, "p", ["parameters"])


def test_percent_scripts_split_into_cells_with_tags(tmp_path):
    script = tmp_path / "s.py"
    script.write_text('# %% tags=["stage:ingest"]\na = 1\n# %% [markdown]\n# hello\n# %%\nb = a\n')
    cells = load_cells(script)
    assert [c.source for c in cells] == ["a = 1", "b = a"]
    assert cells[0].tags == ["stage:ingest"]
    assert len(cells_from_script("x = 1\n").cells) == 1


def test_transform_is_cached():
    assert python_source("%time x = 1") is python_source("%time x = 1")


def test_plain_python_cells_skip_the_ipython_transformer_with_identical_results():
    # The fast path must give exactly what IPython's transformer gives, on tricky near-misses too.
    from IPython.core.inputtransformer2 import TransformerManager

    from nbpromote.notebook import python_source

    sources = [
        "x = 1", "z = 3\n", "b = '%d' % 3", "if a != b:\n    pass", "s = 'a?b'\nprint(s)",
        "d = {'k': 1}  # comment?x", "def f():\n    return 1\n", "a = 5 % 2", "ratio = x / y\n\n",
    ]
    manager = TransformerManager()
    for source in sources:
        assert python_source(source) == (manager.transform_cell(source), 0), source


def test_the_parse_cache_is_bounded_by_source_size_not_entries():
    from nbpromote.notebook import _cells

    cache = _cells._SourceCache(8_000, len)
    for i in range(500):
        cache(f"x_{i} = {i}\n" * 5)
    assert cache.size <= 8_000 and len(cache.items) < 500
    big = "y = 1\n" * 1_000  # more than an eighth of the bound: computed, never kept
    assert cache(big) == len(big) and big not in cache.items
    assert _cells._parse.max_chars == _cells.PARSE_CACHE_CHARS
