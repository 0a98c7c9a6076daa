"""The runner: papermill over (notebook, parameter set, language) tasks in parallel, exports, manifest, atomic
publishing.

Layout: <out>/<run-id>/<notebook>/<set>[.<lang>].{ipynb,html,pdf,results.json} and <out>/<run-id>/manifest.json
(English files carry no language suffix). A run is built in <out>/.incomplete-<run-id> and published by one rename;
<out>/latest is a symlink replaced atomically. A lock file stops two runs at once. Unchanged tasks (same notebook,
parameters, data fingerprint, library source, formats) are carried over from the previous run unless force=True.

Reliability (issue 25): a run reads one snapshot of the cache (`cache.snapshot`, its fingerprint in the manifest and
in every note's record; kernels get it as LIQUIDITY_CACHE), so a concurrent `data update` neither changes its data
nor waits for it. Every note passes the publish gate (`gate.py`) before the run is renamed into place; `latest` moves
only when every note asked for succeeded (or with publish_partial), and then carries the other notes of the previous
`latest` forward, so that a run of one notebook does not make the others disappear. SIGTERM/SIGHUP/SIGINT stop the
workers and their kernels (`signals.py`) and leave `latest` as it was.

Kernels run in worker processes whose stderr goes to <out>/logs/kernels.log, so a terminal shows only the progress
display and the summary. Every PDF of a run is printed by one headless Chromium in the main process, while the
workers go on with the next notebooks.
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
import tempfile
import time
import traceback
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .. import __version__
from ..core import atomic, paths
from ..core.dates import parse_as_of
from ..core.errors import InputError, LockedError
from ..core.secrets import redact
from ..data import cache
from ..data.catalog import load_catalog
from . import gate, kernels, signals
from .i18n import LANGS
from .notebooks import (PROVIDERS, list_notebooks, load_param_set, notebook_path, param_sets, providers_of,
                        read_param_file, resolve_parameters)

FORMATS = ("ipynb", "html", "pdf")
WARM_KERNELS_VARIABLE = "LIQUIDITY_WARM_KERNELS"   # 1 turns warm kernels on (benchmarks compare both)
MAX_JOBS = 32                   # notebook runs at once: each is a kernel of several hundred MB
SNAPSHOT_DIR = ".snapshot"      # in the run's temporary folder: the run's copy of the cache, removed before publishing
OUTPUT_SUFFIXES = (".ipynb", ".html", ".pdf", ".results.json")
RUN_ID_RE = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{4}$")


@dataclass
class Task:
    notebook: str
    paramset: str
    parameters: dict = field(default_factory=dict)
    lang: str = "en"

    @property
    def stem(self) -> str:
        """The file name stem: the set, with the language for anything but English (default.zh)."""
        return self.paramset if self.lang == "en" else f"{self.paramset}.{self.lang}"

    @property
    def key(self) -> str:
        return f"{self.notebook}/{self.stem}"

    @property
    def task_id(self) -> str:
        return self.key.replace("/", "__").replace(".", "_")

    def files(self, names) -> list[str]:
        """Which of `names` (a folder listing) are this task's outputs."""
        return sorted(n for n in names if any(n == self.stem + s for s in OUTPUT_SUFFIXES))


# -- planning (all input checks happen here, before any kernel starts) ------------------------------------------
def parse_langs(text: str | list[str] | None) -> list[str] | None:
    if text is None:
        return None
    items = text if isinstance(text, list) else [t.strip() for t in str(text).split(",") if t.strip()]
    bad = [t for t in items if t not in LANGS]
    if bad or not items:
        raise InputError(f"--lang {text!r}: choose from {', '.join(LANGS)} (comma-separated, e.g. en,zh)")
    return sorted(set(items), key=LANGS.index)


def plan(notebooks: list[str] | None = None, all_notebooks: bool = False, params_set: str | None = None,
         overrides: dict | None = None, params_file: str | None = None, as_of: str | None = None,
         langs: list[str] | str | None = None) -> list[Task]:
    overrides = dict(overrides or {})
    if params_file:                  # from the working folder; only inside the project or LIQUIDITY_ALLOW_DIR
        overrides = read_param_file(paths.user_file(Path.cwd() / Path(params_file), "-f"), "parameter file") | overrides
    if as_of is not None:
        overrides["as_of"] = as_of
    langs = parse_langs(langs)
    if langs is not None and "lang" in overrides:
        raise InputError("give the language once: --lang (one or more) or -p lang, not both")
    if all_notebooks and notebooks:
        raise InputError("give notebook names or --all, not both")
    names = list_notebooks() if all_notebooks else [notebook_path(n).stem for n in (notebooks or [])]
    if not names:
        raise InputError("no notebook given: name one (see `liquidity list`) or use --all")
    tasks = []
    # named sets with several notebooks: each runs those it has (a name none has is an error); with one notebook
    # every named set must exist (load_param_set says which it has)
    chosen = [s.strip() for s in str(params_set).split(",") if s.strip()] if params_set and params_set != "all" else []
    unknown = [s for s in chosen if len(names) > 1 and not any(s in param_sets(n) for n in names)]
    if unknown:
        raise InputError(f"--params-set: no notebook of {', '.join(names)} has a set {', '.join(unknown)} (see "
                         "`liquidity list`)")
    for name in names:
        if params_set == "all":
            sets = param_sets(name) or ["default"]
        elif chosen:
            sets = [s for s in chosen if s in param_sets(name)] if len(names) > 1 else chosen
        else:
            sets = ["default"]
        for s in sets:
            base = load_param_set(name, s) if (s in param_sets(name) or params_set) else {}
            label = s if not overrides else (f"{s}-custom" if params_set and params_set != "all" else "custom")
            if params_set == "all" and overrides:
                label = f"{s}-custom"
            for lang in langs or [overrides.get("lang", "en")]:
                given = base | overrides | {"lang": lang}
                typed = resolve_parameters(name, given)
                _check_as_of_against_the_data(name, typed.get("as_of"))
                tasks.append(Task(name, label, typed, lang))
    return tasks


