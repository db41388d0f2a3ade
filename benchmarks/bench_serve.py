"""The scoring service against ``mlflow models serve`` of the same model, side by side in one run.

    .venv/bin/python benchmarks/bench_serve.py [--quick] [--json]

Setup (in a temporary directory, loopback only): export notebooks/credit_risk.ipynb, run it twice
(v1 as it stands, v2 with C=0.05), register both and promote v1. The same v1 model is saved with
``mlflow.sklearn.save_model`` and served by ``mlflow models serve --env-manager local``; ours is
``python -m <pkg> serve``. Both are separate processes on 127.0.0.1, driven by the same client
(one keep-alive connection each, requests interleaved one to each server in turn so both see the
same machine load, the same ``{"dataframe_records": …}`` body). Throughput is requests per second
of time spent waiting on that server.

1. Latency p50/p99 and throughput, single-row and 100-row requests, ours vs MLflow's.
2. For a 100-row batch, our server's own breakdown: validation, feature stages, model, logging,
   and (validation + logging) as a share of the request's total (goal ≤ 25 %).
3. A load test (bounded: N requests over 4 client threads, and a time limit): a canary starts
   a third of the way in, v2 is promoted half way (the service hot-reloads it), the canary stops
   at two thirds; afterwards every request must have had a 200 answer and a record in the
   prediction log (read back after the server's clean stop), and the log chain must verify.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "credit_risk.ipynb"
NAME = "credit_bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def env_for(package: Path, home: Path) -> dict[str, str]:
    return dict(os.environ, NBPROMOTE_HOME=str(home),
                PYTHONPATH=os.pathsep.join([str(package / "src"), str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))


def pkg(package: Path, home: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", NAME, *args], cwd=package, env=env_for(package, home), check=True,
                   capture_output=True, timeout=600)


def setup(root: Path) -> tuple[Path, Path]:
    from nbpromote.export import export_notebook

    package = Path(export_notebook(NOTEBOOK, root / "pkg", name=NAME, allow_findings=True).package_dir)
    home = root / "home"
    pkg(package, home, "run")
    pkg(package, home, "register")
    pkg(package, home, "promote", "1", "--reason", "bench", "--approve")
    pkg(package, home, "run", "--param", "C=0.05")
    pkg(package, home, "register")
    return package, home


def wait_ready(port: int, path: str, process: subprocess.Popen, limit: float = 180.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} exited early ({process.returncode})")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server on port {port} not ready after {limit} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def start_ours(package: Path, home: Path, port: int, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", NAME, "serve", "--port", str(port), "--stop-after", "900", "--timeout-ms", os.environ.get("BENCH_TIMEOUT_MS", "30000"),
           *extra]
    process = subprocess.Popen(cmd, cwd=package, env=env_for(package, home), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    wait_ready(port, "/ready", process)
    return process


def start_mlflow(package: Path, home: Path, root: Path, port: int) -> subprocess.Popen:
    sys.path.insert(0, str(package / "src"))
    os.environ["NBPROMOTE_HOME"] = str(home)
    import mlflow.sklearn

    from nbpromote.registry import open_registry

    registry = open_registry()
    try:
        model = registry.load(NAME, 1)
    finally:
        registry.close()
    target = root / "mlflow-model"
    mlflow.sklearn.save_model(model, str(target), serialization_format="cloudpickle")
    cmd = [sys.executable, "-m", "mlflow", "models", "serve", "-m", str(target), "--env-manager", "local",
           "-h", "127.0.0.1", "-p", str(port), "-w", "1"]
    env = dict(env_for(package, home), MLFLOW_TRACKING_URI=f"file://{root / 'mlruns'}",
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    process = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(port, "/ping", process)
    return process


def drive(targets: dict[str, tuple[int, str]], body: bytes, n: int) -> dict:
    """Interleaved requests (one to each server in turn), so both see the same machine load."""
    conns = {who: http.client.HTTPConnection("127.0.0.1", port, timeout=60) for who, (port, _p) in targets.items()}
    latencies: dict[str, list[float]] = {who: [] for who in targets}
    busy: dict[str, float] = {who: 0.0 for who in targets}
    for i in range(n + 3):
        for who, (_port, path) in targets.items():
            t = time.perf_counter()
            conns[who].request("POST", path, body, {"Content-Type": "application/json"})
            response = conns[who].getresponse()
            payload = response.read()
            elapsed = time.perf_counter() - t
            assert response.status == 200, payload[:300]
            if i >= 3:  # the first three are warm-up
                latencies[who].append(elapsed * 1000)
                busy[who] += elapsed
    out = {}
    for who, values in latencies.items():
        values.sort()
        out[who] = {"p50_ms": statistics.median(values), "p99_ms": values[min(n - 1, int(0.99 * n))],
                    "requests_per_s": n / busy[who]}
    return out


def body_of(package: Path, rows: int, start: int = 0) -> bytes:
    import pandas as pd

    frame = pd.read_csv(package / "data" / "credit.csv").drop(columns=["default"]).iloc[start:start + rows]
    return json.dumps({"dataframe_records": json.loads(frame.to_json(orient="records"))}).encode()


def breakdown(port: int, body: bytes, n: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    parts: dict[str, list[float]] = {}
    for _ in range(n):
        conn.request("POST", "/predict", body, {"Content-Type": "application/json"})
        doc = json.loads(conn.getresponse().read())
        for key, value in {**doc["timings_ms"], "total_ms": doc["latency_ms"]}.items():
            parts.setdefault(key, []).append(value)
    medians = {k: statistics.median(v) for k, v in parts.items()}
    medians["validation_plus_logging_share"] = (medians["validation_ms"] + medians["logging_ms"]) / medians["total_ms"]
    return medians


def load_test(package: Path, home: Path, n: int, limit_s: float) -> dict:
    port = free_port()
    server = start_ours(package, home, port, "--reload-interval", "0.5")
    bodies = [body_of(package, 1 + i % 5, start=i) for i in range(50)]
    answers: dict[str, int] = {}
    versions: dict[str, int] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + limit_s
    done = [0]

    def one(i: int) -> None:
        if time.monotonic() > deadline:
            return
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        rid = f"load-{i:05d}"
        conn.request("POST", "/predict", bodies[i % len(bodies)],
                     {"Content-Type": "application/json", "X-Request-Id": rid, "X-Routing-Key": f"user-{i}"})
        response = conn.getresponse()
        doc = json.loads(response.read())
        with lock:
            answers[rid] = response.status
            versions[f"{doc.get('role')}:v{doc.get('version')}"] = versions.get(
                f"{doc.get('role')}:v{doc.get('version')}", 0) + 1
            done[0] += 1
        conn.close()

    def admin(path: str, payload: dict) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("POST", path, json.dumps(payload).encode(), {"Content-Type": "application/json"})
        conn.getresponse().read()

    def promote_v2() -> None:
        from nbpromote.registry import open_registry

        registry = open_registry(str(home / "registry.db"))
        try:
            v1, v2 = (registry.get(NAME, v).metrics for v in (1, 2))
            metric = next((m for m in sorted(v2) if not m.startswith("n_") and v2[m] > v1.get(m, v2[m])), None)
            if metric is None:
                raise SystemExit("v2 is better on no metric; cannot promote it through the gate")
            registry.promote(NAME, 2, metric=metric, delta=0.0, reason="bench: hot reload under load", approve=True)
        finally:
            registry.close()

    events = []
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = []
        for i in range(n):
            if i == n // 3:
                admin("/admin/canary", {"version": 2, "share": 0.2})
                events.append(("canary v2 20%", round(time.perf_counter() - started, 2)))
            if i == n // 2:
                promote_v2()
                events.append(("promoted v2", round(time.perf_counter() - started, 2)))
            if i == 2 * n // 3:
                admin("/admin/canary", {"version": None})
                events.append(("canary stopped", round(time.perf_counter() - started, 2)))
            futures.append(pool.submit(one, i))
            while len([f for f in futures if not f.done()]) > 8:
                time.sleep(0.001)
        for future in futures:
            future.result()
    wall = time.perf_counter() - started
    stop(server)  # a clean stop flushes the prediction log
    sys.path.insert(0, str(ROOT / "src"))
    from nbpromote.serving._log import LogSettings, open_log

    os.environ["NBPROMOTE_HOME"] = str(home)
    log = open_log(LogSettings(db=str(home / "registry.db")))
    try:
        records = log.tail(max(10 * n, 1000))
        verified = log.verify()
    finally:
        log.close()
    logged = {r.data.get("request_id") for r in records
              if (r.data.get("extra") or {}).get("role") in ("champion", "canary")}
    missing_log = [rid for rid in answers if rid not in logged]
    return {"requests": n, "answered": len(answers), "status_200": sum(1 for s in answers.values() if s == 200),
            "missing_log_records": len(missing_log), "log_verifies": bool(verified.ok), "wall_s": round(wall, 2),
            "answered_by": versions, "events": events, "time_limited": len(answers) < n}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    single_n, batch_n, load_n = (100, 30, 200) if args.quick else (500, 100, 1000)
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        root = Path(tmp)
        package, home = setup(root)
        ours_port, mlflow_port = free_port(), free_port()
        ours = start_ours(package, home, ours_port, "--reload-interval", "0")
        theirs = start_mlflow(package, home, root, mlflow_port)
        try:
            one, hundred = body_of(package, 1), body_of(package, 100)
            result: dict = {}
            targets = {"nbpromote": (ours_port, "/predict"), "mlflow": (mlflow_port, "/invocations")}
            for label, body, n in (("single_row", one, single_n), ("batch_100", hundred, batch_n)):
                measured = drive(targets, body, n)
                result[label] = {who: {k: round(v, 3) for k, v in m.items()} for who, m in measured.items()}
                result[label]["p50_ratio_ours_to_mlflow"] = round(
                    measured["nbpromote"]["p50_ms"] / measured["mlflow"]["p50_ms"], 3)
            result["breakdown_100_rows_ms"] = {k: round(v, 3) for k, v in breakdown(ours_port, hundred, batch_n).items()}
        finally:
            stop(ours)
            stop(theirs)
        result["load_test"] = load_test(package, home, load_n, limit_s=240.0)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        for label in ("single_row", "batch_100"):
            r = result[label]
            print(f"{label}: nbpromote p50 {r['nbpromote']['p50_ms']:.2f} ms p99 {r['nbpromote']['p99_ms']:.2f} ms "
                  f"{r['nbpromote']['requests_per_s']:.0f} req/s | mlflow p50 {r['mlflow']['p50_ms']:.2f} ms "
                  f"p99 {r['mlflow']['p99_ms']:.2f} ms {r['mlflow']['requests_per_s']:.0f} req/s | "
                  f"p50 ratio {r['p50_ratio_ours_to_mlflow']}")
        b = result["breakdown_100_rows_ms"]
        print("100-row breakdown (median ms): " + ", ".join(f"{k} {v:.2f}" for k, v in b.items()
                                                            if k.endswith("_ms")))
        print(f"validation + logging = {b['validation_plus_logging_share']:.1%} of the request (goal <= 25%)")
        lt = result["load_test"]
        print(f"load test: {lt['answered']}/{lt['requests']} answered, {lt['status_200']} x 200, "
              f"{lt['missing_log_records']} without a log record, log verifies: {lt['log_verifies']}, "
              f"{lt['wall_s']} s; answered by {lt['answered_by']}; events {lt['events']}")
    lt = result["load_test"]
    ok = lt["answered"] == lt["requests"] and lt["status_200"] == lt["requests"] and not lt["missing_log_records"] \
        and lt["log_verifies"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
