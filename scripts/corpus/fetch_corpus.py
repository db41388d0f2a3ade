"""Re-fetch the third-party lint corpus listed in a manifest.

The notebooks themselves are never committed: ``tests/corpus/lint_manifest.tsv`` names, for each
one, the public GitHub repository, the commit it was read at, its path there and its local name
(``<owner>__<repo>/<path>``). This script puts every listed file at ``DEST/<local>``.

For each repository it uses, in order:

1. a local bare mirror ``MIRROR/<owner>+<repo>/repo`` (or ``MIRROR/<owner>+<repo>``) when
   ``--mirror`` is given and the commit is in it;
2. otherwise, unless ``--offline``, a ``git clone --filter=blob:none --no-checkout`` of
   ``https://github.com/<owner>/<repo>`` into ``DEST/.clones`` (reused on later runs), fetching
   the commit when it is not on the default branch.

Files already present with the same content are left alone (the run is idempotent). Every file
that could not be had is named at the end, with the reason, and the exit code is 1; 0 when every
file is in place; 2 on bad usage (missing manifest, malformed row).

usage: python scripts/corpus/fetch_corpus.py [--manifest M] [--dest D] [--mirror DIR] [--offline]
"""
from __future__ import annotations

import argparse
import csv
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve()
DEFAULT_MANIFEST = HERE.parents[2] / "tests" / "corpus" / "lint_manifest.tsv"
COLUMNS = ("repo", "commit", "path", "local")


class ManifestError(Exception):
    """The manifest is missing or a row is malformed (exit code 2)."""


def read_manifest(path: Path) -> list[dict[str, str]]:
    """Rows of the manifest, each with the four columns, checked."""
    if not path.is_file():
        raise ManifestError(f"manifest {path} does not exist (pass --manifest)")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ManifestError(f"manifest {path} lacks the column(s) {', '.join(missing)}")
        rows = []
        for n, row in enumerate(reader, start=2):
            if row["repo"].count("/") != 1 or len(row["commit"]) != 40:
                raise ManifestError(
                    f"manifest {path}, line {n}: repo must be owner/name and commit 40 hex digits"
                )
            if row["local"].startswith("/") or ".." in Path(row["local"]).parts:
                raise ManifestError(f"manifest {path}, line {n}: local name must be relative")
            rows.append({c: row[c] for c in COLUMNS})
    return rows


def _git(git_dir: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], capture_output=True)


def _has_commit(git_dir: Path, commit: str) -> bool:
    return _git(git_dir, "cat-file", "-e", f"{commit}^{{commit}}").returncode == 0


def find_mirror(mirror: Path | None, repo: str, commit: str) -> Path | None:
    """A local git dir holding ``commit`` of ``repo``, or None."""
    if mirror is None:
        return None
    base = mirror / repo.replace("/", "+")
    for cand in (base / "repo", base / "repo" / ".git", base, base / ".git"):
        if (cand / "HEAD").is_file() and (cand / "objects").is_dir() and _has_commit(cand, commit):
            return cand
    return None


def clone(dest: Path, repo: str, commit: str) -> tuple[Path | None, str]:
    """A partial clone of ``repo`` under ``dest/.clones`` holding ``commit`` (or the reason not)."""
    git_dir = dest / ".clones" / repo.replace("/", "+")
    url = f"https://github.com/{repo}"
    if not (git_dir / "HEAD").is_file():
        git_dir.parent.mkdir(parents=True, exist_ok=True)
        r = subprocess.run(
            ["git", "clone", "--bare", "--filter=blob:none", "--quiet", url, str(git_dir)],
            capture_output=True, text=True,
        )
        if r.returncode:
            return None, f"git clone {url} failed: {r.stderr.strip()[-200:]}"
    if not _has_commit(git_dir, commit):
        r = subprocess.run(
            ["git", f"--git-dir={git_dir}", "fetch", "--quiet", "origin", commit],
            capture_output=True, text=True,
        )
        if r.returncode or not _has_commit(git_dir, commit):
            return None, f"commit {commit[:12]} not available from {url}: {r.stderr.strip()[-200:]}"
    return git_dir, ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    ap.add_argument("--dest", type=Path, default=Path("/work/corpus/lint"))
    ap.add_argument("--mirror", type=Path, default=None, help="directory of bare mirrors owner+name/")
    ap.add_argument("--offline", action="store_true", help="never clone; use --mirror only")
    args = ap.parse_args(argv)
    try:
        rows = read_manifest(args.manifest)
    except ManifestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    by_repo: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row in rows:
        by_repo.setdefault((row["repo"], row["commit"]), []).append(row)
    failures: list[str] = []
    written = same = 0
    for (repo, commit), items in sorted(by_repo.items()):
        git_dir = find_mirror(args.mirror, repo, commit)
        reason = f"no mirror of {repo} at {commit[:12]} under {args.mirror}"
        if git_dir is None and not args.offline:
            git_dir, reason = clone(args.dest, repo, commit)
        if git_dir is None:
            failures += [f"{it['local']}: {reason}" for it in items]
            continue
        for it in items:
            r = _git(git_dir, "show", f"{commit}:{it['path']}")
            if r.returncode:
                msg = r.stderr.decode(errors="replace").strip()
                failures.append(f"{it['local']}: {repo}@{commit[:12]}:{it['path']}: {msg[-200:]}")
                continue
            out = args.dest / it["local"]
            if out.is_file() and out.read_bytes() == r.stdout:
                same += 1
                continue
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_name(out.name + ".part")
            tmp.write_bytes(r.stdout)
            tmp.replace(out)
            written += 1
    print(f"{written} written, {same} already in place, {len(failures)} missing under {args.dest}")
    for f in failures:
        print(f"missing: {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