def _check_as_of_against_the_data(notebook: str, as_of) -> None:
    """as_of before the balance sheet's first publication is an input error before any kernel starts (when the
    cache knows the first observation; a fresh cache leaves it to the notebook)."""
    from ..data.dataset import CORE_SERIES

    when = parse_as_of(as_of) if as_of is not None else None
    if when is None or not cache.db_path().exists():
        return
    first = (cache.read_meta(CORE_SERIES) or {}).get("first_observation")
    if not first:
        return
    info = load_catalog().get(CORE_SERIES)
    published = info.publication_dates([first])[0]
    if when < published:
        raise InputError(f"parameter as_of={as_of!r} is before the data of notebook {notebook} start: the first "
                         f"{CORE_SERIES} observation ({first}) was published on {published:%Y-%m-%d}; choose a "
                         "later as_of")


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
    failed = out / FAILED_NOTES
    kept = sorted(p for p in failed.iterdir() if RUN_ID_RE.match(p.name)) if failed.is_dir() else []
    for p in kept[:-keep]:
        shutil.rmtree(p, ignore_errors=True)
    return removed


def _clean_incomplete(out: Path) -> None:
    """Remove what an interrupted run left; a staged run (stage.json, built by a scheduler's workers) is left alone
    until it is older than STAGE_MAX_AGE_DAYS."""
    for p in out.glob(".incomplete-*"):
        stage_file = p / STAGE_FILE
        if stage_file.is_file() and time.time() - stage_file.stat().st_mtime < 86400 * STAGE_MAX_AGE_DAYS:
            continue
        shutil.rmtree(p, ignore_errors=True)


# -- fingerprints ---------------------------------------------------------------------------------------------
def data_fingerprint(root: Path | None = None) -> str:
    """The identity of the cache's data (a run's snapshot when `root` is given): every entry's checksum and state."""
    h = hashlib.sha256()
    metas = cache.all_meta(root)
    catalog = load_catalog()
    for sid in [*catalog.ids(), *catalog.tables]:          # series and statement tables
        meta = metas.get(sid) or {}
        h.update(f"{sid}:{meta.get('checksum', '')}:{meta.get('stale', '')}\n".encode())
    return h.hexdigest()[:16]


def provider_digest(notebook: str, run_dir: Path, previous: Path | None) -> str:
    """What a reader note quotes from its providers (the scorecard's sidecars): from the run being built, else from
    the last published run. Part of the reader's fingerprint, so a new scorecard re-runs the notes quoting it."""
    h = hashlib.sha256()
    for provider in providers_of(notebook):
        folder = run_dir / provider
        if not folder.is_dir() or not any(folder.glob("*.results.json")):
            folder = (previous / provider) if previous is not None else folder
        for f in sorted(folder.glob("*.results.json")) if folder.is_dir() else []:
            h.update(f.name.encode() + f.read_bytes())
    return h.hexdigest()[:16]


def task_fingerprint(task: Task, data_fp: str, formats: list[str], options: dict) -> str:
    h = hashlib.sha256()
    h.update(notebook_path(task.notebook).read_bytes())
    h.update(json.dumps(task.parameters, sort_keys=True, default=str).encode())
    h.update(f"{data_fp}|{__version__}|{','.join(formats)}|{json.dumps(options, sort_keys=True)}".encode())
    for mod in sorted(Path(__file__).resolve().parents[1].rglob("*")):   # library code, locale and templates
        if mod.is_file() and mod.suffix in (".py", ".yaml", ".j2", ".json"):
            h.update(mod.read_bytes())
    for f in ("series.yaml", "events.yaml", "releases.yaml"):
        path = paths.data_dir() / f
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


# -- execution (in worker processes) --------------------------------------------------------------------------
def _worker_init(log_path: str, cache_dir: str | None = None) -> None:
    """Workers (and the kernels they start) write to the run's kernel log, not to the terminal, read the run's
    snapshot of the cache, and stop their kernels when they are stopped."""
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stderr = open(2, "w", closefd=False)
    if cache_dir:
        os.environ["LIQUIDITY_CACHE"] = cache_dir
    signals.worker_setup()


def warm_kernels() -> bool:
    """Whether workers start the next note's kernel while the current one runs (kernels.py). Off unless
    LIQUIDITY_WARM_KERNELS=1: on 2 cores with 2 jobs it saved nothing (the spare's start-up takes the CPU the running
    notes need; benchmarks/README.md); a machine with idle cores beside its jobs may gain."""
    return os.environ.get(WARM_KERNELS_VARIABLE, "0").strip().lower() in ("1", "true", "yes", "on")


def same_execution(tasks: list[Task]) -> list[list[Task]]:
    """Tasks that one execution serves: the same notebook, set and parameters in different languages. The kernel,
    the data and the computation are paid once; each language is rendered from the same results (i18n.Text)."""
    groups: dict[str, list[Task]] = {}
    for t in tasks:
        same = json.dumps({k: v for k, v in t.parameters.items() if k != "lang"}, sort_keys=True, default=str)
        groups.setdefault(f"{t.notebook}\x00{t.paramset}\x00{same}", []).append(t)
    return list(groups.values())


