"""The runner: papermill over (notebook, parameter set) pairs in parallel, exports, manifest, atomic publishing.

Layout: <out>/<run-id>/<notebook>/<paramset>.{ipynb,html,pdf,results.json} and <out>/<run-id>/manifest.json.
A run is built in <out>/.incomplete-<run-id> and published by one rename; <out>/latest is a symlink replaced
atomically. A lock file stops two runs at once. Unchanged tasks (same notebook file, parameters, data fingerprint,
library version, formats) are carried over from the previous run unless force=True.
"""
from __future__ import annotations

import concurrent.futures as cf
import fcntl
import hashlib
import json
import multiprocessing
import os
import re
import secrets as _random
import shutil
import sys
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .. import __version__

from ..core import atomic, paths

from ..data import cache
from ..data.catalog import load_catalog
from ..core.errors import InputError, LiquidityError, LockedError
from .notebooks import list_notebooks, load_param_set, notebook_path, param_sets, read_param_file, resolve_parameters
from ..core.secrets import redact

FORMATS = ("ipynb", "html", "pdf")
RUN_ID_RE = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{4}$")


@dataclass
class Task:
    notebook: str
    paramset: str
    parameters: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.notebook}/{self.paramset}"


# -- planning (all input checks happen here, before any kernel starts) ------------------------------------------
def plan(notebooks: list[str] | None = None, all_notebooks: bool = False, params_set: str | None = None,
         overrides: dict | None = None, params_file: str | None = None, as_of: str | None = None) -> list[Task]:
    overrides = dict(overrides or {})
    if params_file:
        overrides = read_param_file(Path(params_file), "parameter file") | overrides
    if as_of is not None:
        overrides["as_of"] = as_of
    if all_notebooks and notebooks:
        raise InputError("give notebook names or --all, not both")
    names = list_notebooks() if all_notebooks else [notebook_path(n).stem for n in (notebooks or [])]
    if not names:
        raise InputError("no notebook given: name one (see `liquidity list`) or use --all")
    tasks = []
    for name in names:
        if params_set == "all":
            sets = param_sets(name) or ["default"]
        elif params_set:
            sets = [params_set]
        else:
            sets = ["default"]
        for s in sets:
            base = load_param_set(name, s) if (s in param_sets(name) or params_set) else {}
            given = base | overrides
            typed = resolve_parameters(name, given)
            label = s if not overrides else (f"{s}-custom" if params_set and params_set != "all" else "custom")
            if params_set == "all" and overrides:
                label = f"{s}-custom"
            tasks.append(Task(name, label, typed))
    return tasks


def parse_formats(text: str | list[str] | None) -> list[str]:
    if text is None:
        return ["ipynb", "html"]
    items = text if isinstance(text, list) else [t.strip() for t in str(text).split(",") if t.strip()]
    bad = [f for f in items if f not in FORMATS]
    if bad or not items:
        raise InputError(f"--formats {text!r}: choose from {', '.join(FORMATS)} (comma-separated)")
    if "ipynb" not in items:
        items = ["ipynb", *items]  # the executed notebook is the record every other format derives from
    return sorted(set(items), key=FORMATS.index)


# -- locking and publishing -----------------------------------------------------------------------------------
@contextmanager
def run_lock(out: Path):
    out.mkdir(parents=True, exist_ok=True)
    path = out / ".lock"
    fh = open(path, "a+")
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip() or "another process"
        fh.close()
        raise LockedError(f"another run or refresh is in progress on {out} ({holder}); "
                          f"wait for it to finish, then try again") from None
    fh.seek(0)
    fh.truncate()
    fh.write(f"pid {os.getpid()} since {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC\n")
    fh.flush()
    try:
        yield
    finally:
        fh.seek(0)
        fh.truncate()
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        fh.close()


def new_run_id() -> str:
    return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{_random.token_hex(2)}"


def latest_run(out: Path) -> Path | None:
    link = out / "latest"
    if link.is_symlink() or link.is_dir():
        target = link.resolve()
        return target if (target / "manifest.json").is_file() else None
    return None


