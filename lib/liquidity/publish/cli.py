"""The `liquidity` command: data update/status, list, run, refresh, claims."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from .. import __version__

from ..core import paths
from ..core.errors import InputError, LiquidityError
from ..core.secrets import mask, redact

log = logging.getLogger("liquidity")


def progress_label(label: str, running: list[str] | None, width: int = 60) -> str:
    """What the progress display names: the running tasks (notebook/set) when there are, else the last one done."""
    if running:
        shown = ", ".join(running)
        text = f"running {shown}"
        if len(text) > width:
            first = f"running {running[0]}"
            text = f"{first} and {len(running) - 1} more" if len(running) > 1 else first[: width - 3] + "..."
        return text
    return label


def _progress_factory(quiet: bool, what: str):
    """A rich progress bar on a terminal, naming the running tasks; nothing with --quiet or without a TTY (cron)."""
    if quiet or not sys.stderr.isatty():
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn(f"{what} [bold]{{task.description}}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), transient=True)
    state = {"task": None}

    def update(done: int, total: int, label: str, running: list[str] | None = None):
        text = progress_label(label, running)
        if state["task"] is None:
            bar.start()
            state["task"] = bar.add_task(text, total=total)
        bar.update(state["task"], completed=done, description=text)
        if done >= total:
            bar.stop()

    return update


def _warn(message: str) -> None:
    print(f"warning: {redact(message)}", file=sys.stderr)
    if log.handlers:                                  # refresh.log, when a refresh is running
        log.warning(redact(message))


# -- data ------------------------------------------------------------------------------------------------------
def cmd_data_update(args) -> int:
    from ..data import store
    from .location import open_location

    loc = open_location(args.out) if args.run_id else None       # a bad --out fails before the update
    results = store.update(args.series or None, source=args.source, full=args.full,
                           progress=_progress_factory(args.quiet, "data"), allow_shrink=args.allow_shrink,
                           notify=_warn)
    failed = [r for r in results if r.status == "failed"]
    for r in results if not args.quiet else failed:       # a failure is shown even with --quiet
        extra = f" +{r.new_rows} rows" if r.status == "updated" else ""
        last = f" (last {r.last_observation})" if r.last_observation else ""
        msg = f": {r.message}" if r.message else ""
        print(f"{r.series:16s} {r.source:10s} {r.status}{extra}{last}{msg}")
    counts = {s: sum(r.status == s for r in results) for s in ("updated", "unchanged", "missing", "failed")}
    print(", ".join(f"{v} {k}" for k, v in counts.items()))
    if args.run_id:
        from . import runner

        note = {r.series: r.status + (f": {r.message}" if r.message else "") for r in results}
        if args.run_id != "new":                                  # a retried update: the stage it opened
            loc.pull_stage(args.run_id, must_exist=False)
        run_id = runner.open_stage(loc.work, args.run_id, note)
        loc.push_stage(run_id)
        print(run_id)                                             # the last line: the run id, for a scheduler
    return 1 if failed else 0


def cmd_data_status(args) -> int:
    from ..data import cache, store
    from ..data.sources import default_source_name
    from ..data.catalog import load_catalog

    frame = store.status()
    if args.format == "json":
        print(json.dumps(frame.to_dict(orient="records"), indent=2))
        return 0
    print(store.status_table(frame))
    fred_info = next(i for i in load_catalog() if i.source == "fred")
    print(f"cache: {cache.db_path()}" + ("" if cache.write_problem() is None else " (read-only)"))
    print(f"default source: {default_source_name(fred_info)}; FRED_API_KEY={mask(os.environ.get('FRED_API_KEY'))}")
    print(f"LIQUIDITY_MIRROR={os.environ.get('LIQUIDITY_MIRROR', '(not set)')}")
    return 0


def cmd_data_show(args) -> int:
    from ..data import cache
    from ..data.catalog import load_catalog

    info = load_catalog().get(args.series)          # unknown ids: exit 2 with the known ones
    cache.read(info.id)                              # a corrupt entry says so (exit 1) instead of printing it
    text = cache.payload(info.id)
    if text is None:
        meta = cache.read_meta(info.id) or {}
        raise InputError(f"{info.id} has no data in the cache {cache.db_path()}: "
                         f"{meta.get('stale_reason') or 'not fetched yet'}; run `liquidity data update`")
    sys.stdout.write(text)
    return 0


# -- notebooks -------------------------------------------------------------------------------------------------
def cmd_list(args) -> int:
    from .notebooks import declared_params, list_notebooks, param_sets

    listing = []
    for name in list_notebooks():
        listing.append({"notebook": name, "parameters": [
            {"name": p.name, "type": p.type_name, "default": p.default, "help": p.help}
            for p in declared_params(name).values()], "param_sets": param_sets(name)})
    if args.format == "json":
        print(json.dumps(listing, indent=2, default=str))
        return 0
    for nb in listing:
        print(f"{nb['notebook']}  (parameter sets: {', '.join(nb['param_sets']) or 'none'})")
        for p in nb["parameters"]:
            print(f"    {p['name']}: {p['type']} = {p['default']!r}  # {p['help']}")
    return 0


def _overrides(pairs) -> dict:
    from .notebooks import coerce_cli_value

    return {name: coerce_cli_value(value) for name, value in (pairs or [])}


def _plan(args):
    from . import runner

    return runner.plan(args.notebooks, all_notebooks=args.all, params_set=args.params_set,
                       overrides=_overrides(args.param), params_file=args.file, as_of=args.as_of, langs=args.lang)


def _check_options(args) -> None:
    """--jobs and --keep in range, before anything is planned, fetched or run."""
    from . import runner

    runner.check_jobs_and_keep(getattr(args, "jobs", None), getattr(args, "keep", None))


def _exit_code(report, series_failed: bool = False) -> int:
    return 1 if report.failed or series_failed else 0


def _data_failures(note: dict) -> list[str]:
    return [k for k, v in note.items() if k == "error" or str(v).startswith("failed")]


def cmd_run(args) -> int:
    from . import runner
    from .location import open_location

    _check_options(args)
    formats = runner.parse_formats(args.formats)
    if args.stage and not args.run_id:
        raise InputError("--stage needs --run-id ID: the staged run the tasks belong to (`liquidity data update "
                         "--run-id new` opens one and prints its id)")
    if args.run_id and not args.stage:
        raise InputError("--run-id is for staged runs: add --stage (then `liquidity publish ID` publishes the run)")
    tasks = _plan(args)
    if args.list_tasks:
        print(runner.list_tasks_json(tasks, formats))
        return 0
    loc = open_location(args.out)
    runner.check_output_folder(loc.work)         # a folder that cannot be written: exit 2 before any work
    if args.stage:
        loc.pull_stage(args.run_id)
        loc.pull_latest()
        records = runner.stage(tasks, args.run_id, formats=formats, jobs=args.jobs, out=loc.work, force=args.force,
                               show_code=args.show_code, page_size=args.page_size,
                               progress=_progress_factory(args.quiet, "stage"))
        loc.push_stage(args.run_id, [t.task_id for t in tasks])
        for r in records:
            print(f"{r['key']:40s} {r['status']:7s} {r.get('error', '')[:100]}")
        return 1 if any(r["status"] == "failed" for r in records) else 0
    loc.pull_latest()
    report = runner.run(tasks, formats=formats, jobs=args.jobs, out=loc.work, force=args.force,
                        show_code=args.show_code, page_size=args.page_size, keep=args.keep,
                        progress=_progress_factory(args.quiet, "run"), publish_partial=args.publish_partial,
                        notify=_warn, fetch_progress=_progress_factory(args.quiet, "data"))
    report = loc.publish(report, args.keep)
    print(runner.summary_table(report))
    return _exit_code(report, bool(_data_failures(report.manifest.get("data_update", {}))))


def cmd_refresh(args) -> int:
    from . import runner
    from .location import open_location
    from ..data import store

    _check_options(args)
    loc = open_location(args.out)
    formats = runner.parse_formats(args.formats)
    chosen = getattr(args, "only", None) or []
    tasks = runner.plan(chosen, all_notebooks=not chosen, params_set="all", langs=args.lang)  # checked first
    out = runner.check_output_folder(loc.work)
    _log_to_file(out)
    with runner.run_lock(out):
        log.info("refresh started")
        update_note: dict = {}
        try:
            results = store.update(progress=_progress_factory(args.quiet, "data"), notify=_warn)
            update_note = {r.series: r.status + (f": {r.message}" if r.message else "") for r in results}
            failed = [r.series for r in results if r.status == "failed"]
            log.info("data update: %d series, %d failed %s", len(results), len(failed), failed)
            if failed:
                store.require_data(next(r.message for r in results if r.status == "failed"))
                _warn(f"{len(failed)} of {len(results)} series failed to update ({', '.join(failed[:5])}"
                      f"{' ...' if len(failed) > 5 else ''}): the notes use the cached copies and say so")
        except store.FatalSourceError as exc:
            # keep going on the cache, if it holds data: every affected note says its data are stale
            update_note = {"error": redact(str(exc))}
            log.error("data update failed: %s", redact(str(exc)))
            store.require_data(exc.reason)          # nothing cached and no source: stop before any kernel
            _warn(f"data update failed, the notes use the cached data: {store.short_reason(exc.reason)}")
        store.require_data()
        loc.pull_latest()
        report = runner.run(tasks, formats=formats, jobs=args.jobs, out=out, force=args.force,
                            keep=args.keep, progress=_progress_factory(args.quiet, "run"), lock=False,
                            data_update=update_note, page_size=args.page_size,
                            publish_partial=args.publish_partial, fetch_missing=False, notify=_warn)
        report = loc.publish(report, args.keep)
    table = runner.summary_table(report)
    log.info("refresh finished\n%s", table)
    print(table)
    return _exit_code(report, bool(_data_failures(update_note)))


def cmd_publish(args) -> int:
    from . import runner
    from .location import open_location

    planned = _plan(args) if (args.notebooks or args.all) else None
    if planned is None and (args.params_set or args.param or args.file or args.as_of or args.lang):
        raise InputError("name the notebooks (or --all) that go with --params-set, -p, -f, --as-of or --lang; "
                         "without a selection, publish takes the tasks that were staged")
    runner.check_jobs_and_keep(None, args.keep)
    loc = open_location(args.out)
    loc.pull_stage(args.run_id, full=True)
    report = runner.publish_stage(args.run_id, planned, out=loc.work, keep=args.keep,
                                  publish_partial=args.publish_partial)
    report = loc.publish(report, args.keep, staged=True)
    print(runner.summary_table(report))
    return _exit_code(report)


def _log_to_file(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(out / "refresh.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def cmd_claims(args) -> int:
    from ..models.claims import format_verdicts, run_claims

    verdicts = run_claims(Path(args.file), as_of=args.as_of)
    print(format_verdicts(verdicts, args.format))
    return 0


# -- parser ----------------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="liquidity", description="US dollar liquidity research suite")
    p.add_argument("--version", action="version", version=f"liquidity {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="update the data cache or show its status")
    dsub = data.add_subparsers(dest="data_command", required=True)
    up = dsub.add_parser("update", help="fetch series into data/cache")
    up.add_argument("--source", choices=["fred-api", "fred-csv", "fiscaldata", "nyfed", "mirror"],
                    help="default: mirror when LIQUIDITY_MIRROR is set, else fred-api with FRED_API_KEY, "
                         "else fred-csv (the DTS from fiscaldata, NYFED_ series from nyfed)")
    up.add_argument("--series", nargs="+", metavar="ID", help="series ids (default: the whole catalog)")
    up.add_argument("--full", action="store_true", help="download everything again, not just new observations")
    up.add_argument("--allow-shrink", action="store_true", help="accept an update that shortens a series' cached "
                    "history (fewer rows, a later first or an earlier last observation): refused otherwise")
    up.add_argument("--quiet", action="store_true")
    up.add_argument("--run-id", metavar="ID|new", help="then open a staged run on this data (a scheduler's first "
                    "task): record the data fingerprint and print the run id as the last line")
    up.add_argument("--out", default=None, help="folder or fsspec URL of the staged run (default outputs/)")
    up.set_defaults(func=cmd_data_update)
    st = dsub.add_parser("status", help="each series' state (current, behind N weeks, failed, corrupt, never "
                         "fetched) and why, its last observation and source")
    st.add_argument("--format", choices=["table", "json"], default="table")
    st.set_defaults(func=cmd_data_status)
    sh = dsub.add_parser("show", help="print a cached series as CSV (date,value in the units the source publishes)")
    sh.add_argument("series", metavar="ID")
    sh.set_defaults(func=cmd_data_show)

    ls = sub.add_parser("list", help="notebooks, their parameters and parameter sets")
    ls.add_argument("--format", choices=["text", "json"], default="text")
    ls.set_defaults(func=cmd_list)

    def add_run_options(sp, notebooks=True):
        if notebooks:
            sp.add_argument("notebooks", nargs="*", metavar="NOTEBOOK")
            sp.add_argument("--all", action="store_true", help="every notebook")
            sp.add_argument("-p", "--param", nargs=2, action="append", metavar=("NAME", "VALUE"),
                            help="set a parameter (repeatable)")
            sp.add_argument("-f", "--file", metavar="FILE.yaml", help="parameters from a YAML file")
            sp.add_argument("--params-set", metavar="NAME", help="a named parameter set, several comma-separated, "
                            "or 'all'")
            sp.add_argument("--as-of", metavar="DATE", help="run as of a past date (sets the as_of parameter)")
            sp.add_argument("--list-tasks", action="store_true", help="print the tasks as JSON and exit")
            sp.add_argument("--show-code", action="store_true", help="keep code cells in HTML and PDF")
        sp.add_argument("--formats", default="ipynb,html", help="comma-separated: ipynb,html,pdf")
        sp.add_argument("--jobs", type=int, default=None, help="parallel notebook runs (default: cores)")
        sp.add_argument("--out", default=None,
                        help="folder or fsspec URL (s3://bucket/prefix) of the runs (default outputs/)")
        sp.add_argument("--force", action="store_true", help="re-run notebooks whose inputs did not change")
        sp.add_argument("--keep", type=int, default=None, metavar="N", help="keep only the newest N runs")
        sp.add_argument("--page-size", choices=["A4", "Letter"], default="A4", help="PDF page size")
        sp.add_argument("--lang", default=None, metavar="en,zh",
                        help="languages of the notes, comma-separated (run: en; refresh: en,zh)")
        sp.add_argument("--quiet", action="store_true", help="no progress display")
        sp.add_argument("--publish-partial", action="store_true", help="replace latest even when some notes failed "
                        "(the failed ones keep their last good version)")

    rn = sub.add_parser("run", help="run notebooks with papermill and publish them")
    add_run_options(rn)
    rn.add_argument("--run-id", metavar="ID", help="with --stage: the staged run these tasks belong to")
    rn.add_argument("--stage", action="store_true", help="execute into the staged run --run-id without publishing "
                    "(`liquidity publish ID` publishes it)")
    rn.set_defaults(func=cmd_run)

    pb = sub.add_parser("publish", help="publish a staged run: check every planned task, write the manifest, "
                        "publish atomically")
    pb.add_argument("run_id", metavar="RUN_ID")
    pb.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="the planned notebooks (default: what was "
                    "staged)")
    pb.add_argument("--all", action="store_true", help="every notebook was planned")
    pb.add_argument("-p", "--param", nargs=2, action="append", metavar=("NAME", "VALUE"))
    pb.add_argument("-f", "--file", metavar="FILE.yaml")
    pb.add_argument("--params-set", metavar="NAME")
    pb.add_argument("--as-of", metavar="DATE")
    pb.add_argument("--lang", default=None, metavar="en,zh")
    pb.add_argument("--out", default=None,
                    help="folder or fsspec URL (s3://bucket/prefix) of the runs (default outputs/)")
    pb.add_argument("--keep", type=int, default=None, metavar="N", help="keep only the newest N runs")
    pb.add_argument("--publish-partial", action="store_true", help="replace latest even when some tasks failed")
    pb.set_defaults(func=cmd_publish)

    rf = sub.add_parser("refresh", help="update the data, run every notebook with every parameter set, publish")
    add_run_options(rf, notebooks=False)
    rf.add_argument("only", nargs="*", metavar="NOTEBOOK", help="refresh only these notebooks (default: all)")
    rf.set_defaults(func=cmd_refresh, formats="ipynb,html,pdf", lang="en,zh")

    cl = sub.add_parser("claims", help="check a claims file against the data")
    cl.add_argument("file")
    cl.add_argument("--format", choices=["table", "json", "csv"], default="table")
    cl.add_argument("--as-of", default=None)
    cl.set_defaults(func=cmd_claims)
    return p


EXIT_CODES = {0: "success", 1: "a notebook or a series failed", 2: "bad input (nothing was fetched, run or written)",
              3: "another run holds the lock"}       # and 128 + N when stopped by signal N (130 SIGINT, 143 SIGTERM)


def main(argv: list[str] | None = None) -> int:
    from .signals import Interrupted, handled

    parser = build_parser()
    args = parser.parse_args(argv)
    paths.absolutize_env()
    try:
        with handled():
            return args.func(args)
    except InputError as exc:
        print(f"error: {redact(str(exc))}", file=sys.stderr)
        return 2
    except LiquidityError as exc:
        print(f"error: {redact(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except Interrupted as exc:
        print(f"stopped by {exc.name}: every worker and kernel of this command was stopped"
              + (f"; {exc.note}" if exc.note else ""), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("stopped by SIGINT", file=sys.stderr)
        return 130
    except BrokenPipeError:                           # `liquidity data status | head`: the reader has gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