def execute_task(task: Task, task_dir: str, formats: list[str], options: dict) -> dict:
    """One notebook in one language (`execute_tasks` with one task)."""
    return execute_tasks([task], task_dir, formats, options)[0]


def execute_tasks(tasks: list[Task], task_dir: str, formats: list[str], options: dict) -> list[dict]:
    """Run one notebook once with papermill for the languages of `tasks` (the same notebook and parameters), then
    write each language's notebook, sidecar and HTML. Never raises: failures are reported in the records."""
    import nbformat
    import papermill as pm

    from .export import write_html
    from .i18n import LANGS_VARIABLE, set_language
    from .report import RUN_DIR_VARIABLE, split_languages
    from .results import extract

    langs = [t.lang for t in tasks]
    os.environ["LIQUIDITY_CHARTS"] = "static"   # headless: SVG charts, no network
    os.environ["LIQUIDITY_ROOT"] = str(paths.project_root())
    os.environ[RUN_DIR_VARIABLE] = str(Path(task_dir).parent)   # a note quotes the scorecard of its own run
    if len(langs) > 1:
        os.environ[LANGS_VARIABLE] = ",".join(langs)
    else:
        os.environ.pop(LANGS_VARIABLE, None)
    started = time.monotonic()
    out_dir = Path(task_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    first = tasks[0]
    error = ""
    import tempfile

    # the one execution goes to a private folder outside the run (a killed task leaves nothing in it), split below
    scratch = tempfile.TemporaryDirectory(prefix="liquidity-execution-")
    executed = Path(scratch.name) / f"{first.stem}.ipynb"
    try:
        kernel = kernels.take(str(paths.notebooks_dir()), warm=options.get("warm_kernels", False))
        try:
            pm.execute_notebook(str(notebook_path(first.notebook)), str(executed), parameters=first.parameters,
                                kernel_name="python3", progress_bar=False, log_output=False, km=kernel.km,
                                cwd=str(paths.notebooks_dir()), execution_timeout=options.get("timeout", 600))
        finally:
            kernel.stop()   # a kernel manager we pass in is ours to stop: nbclient stops only the kernels it started
    except pm.PapermillExecutionError as exc:
        error = redact(f"{exc.ename}: {exc.evalue}")
    except Exception as exc:  # kernel death, bad notebook JSON...
        error = redact(f"{type(exc).__name__}: {exc}")
    finally:
        os.environ.pop(LANGS_VARIABLE, None)
    seconds = round(time.monotonic() - started, 2)
    master = nbformat.read(str(executed), as_version=4) if executed.is_file() else None
    scratch.cleanup()
    if master is not None and not error:
        problems = check_findings(master, [t.lang for t in tasks])
        if problems:
            error = redact("findings check failed: " + "; ".join(problems[:5]) +
                           (f"; and {len(problems) - 5} more" if len(problems) > 5 else ""))
    records = []
    for task in tasks:
        record = {"notebook": task.notebook, "paramset": task.paramset, "lang": task.lang, "key": task.key,
                  "parameters": task.parameters, "status": "failed" if error else "ok", "error": error, "files": {},
                  "languages_executed": langs}
        nb_out = out_dir / f"{task.stem}.ipynb"
        if master is not None:
            nb = split_languages(master, task.lang)
            nb.metadata.setdefault("papermill", {}).setdefault("parameters", {})["lang"] = task.lang
            atomic.write_text(nb_out, redact(nbformat.writes(nb)))
            values = extract(nb)
            if values is not None:
                atomic.write_json(out_dir / f"{task.stem}.results.json", values)
            set_language(task.lang)
            as_of = str(task.parameters.get("as_of", "latest"))
            note = {"run_id": options["run_id"], "run_date": options["run_date"], "as_of": as_of,
                    "paramset": task.paramset,
                    "status": "ok" if record["status"] == "ok" else f"FAILED: {record['error']}"}
            try:
                from .export import as_of_text, note_info

                info = note_info(nb, task.lang)
                note["as_of_text"] = as_of_text(as_of, info["header"].get("data_end"), task.lang)
                record["note"] = {"title": info["title"], "as_of_text": note["as_of_text"],
                                  "behind": info["header"].get("behind", {}), "findings": info["findings"]}
                if "html" in formats or "pdf" in formats:
                    write_html(nb_out, out_dir / f"{task.stem}.html", note, show_code=options.get("show_code", False),
                               lang=task.lang)
            except Exception as exc:
                record["status"] = "failed"
                record["error"] = (record["error"] + "; " if record["error"] else "") + redact(
                    f"export failed: {type(exc).__name__}: {exc}")
        record["files"] = {f: gate.sha256_file(out_dir / f) for f in task.files(os.listdir(out_dir))}
        records.append(record)
    for record in records:      # one execution: its time, the exports of every language included, is each note's
        record["seconds"], record["execution_seconds"] = round(time.monotonic() - started, 2), seconds
    return records


def check_findings(master, langs: list[str]) -> list[str]:
    """Re-check an executed note's findings before it is published (publish.findings.check_note): data claims by the
    claims engine on this run's data, model claims against the sidecar, every language's text against its claims."""
    from .findings import check_note
    from .report import CLAIM_MIMES, split_languages
    from .results import extract

    sidecar = extract(master) or {}
    by_lang = {}
    for lang in langs:
        nb = split_languages(master, lang)
        by_lang[lang] = [b for cell in nb.cells for out in cell.get("outputs", []) if cell.cell_type == "code"
                         for mime in CLAIM_MIMES for b in (out.get("data") or {}).get(mime, [])]
    try:
        return check_note(sidecar.get("findings", []), sidecar, by_lang)
    except Exception as exc:    # a check that cannot run is a failed check, never a pass
        return [redact(f"the check could not run: {type(exc).__name__}: {exc}")]


def _reuse(task: Task, fp: str, prev: dict | None, previous: Path | None, tmp_dir: Path, force: bool) -> dict | None:
    """Carry an unchanged task over from the previous run (its files linked into this one), or None. Only when its
    recorded inputs (notebook, parameters, data fingerprint, library, formats) equal the current ones and its files
    are still the ones recorded."""
    if force or not prev or prev.get("fingerprint") != fp or prev.get("status") not in PUBLISHED_STATES:
        return None
    src_dir = previous / task.notebook
    files = prev.get("files", {})
    if not files or not all((src_dir / f).is_file() and gate.sha256_file(src_dir / f) == d for f, d in files.items()):
        return None
    dst = tmp_dir / task.notebook
    dst.mkdir(parents=True, exist_ok=True)
    for f in files:
        _link_or_copy(src_dir / f, dst / f)
    return {**{k: v for k, v in prev.items() if k not in ("carried_from",)}, "status": "reused", "seconds": 0.0,
            "fingerprint": fp, "executed_in": prev.get("executed_in") or previous.name}


def _print_pdf(printer, task: Task, rec: dict, task_dir: Path, formats: list[str]) -> dict:
    """Print one task's PDF with the run's browser, in the main process; the HTML goes unless asked for."""
    html = task_dir / f"{task.stem}.html"
    started = time.monotonic()
    if html.is_file() and "note" in rec:
        try:
            printer.print(html, task_dir / f"{task.stem}.pdf", rec["note"]["title"], rec["note"]["as_of_text"],
                          run_id=rec.get("run_id", ""), lang=task.lang)
        except Exception as exc:
            rec["status"] = "failed"
            rec["error"] = (rec["error"] + "; " if rec["error"] else "") + redact(f"PDF failed: {exc}")
    if "html" not in formats:
        html.unlink(missing_ok=True)
    rec["files"] = {f: gate.sha256_file(task_dir / f) for f in task.files(os.listdir(task_dir))}
    rec["pdf_seconds"] = round(time.monotonic() - started, 2)
    return rec


def _default_as_of(task: Task) -> str:
    from .notebooks import declared_params

    p = declared_params(task.notebook).get("as_of")
    return str(p.default) if p else "latest"


# -- the run --------------------------------------------------------------------------------------------------
PUBLISHED_STATES = ("ok", "reused", "carried")     # a note whose files a published run holds
FAILED_NOTES = "logs/failed"                        # <out>/logs/failed/<run-id>/: failed notes, for the operator


@dataclass
class RunReport:
    run_id: str
    run_dir: Path
    tasks: list[dict]
    manifest: dict
    published: bool = True          # `latest` points to this run

    @property
    def failed(self) -> list[dict]:
        return [t for t in self.tasks if t["status"] == "failed"]

    @property
    def carried(self) -> list[dict]:
        return self.manifest.get("carried", [])


def check_jobs_and_keep(jobs: int | None = None, keep: int | None = None) -> int:
    """--jobs in 1..MAX_JOBS (default: the cores), --keep at least 1. Returns the number of jobs."""
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or not 1 <= jobs <= MAX_JOBS):
        raise InputError(f"--jobs {jobs}: give a number of parallel notebook runs from 1 to {MAX_JOBS}")
    if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 1):
        raise InputError(f"--keep {keep}: keep at least 1 run (the one `latest` points to is never removed)")
    return jobs if jobs is not None else min(MAX_JOBS, os.cpu_count() or 1)


