"""``python -m nbpromote.pipeline._worker TASK RESULT``: one stage in a fresh process.

Started by :class:`~nbpromote.pipeline.ProcessExecutor`; loads the inputs from the artifact store
by hash, runs the stage and writes its output references (or the error) to ``RESULT`` as JSON.
"""

from __future__ import annotations

import sys

from ._executors import worker_main

if __name__ == "__main__":
    sys.exit(worker_main(sys.argv[1], sys.argv[2]))
