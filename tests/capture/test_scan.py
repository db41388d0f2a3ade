"""scan_cell: the cheap look at a cell for file reads and random draws."""

from __future__ import annotations

from nbpromote.capture import scan_cell


def test_literal_and_named_file_reads_are_found():
    scan = scan_cell(
        "import pandas as pd\nPATH = 'data/b.parquet'\n"
        "a = pd.read_csv('data/a.csv')\nb = pd.read_parquet(PATH)\nc = open(other)\n"
        "with open('notes.txt') as f: pass\n"
    )
    assert scan.reads == ("data/a.csv", "data/b.parquet", "notes.txt")
    assert scan.read_names == ("other",)


def test_writes_and_unrelated_calls_are_not_reads():
    scan = scan_cell("open('out.txt', 'w').write('x')\ndf.to_csv('x.csv')\nprint('read_csv')")
    assert scan.reads == () and scan.read_names == ()


def test_random_draws_and_unseeded_estimators():
    scan = scan_cell(
        "import numpy as np, random\nx = np.random.rand(3)\ny = random.choice([1, 2])\n"
        "from sklearn.ensemble import RandomForestClassifier\nm = RandomForestClassifier(n_estimators=5)\n"
        "s = df.sample(3)\n"
    )
    assert [d.split(":")[0] for d in scan.random_draws] == ["line 2", "line 3", "line 5", "line 6"]
    assert not scan.seeds_itself


def test_random_state_and_kfold_without_shuffle_are_not_draws():
    scan = scan_cell(
        "m = RandomForestClassifier(random_state=0)\nX_tr, X_te = train_test_split(X, random_state=1)\n"
        "cv = KFold(5)\ns = df.sample(3, random_state=2)\n"
    )
    assert scan.random_draws == ()
    assert scan_cell("cv = KFold(5, shuffle=True)").random_draws


def test_default_rng_without_seed_is_always_unseeded():
    assert scan_cell("rng = np.random.default_rng()").unseeded_always
    assert not scan_cell("rng = np.random.default_rng(0)").unseeded_always
    assert not scan_cell("rng = np.random.default_rng(seed=0)").unseeded_always


def test_seeding_in_the_cell_is_noticed():
    assert scan_cell("np.random.seed(0)").seeds_itself
    assert scan_cell("import random\nrandom.seed(1)").seeds_itself
    assert scan_cell("torch.manual_seed(1)").seeds_itself
    assert not scan_cell("x = 1").seeds_itself


def test_unparsable_and_plain_cells_give_an_empty_scan():
    assert scan_cell("x = (") == scan_cell("") == scan_cell("y = x + 1")
    assert scan_cell("read_csv(") .reads == ()


def test_scan_is_cached_by_source():
    source = "df = pd.read_csv('a.csv')"
    assert scan_cell(source) is scan_cell(source)