def check_output_folder(out: Path) -> Path:
    """The output folder exists or can be made, and files can be written in it; else InputError before any work."""
    out = Path(out)
    try:
        if out.exists() and not out.is_dir():
            raise OSError(f"{out} is a file, not a folder")
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise InputError(f"--out {out}: cannot write there ({why}); choose a folder you can write to") from None
    return out


def _check_run_options(formats, jobs, page_size, keep=None) -> tuple[list[str], int]:
    formats = parse_formats(formats)
    jobs = check_jobs_and_keep(jobs, keep)
    if page_size not in ("A4", "Letter"):
        raise InputError(f"--page-size {page_size!r}: choose A4 or Letter")
    if "pdf" in formats:
        from .export import BROWSER_HELP, find_browser

        if not find_browser():
            raise InputError(BROWSER_HELP)
    return formats, jobs


def run(tasks: list[Task], formats: list[str] | None = None, jobs: int | None = None, out: Path | None = None,
        force: bool = False, show_code: bool = False, page_size: str = "A4", keep: int | None = None,
        progress=None, lock: bool = True, data_update: dict | None = None, publish_partial: bool = False,
        fetch_missing: bool = True, notify=None, fetch_progress=None) -> RunReport:
    """Run the tasks and publish them as one run (refresh and `liquidity run`). Before any kernel: the options, the
    output folder, and data to run on (series the cache never held are fetched first unless fetch_missing=False;
    with nothing to run on it raises NoDataSource). The run reads one snapshot of the cache."""
    from ..data import store

    paths.absolutize_env()
    formats, jobs = _check_run_options(formats, jobs, page_size, keep)
    out = check_output_folder(Path(out) if out else paths.outputs_dir())
    with run_lock(out) if lock else nullcontext():
        fetched = store.ensure_data(progress=fetch_progress, notify=notify) if fetch_missing else []
        if fetched:
            data_update = {**(data_update or {}), **{r.series: r.status + (f": {r.message}" if r.message else "")
                                                     for r in fetched}}
        _clean_incomplete(out)
        run_id = new_run_id()
        tmp_dir = out / f".incomplete-{run_id}"
        tmp_dir.mkdir(parents=True)
        try:
            started = datetime.now(timezone.utc)
            snapshot = cache.snapshot(tmp_dir / SNAPSHOT_DIR)
            data_fp = data_fingerprint(snapshot)
            results = _execute(tasks, tmp_dir, run_id, started, formats, jobs, out, force, show_code, page_size,
                               data_fp, progress, snapshot=snapshot)
            manifest = _manifest(run_id, started, tasks, results, formats, data_fp, data_update or {},
                                 series_status(snapshot))
            return _publish(tmp_dir, manifest, out, keep, publish_partial)
        except signals.Interrupted as exc:
            exc.note = f"the run was not published; {out / 'latest'} is as it was"
            shutil.rmtree(tmp_dir, ignore_errors=True)
            raise
        except BaseException:
            shutil.rmtree(tmp_dir, ignore_errors=True)
            raise