def point_latest(out: Path, run_dir: Path) -> None:
    tmp = out / f".latest-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(run_dir.name, tmp)
    os.replace(tmp, out / "latest")


def prune(out: Path, keep: int) -> list[str]:
    """Remove all but the newest `keep` runs (never the one `latest` points to)."""
    if keep < 1:
        raise InputError(f"--keep {keep}: keep at least 1 run")
    runs = sorted(p for p in out.iterdir() if p.is_dir() and not p.is_symlink() and RUN_ID_RE.match(p.name))
    current = latest_run(out)
    removed = []
    for p in runs[:-keep]:
        if current is not None and p.resolve() == current:
            continue
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p.name)
    return removed


def _clean_incomplete(out: Path) -> None:
    for p in out.glob(".incomplete-*"):
        shutil.rmtree(p, ignore_errors=True)


# -- fingerprints ---------------------------------------------------------------------------------------------
def data_fingerprint() -> str:
    h = hashlib.sha256()
    metas = cache.all_meta()
    for info in load_catalog():
        meta = metas.get(info.id) or {}
        h.update(f"{info.id}:{meta.get('checksum', '')}:{meta.get('stale', '')}\n".encode())
    return h.hexdigest()[:16]


def task_fingerprint(task: Task, data_fp: str, formats: list[str], options: dict) -> str:
    h = hashlib.sha256()
    h.update(notebook_path(task.notebook).read_bytes())
    h.update(json.dumps(task.parameters, sort_keys=True, default=str).encode())
    h.update(f"{data_fp}|{__version__}|{','.join(formats)}|{json.dumps(options, sort_keys=True)}".encode())
    for mod in sorted(Path(__file__).resolve().parents[1].rglob("*.py")):  # library code changes re-run notebooks
        h.update(mod.read_bytes())
    return h.hexdigest()[:16]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# -- execution (in worker processes) --------------------------------------------------------------------------
