"""The capture session in a real in-process IPython shell: hooks, order, unseeded cells, file reads."""

from __future__ import annotations

import time

import pytest

from nbpromote.capture import kernel
from nbpromote.capture.hashing import hash_file


def run(sh, source):
    return sh.run_cell(source, store_history=True)


def test_load_ext_installs_the_hooks_once(shell):
    assert kernel.is_installed(shell)
    session = kernel.get_session(shell)
    run(shell, "%reload_ext nbpromote")
    assert kernel.get_session(shell) is session  # reloading keeps what was recorded
    hooks = shell._nbpromote_capture
    assert shell.events.callbacks["post_run_cell"].count(hooks.post) == 1


def test_execution_order_count_duration_and_success_are_recorded(shell):
    session = kernel.get_session(shell)
    before = time.time()
    run(shell, "a = 1")
    run(shell, "import time; time.sleep(0.05)")
    run(shell, "1 / 0")
    shell.run_cell("b = 2", store_history=True, cell_id="cell-b")
    records = session.execution_records()
    assert [r["execution_count"] for r in records] == [2, 3, 4, 5]  # 1 was %load_ext itself
    assert [r["success"] for r in records] == [True, True, False, True]
    assert records[1]["duration_ms"] >= 50
    assert records[3]["cell_id"] == "cell-b"
    assert records[0]["started_at"].endswith("Z")
    assert session.execution[0][2] >= before - 1


def test_out_of_order_reruns_appear_in_run_order(shell):
    shell.run_cell("x = 1", store_history=True, cell_id="first")
    shell.run_cell("y = x + 1", store_history=True, cell_id="second")
    shell.run_cell("x = 1", store_history=True, cell_id="first")
    ids = [r["cell_id"] for r in kernel.get_session(shell).execution_records()]
    assert ids == ["first", "second", "first"]


def test_uninstall_stops_recording(shell):
    session = kernel.get_session(shell)
    run(shell, "a = 1")
    kernel.uninstall(shell)
    run(shell, "b = 2")
    assert len(session.execution) == 1
    assert not kernel.is_installed(shell)


def test_random_draws_without_a_seed_are_recorded_as_unseeded(shell):
    session = kernel.get_session(shell)
    run(shell, "import numpy as np\nx = np.random.rand(2)")
    run(shell, "from sklearn.ensemble import RandomForestClassifier\nm = RandomForestClassifier(n_estimators=2)")
    run(shell, "m2 = RandomForestClassifier(n_estimators=2, random_state=0)")
    assert [c["execution_count"] for c in session.unseeded_cells] == [2, 3]
    assert "np.random.rand" in session.unseeded_cells[0]["calls"][0]
    assert "without random_state" in session.unseeded_cells[1]["calls"][0]


def test_after_a_seed_draws_are_seeded_but_default_rng_never_is(shell):
    session = kernel.get_session(shell)
    run(shell, "%promote seed 3")
    run(shell, "import numpy as np\nx = np.random.rand(2)")
    run(shell, "rng = np.random.default_rng()")
    assert [c["execution_count"] for c in session.unseeded_cells] == [4]
    assert session.unseeded_cells[0]["always"] is True


def test_a_cell_that_seeds_itself_counts_as_seeded(shell):
    session = kernel.get_session(shell)
    run(shell, "import numpy as np\nnp.random.seed(0)\nx = np.random.rand(2)")
    run(shell, "y = np.random.rand(2)")
    assert session.unseeded_cells == []
    assert "own code" in session.seeds_section()["notes"][0]


def test_files_read_by_a_cell_are_hashed_automatically(shell, tmp_path):
    (tmp_path / "d.csv").write_text("a,b\n1,2\n")
    (tmp_path / "e.csv").write_text("a\n3\n")
    session = kernel.get_session(shell)
    run(shell, "import pandas as pd\ndf = pd.read_csv('d.csv')")
    run(shell, "name = 'e.csv'")
    run(shell, "with open(name) as f: text = f.read()")
    assert session.data["d.csv"]["hash"] == hash_file(tmp_path / "d.csv")
    assert session.data["d.csv"]["source"] == "read by cell [2]"
    assert session.data["e.csv"]["kind"] == "file"