def _execute(tasks, tmp_dir: Path, run_id: str, started, formats, jobs, out: Path, force, show_code, page_size,
             data_fp: str, progress, snapshot: Path | None = None) -> dict[str, dict]:
    """Execute (or carry over unchanged) every task into tmp_dir: providers (the scorecard) first, then the notes
    that quote them. Returns task key -> record."""
    from .export import PdfPrinter

    (out / "logs").mkdir(parents=True, exist_ok=True)
    options = {"run_id": run_id, "run_date": f"{started:%Y-%m-%d %H:%M} UTC", "show_code": show_code,
               "page_size": page_size, "warm_kernels": warm_kernels()}
    fp_options = {"show_code": show_code, "page_size": page_size}
    previous = latest_run(out)
    prev_manifest = json.loads((previous / "manifest.json").read_text()) if previous else {}
    prev_tasks = {t.get("key") or f"{t['notebook']}/{t['paramset']}": t
                  for t in prev_manifest.get("notebooks", []) + prev_manifest.get("carried", [])}
    results: dict[str, dict] = {}
    waves = [[t for t in tasks if t.notebook in PROVIDERS], [t for t in tasks if t.notebook not in PROVIDERS]]
    done = 0
    if progress:
        progress(done, len(tasks), "")
    mp = multiprocessing.get_context("spawn")
    with ExitStack() as stack:      # the pool and the browser start with the first task that runs
        pool = pdf = None
        for wave in waves:
            to_run = []
            for task in wave:       # readers' fingerprints include what the providers of this run produced
                fp = task_fingerprint(task, data_fp, formats,
                                      {**fp_options, "providers": provider_digest(task.notebook, tmp_dir, previous)})
                reused = _reuse(task, fp, prev_tasks.get(task.key), previous, tmp_dir, force)
                if reused is not None:
                    results[task.key] = {**reused, "reused_from": prev_manifest.get("run_id")}
                    done += 1
                    if progress:
                        progress(done, len(tasks), task.key)
                else:
                    to_run.append((task, fp))
            if not to_run:
                continue
            if pool is None:
                pool = stack.enter_context(cf.ProcessPoolExecutor(
                    max_workers=min(jobs, len(tasks)), mp_context=mp, initializer=_worker_init,
                    initargs=(str(out / "logs" / "kernels.log"), str(snapshot) if snapshot else None)))
                pdf = stack.enter_context(PdfPrinter(page_size) if "pdf" in formats else nullcontext())
            fps = dict((t.key, fp) for t, fp in to_run)

            def submit(group):
                return pool.submit(execute_tasks, group, str(tmp_dir / group[0].notebook), formats, options)

            def running(groups) -> list[str]:       # what the progress display names: notebook/set
                return [f"{g[0].notebook}/{g[0].paramset}" for g in groups]

            def show_running(groups):
                if progress:
                    progress(done, len(tasks), "", running=running(groups))

            groups = same_execution([t for t, _ in to_run])
            for fut, group, still in _as_workers_free(submit, groups, jobs, show_running):
                try:
                    recs = fut.result()
                except Exception as exc:  # a worker that died
                    recs = [{"notebook": t.notebook, "paramset": t.paramset, "lang": t.lang, "key": t.key,
                             "parameters": t.parameters, "status": "failed", "error": redact(f"worker died: {exc}"),
                             "files": {}, "seconds": 0} for t in group]
                for task, rec in zip(group, recs):
                    if "pdf" in formats:
                        rec = _print_pdf(pdf, task, {**rec, "run_id": run_id}, tmp_dir / task.notebook, formats)
                        rec.pop("run_id", None)
                    results[task.key] = {**rec, "fingerprint": fps[task.key], "data_fingerprint": data_fp,
                                         "executed_in": run_id}
                    done += 1
                    if progress:
                        progress(done, len(tasks), task.key, running=running(still))
    return results