def execute_task(task: Task, task_dir: str, formats: list[str], options: dict) -> dict:
    """Run one notebook with papermill and export it. Never raises: failures are reported in the result."""
    import nbformat
    import papermill as pm

    from .export import html_to_pdf, note_title, write_html
    from .results import extract

    os.environ["LIQUIDITY_CHARTS"] = "static"   # headless: SVG charts, no network
    os.environ["LIQUIDITY_ROOT"] = str(paths.project_root())
    started = time.monotonic()
    out_dir = Path(task_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    nb_out = out_dir / f"{task.paramset}.ipynb"
    record = {"notebook": task.notebook, "paramset": task.paramset, "parameters": task.parameters,
              "status": "ok", "error": "", "files": {}}
    try:
        pm.execute_notebook(str(notebook_path(task.notebook)), str(nb_out), parameters=task.parameters,
                            kernel_name="python3", progress_bar=False, log_output=False,
                            cwd=str(paths.notebooks_dir()), execution_timeout=options.get("timeout", 600))
    except pm.PapermillExecutionError as exc:
        record["status"] = "failed"
        record["error"] = redact(f"{exc.ename}: {exc.evalue}")
    except Exception as exc:  # kernel death, bad notebook JSON...
        record["status"] = "failed"
        record["error"] = redact(f"{type(exc).__name__}: {exc}")
    if nb_out.is_file():
        nb = nbformat.read(str(nb_out), as_version=4)
        _scrub_notebook(nb_out)
        values = extract(nb)
        if values is not None:
            atomic.write_json(out_dir / f"{task.paramset}.results.json", values)
        note = {"title": note_title(nb), "run_id": options["run_id"], "run_date": options["run_date"],
                "as_of": str(task.parameters.get("as_of", _default_as_of(task))), "paramset": task.paramset,
                "status": "ok" if record["status"] == "ok" else f"FAILED: {record['error']}"}
        try:
            if "html" in formats or "pdf" in formats:
                write_html(nb_out, out_dir / f"{task.paramset}.html", note, show_code=options.get("show_code", False))
            if "pdf" in formats:
                html_to_pdf(out_dir / f"{task.paramset}.html", out_dir / f"{task.paramset}.pdf", note["title"],
                            note["as_of"], page_size=options.get("page_size", "A4"))
            if "html" not in formats:
                (out_dir / f"{task.paramset}.html").unlink(missing_ok=True)
        except LiquidityError as exc:
            record["status"] = "failed"
            record["error"] = (record["error"] + "; " if record["error"] else "") + redact(str(exc))
        except Exception as exc:
            record["status"] = "failed"
            record["error"] = (record["error"] + "; " if record["error"] else "") + redact(
                f"export failed: {type(exc).__name__}: {exc}")
    for f in sorted(out_dir.iterdir()):
        if f.is_file() and f.name.startswith(task.paramset + "."):
            record["files"][f.name] = sha256_file(f)
    record["seconds"] = round(time.monotonic() - started, 2)
    return record


def _default_as_of(task: Task) -> str:
    from .notebooks import declared_params

    p = declared_params(task.notebook).get("as_of")
    return str(p.default) if p else "latest"


def _scrub_notebook(path: Path) -> None:
    """Secrets never reach outputs: mask FRED_API_KEY wherever a traceback or log may have printed it."""
    text = path.read_text(encoding="utf-8")
    clean = redact(text)
    if clean != text:
        atomic.write_text(path, clean)


# -- the run --------------------------------------------------------------------------------------------------
@dataclass
class RunReport:
    run_id: str
    run_dir: Path
    tasks: list[dict]
    manifest: dict

    @property
    def failed(self) -> list[dict]:
        return [t for t in self.tasks if t["status"] == "failed"]


def run(tasks: list[Task], formats: list[str] | None = None, jobs: int | None = None, out: Path | None = None,
        force: bool = False, show_code: bool = False, page_size: str = "A4", keep: int | None = None,
        progress=None, lock: bool = True, data_update: dict | None = None) -> RunReport:
    paths.absolutize_env()
    formats = parse_formats(formats)
    out = Path(out) if out else paths.outputs_dir()
    jobs = jobs or os.cpu_count() or 1
    if jobs < 1:
        raise InputError(f"--jobs {jobs}: use 1 or more")
    if page_size not in ("A4", "Letter"):
        raise InputError(f"--page-size {page_size!r}: choose A4 or Letter")
    if "pdf" in formats:
        from .export import BROWSER_HELP, find_browser

        if not find_browser():
            raise InputError(BROWSER_HELP)
    ctx = run_lock(out) if lock else _nullcontext()
    with ctx:
        return _run_locked(tasks, formats, jobs, out, force, show_code, page_size, keep, progress, data_update)


@contextmanager
def _nullcontext():
    yield


def _run_locked(tasks, formats, jobs, out, force, show_code, page_size, keep, progress, data_update) -> RunReport:
    from ..data import store
    from .report import git_commit, versions

    _clean_incomplete(out)
    run_id = new_run_id()
    started = datetime.now(timezone.utc)
    tmp_dir = out / f".incomplete-{run_id}"
    tmp_dir.mkdir(parents=True)
    options = {"run_id": run_id, "run_date": f"{started:%Y-%m-%d %H:%M} UTC", "show_code": show_code,
               "page_size": page_size}
    fp_options = {"show_code": show_code, "page_size": page_size}
    data_fp = data_fingerprint()
    previous = latest_run(out)
    prev_manifest = json.loads((previous / "manifest.json").read_text()) if previous else {}
    prev_tasks = {f"{t['notebook']}/{t['paramset']}": t for t in prev_manifest.get("notebooks", [])}

    results: dict[str, dict] = {}
    to_run = []
    for task in tasks:
        fp = task_fingerprint(task, data_fp, formats, fp_options)
        prev = prev_tasks.get(task.key)
        if not force and prev and prev.get("fingerprint") == fp and prev.get("status") in ("ok", "reused"):
            src_dir = previous / task.notebook
            files = prev.get("files", {})
            if files and all((src_dir / f).is_file() for f in files):
                dst = tmp_dir / task.notebook
                dst.mkdir(parents=True, exist_ok=True)
                for f in files:
                    _link_or_copy(src_dir / f, dst / f)
                results[task.key] = {**prev, "status": "reused", "seconds": 0.0, "fingerprint": fp,
                                     "reused_from": prev_manifest.get("run_id")}
                continue
        to_run.append((task, fp))

    done = len(results)
    if progress:
        progress(done, len(tasks), "")
    if to_run:
        if jobs == 1 or len(to_run) == 1:
            for task, fp in to_run:
                rec = execute_task(task, str(tmp_dir / task.notebook), formats, options)
                results[task.key] = {**rec, "fingerprint": fp}
                done += 1
                if progress:
                    progress(done, len(tasks), task.key)
        else:
            mp = multiprocessing.get_context("spawn")
            with cf.ProcessPoolExecutor(max_workers=min(jobs, len(to_run)), mp_context=mp) as pool:
                futures = {pool.submit(execute_task, task, str(tmp_dir / task.notebook), formats, options): (task, fp)
                           for task, fp in to_run}
                for fut in cf.as_completed(futures):
                    task, fp = futures[fut]
                    try:
                        rec = fut.result()
                    except Exception as exc:  # a worker that died
                        rec = {"notebook": task.notebook, "paramset": task.paramset, "parameters": task.parameters,
                               "status": "failed", "error": redact(f"worker died: {exc}"), "files": {}, "seconds": 0}
                    results[task.key] = {**rec, "fingerprint": fp}
                    done += 1
                    if progress:
                        progress(done, len(tasks), task.key)

    status_rows = store.status().to_dict(orient="records")
    manifest = {
        "run_id": run_id,
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "library_version": __version__,
        "versions": versions(),
        "formats": formats,
        "data_fingerprint": data_fp,
        "data_update": data_update or {},
        "series": {r["series"]: {"source": r["source"], "last_observation": r["last_observation"],
                                 "fetched_at": r["fetched_at"], "stale": bool(r["stale"]), "reason": r["reason"]}
                   for r in status_rows},
        "notebooks": [results[t.key] for t in tasks],
    }
    atomic.write_text(tmp_dir / "manifest.json", redact(json.dumps(manifest, indent=2, default=str)) + "\n")
    final = out / run_id
    os.rename(tmp_dir, final)          # publish: one atomic rename
    point_latest(out, final)
    if keep:
        prune(out, keep)
    return RunReport(run_id, final, manifest["notebooks"], manifest)


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def summary_table(report: RunReport) -> str:
    rows = [("notebook", "paramset", "status", "seconds", "note")]
    for t in report.tasks:
        note = t.get("error", "") or (f"reused from {t.get('reused_from')}" if t["status"] == "reused" else "")
        rows.append((t["notebook"], t["paramset"], t["status"], f"{t.get('seconds', 0):.1f}", note[:100]))
    widths = [max(len(str(r[i])) for r in rows) for i in range(4)]
    lines = ["  ".join(str(r[i]).ljust(widths[i]) for i in range(4)) + "  " + r[4] for r in rows]
    lines.insert(1, "-" * (sum(widths) + 8))
    ok = sum(t["status"] in ("ok", "reused") for t in report.tasks)
    lines.append(f"{ok} of {len(report.tasks)} notebook runs succeeded; outputs in {report.run_dir}")
    return "\n".join(lines)


def list_tasks_json(tasks: list[Task], formats: list[str]) -> str:
    """For Airflow and other schedulers: one entry per task with the command that runs it alone."""
    out = []
    for t in tasks:
        cmd = ["liquidity", "run", t.notebook, "--params-set", t.paramset.replace("-custom", "").replace("custom", "default"),
               "--formats", ",".join(formats)]
        for k, v in t.parameters.items():
            cmd += ["-p", k, json.dumps(v) if not isinstance(v, str) else v]
        out.append({"task_id": t.key.replace("/", "__"), "notebook": t.notebook, "paramset": t.paramset,
                    "parameters": t.parameters, "command": cmd})
    return json.dumps(out, indent=2, default=str)


def _print_exc() -> str:  # used by the CLI for unexpected errors
    return redact("".join(traceback.format_exception(*sys.exc_info())))