def test_a_failed_read_never_breaks_the_cell_or_the_kernel(shell):
    session = kernel.get_session(shell)
    result = run(shell, "import pandas as pd\ntry:\n    pd.read_csv('missing.csv')\nexcept FileNotFoundError:\n    ok = True")
    assert result.success and shell.user_ns["ok"]
    assert "missing.csv" not in session.data
    assert session.warnings == []


def test_a_broken_hook_is_turned_into_a_warning(shell, monkeypatch):
    session = kernel.get_session(shell)

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(session, "_hash_reads", boom)
    result = run(shell, "import pandas as pd\ntry:\n    pd.read_csv('x.csv')\nexcept Exception:\n    pass")
    assert result.success
    assert "disk on fire" in session.warnings[0]


@pytest.mark.slow
def test_in_a_real_ipykernel_cell_ids_come_from_the_frontend(tmp_path):
    # JupyterLab sends the cell id in the execute_request metadata ("cellId"); ipykernel passes it
    # to IPython, whose pre_run_cell info carries it. Drive a real kernel the way the frontend does.
    import json

    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", cwd=str(tmp_path))
    try:
        def execute(code, cell_id):
            msg = client.session.msg(
                "execute_request",
                {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                 "allow_stdin": False, "stop_on_error": True},
                metadata={"cellId": cell_id},
            )
            client.shell_channel.send(msg)
            reply = client.get_shell_msg(timeout=60)
            while reply["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
                reply = client.get_shell_msg(timeout=60)
            return msg["header"]["msg_id"]

        execute("%load_ext nbpromote", "load")
        execute("a = 1", "cell-a")
        execute("import numpy as np\nb = np.random.rand(2)", "cell-b")
        execute("1 / 0", "cell-c")
        msg_id = execute(
            "import json\nfrom nbpromote.capture import kernel\n"
            "s = kernel.get_session(get_ipython())\n"
            "print(json.dumps([s.execution_records(), s.unseeded_cells]))", "report",
        )
        text = ""
        while True:
            message = client.get_iopub_msg(timeout=60)
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            if message["msg_type"] == "stream":
                text += message["content"]["text"]
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                break
        records, unseeded = json.loads(text)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert [r["cell_id"] for r in records] == ["cell-a", "cell-b", "cell-c"]
    assert [r["success"] for r in records] == [True, True, False]
    assert unseeded[0]["cell_id"] == "cell-b"


def test_files_read_through_built_paths_are_recorded_at_run_time(shell, tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "train.csv").write_text("a,b\n1,2\n")
    (tmp_path / "data" / "test.csv").write_text("a,b\n3,4\n")
    (tmp_path / "data" / "notes.txt").write_text("hello")
    session = kernel.get_session(shell)
    run(shell, "import os\nfrom pathlib import Path\nimport pandas as pd\nfolder = 'data'")
    run(shell, "train = pd.read_csv(os.path.join(folder, 'train.csv'))")
    run(shell, "name = 'test'\ntest = pd.read_csv(f'{folder}/{name}.csv')")
    run(shell, "text = (Path(folder) / 'notes.txt').read_text()")
    assert set(session.reads) == {"data/train.csv", "data/test.csv", "data/notes.txt"}
    assert session.reads["data/train.csv"]["hash"] == hash_file(tmp_path / "data" / "train.csv")
    assert session.data["data/test.csv"]["recorded"] == "run time"
    manifest = session.to_manifest()
    assert set(manifest["reads"]) == {"data/train.csv", "data/test.csv", "data/notes.txt"}


def test_a_file_the_notebook_wrote_itself_is_not_an_input_but_the_source_scan_still_names_it(shell, tmp_path):
    session = kernel.get_session(shell)
    run(shell, "open('out.txt', 'w').write('x')\nopen('out.txt').read()")
    assert session.reads == {}
    assert session.data["out.txt"]["kind"] == "file" and "recorded" not in session.data["out.txt"]