def _as_workers_free(submit, items: list, jobs: int, on_start=None):
    """Submit at most `jobs` items at a time, the next one as soon as one finishes (before the finished one's PDF is
    printed), and yield (future, item, the items running now) as each finishes. What is submitted is exactly what
    runs, so the progress display can name the running tasks (a pool fed everything at once marks queued calls as
    running); `on_start` gets the running items when the first ones start."""
    pending = list(items)
    running: dict = {}

    def fill():
        while pending and len(running) < jobs:
            item = pending.pop(0)
            running[submit(item)] = item

    fill()
    if on_start:
        on_start(list(running.values()))
    while running:
        finished, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
        for fut in finished:
            item = running.pop(fut)
            fill()
            yield fut, item, list(running.values())


def series_status(root: Path | None = None) -> dict:
    """The manifest's series table (of the run's snapshot): each series' state and why, source, last and expected
    observation, fetch time, stale (the last update failed)."""
    from ..data import store

    return {r["series"]: {"state": r["state"], "reason": r["reason"], "source": r["source"],
                          "last_observation": r["last_observation"],
                          "expected_observation": r["expected_observation"], "behind": r["behind"],
                          "fetched_at": r["fetched_at"], "stale": bool(r["stale"]), "corrupt": bool(r["corrupt"])}
            for r in store.status(root=root).to_dict(orient="records")}


def _manifest(run_id: str, started, tasks: list[Task], results: dict, formats: list[str], data_fp: str,
              data_update: dict, series: dict) -> dict:
    from .report import git_commit, versions

    return {
        "run_id": run_id,
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "library_version": __version__,
        "versions": versions(),
        "formats": formats,
        "languages": sorted({t.lang for t in tasks}, key=LANGS.index),
        "data_fingerprint": data_fp,
        "data_update": data_update,
        "mirror": os.environ.get("LIQUIDITY_MIRROR", ""),       # the one place a path of this machine is kept
        "series": series,
        "notebooks": [results[t.key] for t in tasks],
    }


def _gate(tmp_dir: Path, manifest: dict, out: Path) -> None:
    """Every note of the run through the publish gate: a note with a problem is failed, with the checks that
    failed and why in its record; its files leave the run (kept in <out>/logs/failed/<run-id>/ for the operator)."""
    known = [*gate.machine_paths(), str(out.resolve()), str(tmp_dir.resolve())]
    for rec in manifest["notebooks"]:
        note = gate.Note(rec["key"], tmp_dir / rec["notebook"], rec, rec.get("formats") or manifest["formats"], known)
        problems = gate.check_note(note)
        if not problems:
            continue
        if rec["status"] != "failed":
            rec["error"] = "; ".join(map(str, problems))
        rec["status"] = "failed"
        rec["gate"] = [p.as_dict() for p in problems]
        kept = out / FAILED_NOTES / manifest["run_id"] / rec["notebook"]
        for f in Task(rec["notebook"], rec["paramset"], lang=rec.get("lang", "en")).files(
                os.listdir(tmp_dir / rec["notebook"]) if (tmp_dir / rec["notebook"]).is_dir() else []):
            kept.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_dir / rec["notebook"] / f, kept / f)
        rec["files"] = {}
        try:
            (tmp_dir / rec["notebook"]).rmdir()         # a notebook folder left empty goes too
        except OSError:
            pass


def _carry_forward(previous: Path | None, tmp_dir: Path, manifest: dict) -> list[dict]:
    """The notes of the previous `latest` that this run did not make (other notebooks and sets, or notes that failed
    in this run), linked into this run so that `latest` keeps the newest good version of every note. Notes of a
    notebook or named set that no longer exists are dropped. Each says which run it comes from."""
    if previous is None:
        return []
    prev = json.loads((previous / "manifest.json").read_text())
    made = {r["key"] for r in manifest["notebooks"] if r["status"] in PUBLISHED_STATES}
    from .notebooks import list_notebooks, param_sets

    notebooks = set(list_notebooks())
    carried = []
    for rec in prev.get("notebooks", []) + prev.get("carried", []):
        if rec.get("key") in made or rec.get("status") not in PUBLISHED_STATES or not rec.get("files"):
            continue
        base = rec["paramset"].replace("-custom", "")
        if rec["notebook"] not in notebooks or (base != "custom" and base not in param_sets(rec["notebook"])):
            continue
        src, dst = previous / rec["notebook"], tmp_dir / rec["notebook"]
        dst.mkdir(parents=True, exist_ok=True)
        for f in rec["files"]:
            if (src / f).is_file():
                _link_or_copy(src / f, dst / f)
        entry = {**rec, "status": "carried", "carried_from": prev["run_id"],      # the folder its files came from
                 "executed_in": rec.get("executed_in") or rec.get("reused_from") or prev["run_id"]}  # made there
        formats_carried = [f for f in FORMATS if any(n.endswith("." + f) for n in rec["files"])]
        note = gate.Note(entry["key"], dst, entry, formats_carried)
        if gate.check_note(note, [gate.intact, gate.json_parses, gate.pdf_complete]):
            for f in rec["files"]:
                (dst / f).unlink(missing_ok=True)
            continue                       # a carried copy that is not whole is left out, never published
        made.add(entry["key"])
        carried.append(entry)
    return carried


def _publish(tmp_dir: Path, manifest: dict, out: Path, keep: int | None, publish_partial: bool = False) -> RunReport:
    """The gate, then the manifest, then the run renamed into place; `latest` replaced (atomically) only when every
    note asked for succeeded, or with publish_partial, and then with the other notes of the previous `latest`."""
    for leftover in tmp_dir.glob(f"{SNAPSHOT_DIR}*"):
        _remove_snapshot(leftover)
    _gate(tmp_dir, manifest, out)
    failed = [r for r in manifest["notebooks"] if r["status"] == "failed"]
    to_latest = not failed or publish_partial
    previous = latest_run(out)
    manifest["carried"] = _carry_forward(previous, tmp_dir, manifest) if to_latest else []
    manifest["published"] = to_latest
    manifest["publish_partial"] = bool(publish_partial)
    atomic.write_text(tmp_dir / "manifest.json", redact(json.dumps(manifest, indent=2, default=str)) + "\n")
    final = out / manifest["run_id"]
    with signals.deferred():               # the rename and `latest` happen together or not at all
        os.rename(tmp_dir, final)
        if to_latest:
            point_latest(out, final)
    if keep:
        prune(out, keep)
    return RunReport(manifest["run_id"], final, manifest["notebooks"], manifest, to_latest)


def _remove_snapshot(folder: Path) -> None:
    for f in folder.glob("*"):
        f.chmod(0o644)
    shutil.rmtree(folder, ignore_errors=True)


# -- staged runs: one run built by several processes (a scheduler's workers), published once ----------------------
STAGE_FILE = "stage.json"
STAGED_TASKS = ".tasks"
STAGE_MAX_AGE_DAYS = 7          # a staged run nobody published is cleared by a later run after this long


def stage_dir(out: Path, run_id: str) -> Path:
    return Path(out) / f".incomplete-{run_id}"


def check_run_id(run_id: str) -> str:
    if not RUN_ID_RE.match(run_id or ""):
        raise InputError(f"--run-id {run_id!r} is not a run id: use the form 20251117T233000Z-ab12, or 'new' with "
                         "`liquidity data update --run-id new`, which prints one")
    return run_id


def open_stage(out: Path | None = None, run_id: str = "new", data_update: dict | None = None) -> str:
    """Start a staged run after the data update: record the data fingerprint every task of the run must match, the
    series status for the manifest, and the start time. Idempotent for a retried data-update task when the data
    did not change. Returns the run id."""
    paths.absolutize_env()
    out = Path(out) if out else paths.outputs_dir()
    run_id = new_run_id() if run_id == "new" else check_run_id(run_id)
    folder = stage_dir(out, run_id)
    fp = data_fingerprint()
    if (folder / STAGE_FILE).is_file():
        known = json.loads((folder / STAGE_FILE).read_text())
        if known["data_fingerprint"] != fp:
            raise InputError(f"staged run {run_id} was opened on data {known['data_fingerprint']} and the cache "
                             f"now holds {fp}: open a new run (--run-id new)")
        return run_id
    folder.mkdir(parents=True, exist_ok=True)
    atomic.write_json(folder / STAGE_FILE, {
        "run_id": run_id, "data_fingerprint": fp, "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "data_update": data_update or {}, "series": series_status()})
    return run_id


def _read_stage(out: Path, run_id: str) -> tuple[Path, dict]:
    folder = stage_dir(out, check_run_id(run_id))
    if not (folder / STAGE_FILE).is_file():
        published = " (it is already published)" if (Path(out) / run_id / "manifest.json").is_file() else ""
        raise InputError(f"no staged run {run_id} in {out}{published}: open it with `liquidity data update "
                         f"--run-id {run_id}` (or --run-id new) before staging tasks or publishing")
    return folder, json.loads((folder / STAGE_FILE).read_text())


def stage(tasks: list[Task], run_id: str, formats: list[str] | None = None, jobs: int | None = None,
          out: Path | None = None, force: bool = False, show_code: bool = False, page_size: str = "A4",
          progress=None) -> list[dict]:
    """Execute tasks into a staged run without publishing (`liquidity run --run-id ID --stage`). Refuses when this
    process's data differ from the run's snapshot: a worker with an older cache would publish other numbers."""
    paths.absolutize_env()
    formats, jobs = _check_run_options(formats, jobs, page_size)
    out = Path(out) if out else paths.outputs_dir()
    folder, info = _read_stage(out, run_id)
    snapshot = cache.snapshot(folder / f"{SNAPSHOT_DIR}-{os.getpid()}-{_random.token_hex(2)}")
    try:
        fp = data_fingerprint(snapshot)
        if fp != info["data_fingerprint"]:
            raise InputError(f"this worker's data (fingerprint {fp}) are not the snapshot run {run_id} was opened "
                             f"with ({info['data_fingerprint']}): point LIQUIDITY_CACHE at the cache the data-update "
                             "task wrote (a shared folder), or give this worker a copy of that snapshot")
        started = datetime.fromisoformat(info["started"])
        results = _execute(tasks, folder, run_id, started, formats, jobs, out, force, show_code, page_size, fp,
                           progress, snapshot=snapshot)
    finally:
        _remove_snapshot(snapshot)
    (folder / STAGED_TASKS).mkdir(exist_ok=True)
    for task in tasks:
        atomic.write_json(folder / STAGED_TASKS / f"{task.task_id}.json",
                          {**results[task.key], "formats": formats, "lang": task.lang})
    return [results[t.key] for t in tasks]


def publish_stage(run_id: str, planned: list[Task] | None = None, out: Path | None = None,
                  keep: int | None = None, publish_partial: bool = False) -> RunReport:
    """Publish a staged run as `refresh` would: every planned task must be staged with its files intact, else it is
    recorded as failed; then the publish gate, the manifest and one atomic rename (`latest` only when every planned
    task succeeded, or with publish_partial). `planned` None: the tasks that were staged."""
    paths.absolutize_env()
    check_jobs_and_keep(None, keep)
    out = Path(out) if out else paths.outputs_dir()
    with run_lock(out):
        folder, info = _read_stage(out, run_id)
        staged = {}
        for f in sorted((folder / STAGED_TASKS).glob("*.json")) if (folder / STAGED_TASKS).is_dir() else []:
            rec = json.loads(f.read_text())
            staged[rec["key"]] = rec
        if planned is None:
            planned = [Task(r["notebook"], r["paramset"], r.get("parameters", {}), r.get("lang", "en"))
                       for r in staged.values()]
        if not planned:
            raise InputError(f"staged run {run_id} holds no task: stage some with `liquidity run ... --run-id "
                             f"{run_id} --stage` first")
        results, formats = {}, set()
        for task in planned:
            rec = staged.get(task.key)
            broken = [] if rec is None else [f for f, digest in rec.get("files", {}).items()
                                             if not (folder / task.notebook / f).is_file()
                                             or gate.sha256_file(folder / task.notebook / f) != digest]
            if rec is None or broken:
                why = "not staged: its task did not run or its worker died" if rec is None else \
                    f"staged files missing or changed: {', '.join(broken)}"
                rec = {"notebook": task.notebook, "paramset": task.paramset, "lang": task.lang, "key": task.key,
                       "parameters": task.parameters, "status": "failed", "error": why, "files": {}, "seconds": 0}
            formats |= set(rec.get("formats", []))
            results[task.key] = rec
        shutil.rmtree(folder / STAGED_TASKS, ignore_errors=True)
        (folder / STAGE_FILE).unlink()
        manifest = _manifest(run_id, datetime.fromisoformat(info["started"]), planned, results,
                             sorted(formats or {"ipynb"}, key=FORMATS.index), info["data_fingerprint"],
                             info.get("data_update", {}), info.get("series", {}))
        return _publish(folder, manifest, out, keep, publish_partial)


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def summary_table(report: RunReport) -> str:
    """This run's notes (a failed one with the check that failed and why), then where the run went and whether
    `latest` moved (with how many notes it carries forward)."""
    rows = [("notebook", "set", "status", "seconds", "note")]
    for t in report.tasks:
        if t["status"] == "failed" and t.get("gate") and t["gate"][0]["check"] != "execution":
            note = "not published: " + "; ".join(f"{g['check']} {g['file']}: {g['why']}".replace(" : ", ": ")
                                                 for g in t["gate"])
        else:
            note = t.get("error", "") or (f"reused from {t.get('reused_from')}" if t["status"] == "reused" else "")
        stem = t["paramset"] if t.get("lang", "en") == "en" else f"{t['paramset']}.{t['lang']}"
        rows.append((t["notebook"], stem, t["status"], f"{t.get('seconds', 0):.1f}", note[:100]))
    widths = [max(len(str(r[i])) for r in rows) for i in range(4)]
    lines = ["  ".join(str(r[i]).ljust(widths[i]) for i in range(4)) + "  " + r[4] for r in rows]
    lines.insert(1, "-" * (sum(widths) + 8))
    ok = sum(t["status"] in ("ok", "reused") for t in report.tasks)
    lines.append(f"{ok} of {len(report.tasks)} notebook runs succeeded; outputs in {report.run_dir}")
    if report.published:
        carried = len(report.carried)
        lines.append("published as latest" + (f", with {carried} note{'s' if carried != 1 else ''} of earlier runs "
                                              "carried forward" if carried else ""))
    else:
        lines.append(f"latest not replaced: {len(report.failed)} of {len(report.tasks)} notes failed "
                     "(--publish-partial publishes the others)")
    return "\n".join(lines)


def list_tasks_json(tasks: list[Task], formats: list[str]) -> str:
    """For Airflow and other schedulers: one entry per execution (a notebook and parameter set, rendering every
    language of the plan: `langs`) with the command that runs it alone (`command`), the same into a staged run
    (`stage_command`, with {run_id} to fill in) and the entries it must wait for (`upstream`: the scorecard runs
    before the notes that quote it)."""
    groups = same_execution(tasks)
    out = []
    for group in groups:
        t = group[0]
        langs = [g.lang for g in group]
        named = "custom" not in t.paramset      # a named set as it is: the same task key wherever it runs
        cmd = ["liquidity", "run", t.notebook,
               "--params-set", t.paramset.replace("-custom", "").replace("custom", "default"),
               "--formats", ",".join(formats), "--lang", ",".join(langs)]
        for k, v in t.parameters.items() if not named else ():
            if k != "lang":
                cmd += ["-p", k, json.dumps(v) if not isinstance(v, str) else v]
        upstream = [u[0].task_id for u in groups if u[0].notebook in providers_of(t.notebook)]
        out.append({"task_id": t.task_id, "notebook": t.notebook, "paramset": t.paramset, "lang": langs[0],
                    "langs": langs, "parameters": {k: v for k, v in t.parameters.items() if k != "lang"},
                    "command": cmd, "stage_command": [*cmd, "--run-id", "{run_id}", "--stage", "--quiet"],
                    "upstream": upstream})
    return json.dumps(out, indent=2, default=str)


def _print_exc() -> str:  # used by the CLI for unexpected errors
    return redact("".join(traceback.format_exception(*sys.exc_info())))
