"""Where runs are published: a local folder, or any fsspec URL (`s3://bucket/prefix`, `gs://...`, `az://...`,
`memory://...`), with the same layout, the same manifest and the same guarantee: a reader never sees a
half-published run.

Local folders keep the runner's behaviour (a run built in `.incomplete-<run-id>`, published by one rename, `latest`
a symlink replaced atomically). An object store has neither renames nor symlinks, so the runner builds the run in a
local work folder, as for a local run, and this module uploads it:

    <url>/<run-id>/<notebook>/<set>[.<lang>].{ipynb,html,pdf,results.json}   every file uploaded, read back, verified
    <url>/<run-id>/manifest.json      then the manifest, once every file of the run is there
    <url>/latest                      then this marker object, holding the run id: written last, it publishes the run
    <url>/.incomplete-<run-id>/       a staged run: stage.json, each worker's task files, then the task's record
                                      (.tasks/<task-id>.json) once its files are uploaded and verified

A reader reads `latest`, then that run's manifest, then the files the manifest lists (`read_latest` does the first
two). One object PUT is atomic on object stores, so `latest` names either the previous run or the new one, and
whichever it names is complete. A failed upload leaves `latest` as it was; the run stays complete in the work
folder (`.remote/<location>/` under the local outputs folder), so the next run reuses its notes.

Credentials and endpoints come from the storage library's usual settings (for S3: AWS_* variables, ~/.aws, or
fsspec's FSSPEC_S3_ENDPOINT_URL and the like), or from LIQUIDITY_STORAGE_OPTIONS, a JSON object of options for the
fsspec filesystem. A URL's user:password part, if any, never reaches a message.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
from dataclasses import replace
from pathlib import Path

from ..core import atomic, paths
from ..core.errors import InputError, LiquidityError

LATEST = "latest"
MANIFEST = "manifest.json"
STORAGE_OPTIONS_VARIABLE = "LIQUIDITY_STORAGE_OPTIONS"
BUCKET_STORES = {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss"}
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class PublishError(LiquidityError):
    """An upload to a remote location failed: nothing was published there (exit 1)."""


def is_url(text) -> bool:
    """An fsspec URL with a protocol (s3://, gs://, memory://...); plain paths and file:// are local folders."""
    return isinstance(text, str) and bool(_URL.match(text)) and not text.startswith("file://")


def shown(url: str) -> str:
    """The URL for messages: without a user:password@ part."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@", r"\1", url)


def open_location(out=None) -> "LocalLocation | RemoteLocation":
    """The location for `--out` (a folder, a file:// URL or an fsspec URL); None: LIQUIDITY_OUTPUTS (which may be
    a URL too), else outputs/."""
    if out is None or out == "":
        env = os.environ.get("LIQUIDITY_OUTPUTS", "")
        out = env if is_url(env) else None
    if is_url(str(out) if out is not None else ""):
        return RemoteLocation(str(out))
    if isinstance(out, str) and out.startswith("file://"):
        out = out[len("file://"):]
    return LocalLocation(Path(out).expanduser().resolve() if out else paths.outputs_dir())


class LocalLocation:
    """A folder: the runner publishes there itself (rename + symlink); nothing to move."""

    remote = False

    def __init__(self, folder: Path):
        self.work = Path(folder)
        self.url = str(self.work)

    def pull_latest(self) -> None:
        pass

    def pull_stage(self, run_id: str, full: bool = False, must_exist: bool = True) -> None:
        pass

    def push_stage(self, run_id: str, task_ids: list[str] | None = None) -> None:
        pass

    def publish(self, report, keep: int | None = None, staged: bool = False):
        return report


class RemoteLocation:
    """An fsspec URL. The runner works in a local work folder; this class moves runs between it and the URL."""

    remote = True

    def __init__(self, url: str, work: Path | None = None):
        self.fs, self.root = _filesystem(url)
        self.url = url.rstrip("/")
        self._check_bucket()
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", shown(self.url).split("://", 1)[1])[:60]
        digest = hashlib.sha256(self.url.encode()).hexdigest()[:8]
        self.work = Path(work) if work else paths.outputs_dir() / ".remote" / f"{slug}-{digest}"
        self.work.mkdir(parents=True, exist_ok=True)
        # notes that quote the last published scorecard look in <outputs>/latest: the work folder's, for this run
        os.environ["LIQUIDITY_OUTPUTS"] = str(self.work)

    def _check_bucket(self) -> None:
        """On an object store, the bucket must exist before any work starts (a run would fail only at its upload)."""
        protocols = {self.fs.protocol} if isinstance(self.fs.protocol, str) else set(self.fs.protocol)
        if not protocols & BUCKET_STORES:
            return
        bucket = self.root.split("/", 1)[0]
        try:
            found = self.fs.exists(bucket)
        except Exception as exc:
            raise self._fail(f"reaching bucket {bucket}", exc) from exc
        if not found:
            raise InputError(f"--out {shown(self.url)}: bucket {bucket} does not exist or these credentials cannot "
                             "see it; create it, or fix the URL or the credentials")

    # -- paths and small helpers ------------------------------------------------------------------------------
    def _key(self, *parts: str) -> str:
        return "/".join([self.root.rstrip("/"), *parts]) if self.root else "/".join(parts)

    def _fail(self, what: str, exc: Exception) -> PublishError:
        return PublishError(f"{what} at {shown(self.url)} failed: {type(exc).__name__}: {shown(str(exc))}")

    def _read(self, key: str) -> bytes | None:
        try:
            return self.fs.cat_file(key)
        except FileNotFoundError:
            return None

    def _find(self, prefix: str) -> list[str]:
        self.fs.invalidate_cache()
        try:
            return sorted(self.fs.find(prefix))
        except FileNotFoundError:
            return []

    def _upload(self, local: Path, key: str, digest: str | None = None) -> None:
        """Upload one file and read it back: the object must hold exactly the local bytes (and `digest`, when the
        runner recorded one), or the upload failed."""
        data = local.read_bytes()
        want = hashlib.sha256(data).hexdigest()
        if digest and digest != want:
            raise PublishError(f"{local} changed after its task recorded it (sha256 {want[:12]}, recorded "
                               f"{digest[:12]}): run the task again")
        self.fs.put_file(str(local), key)
        back = self._read(key)
        if back is None or hashlib.sha256(back).hexdigest() != want:
            raise PublishError(f"{shown(self.url)}: {key} does not read back as uploaded (size "
                               f"{len(back) if back is not None else 'none'} of {len(data)})")

    def _download(self, key: str, local: Path) -> None:
        data = self._read(key)
        if data is None:
            raise PublishError(f"{shown(self.url)}: {key} disappeared while it was being read")
        atomic.write_bytes(local, data)

    def latest_run_id(self) -> str | None:
        self.fs.invalidate_cache()
        text = self._read(self._key(LATEST))
        return text.decode().strip() if text else None

    # -- published runs ---------------------------------------------------------------------------------------
    def pull_latest(self) -> None:
        """Bring the location's published run into the work folder when it is newer than the work folder's (another
        machine published it), so that unchanged notes are carried over rather than run again."""
        from .runner import RUN_ID_RE, latest_run, point_latest

        try:
            rid = self.latest_run_id()
        except Exception as exc:
            raise self._fail("reading latest", exc) from exc
        if not rid or not RUN_ID_RE.match(rid):
            return
        mine = latest_run(self.work)
        if mine is not None and mine.name >= rid:
            return
        if not (self.work / rid / MANIFEST).is_file():
            tmp = self.work / f".download-{rid}"
            shutil.rmtree(tmp, ignore_errors=True)
            prefix = self._key(rid) + "/"
            try:
                for key in self._find(self._key(rid)):
                    self._download(key, tmp / key[len(prefix):])
            except PublishError:
                raise
            except Exception as exc:
                raise self._fail(f"downloading run {rid}", exc) from exc
            if not (tmp / MANIFEST).is_file():
                shutil.rmtree(tmp, ignore_errors=True)
                return
            shutil.rmtree(self.work / rid, ignore_errors=True)
            os.rename(tmp, self.work / rid)
        point_latest(self.work, self.work / rid)

    def publish(self, report, keep: int | None = None, staged: bool = False):
        """Upload a run the runner published in the work folder: every file (verified), the manifest, then `latest`.
        `staged`: the run came from a staged run, whose remote stage is removed once it is published."""
        from .gate import sha256_file

        run_dir = Path(report.run_dir)
        rid = report.run_id
        try:
            recorded = {f"{t['notebook']}/{name}": digest
                        for t in report.manifest.get("notebooks", []) + report.manifest.get("carried", [])
                        for name, digest in (t.get("files") or {}).items()}
            # hidden names are scratch files (atomic writes, an interrupted execution): never part of a run
            files = sorted(p for p in run_dir.rglob("*") if p.is_file() and p.name != MANIFEST
                           and not any(part.startswith(".") for part in p.relative_to(run_dir).parts))
            for f in files:
                rel = f.relative_to(run_dir).as_posix()
                self._upload(f, self._key(rid, rel), recorded.get(rel))
            self._upload(run_dir / MANIFEST, self._key(rid, MANIFEST), sha256_file(run_dir / MANIFEST))
            if not getattr(report, "published", True):     # the publish gate kept `latest`: the run is only recorded
                return replace(report, run_dir=f"{shown(self.url)}/{rid}")
            self.fs.pipe_file(self._key(LATEST), f"{rid}\n".encode())      # the marker: written last
            if self.latest_run_id() != rid:
                raise PublishError(f"{shown(self.url)}: {LATEST} does not read back as {rid}")
        except Exception as exc:
            now = "(none)"
            try:
                now = self.latest_run_id() or "(none)"
            except Exception:
                pass
            err = exc if isinstance(exc, PublishError) else self._fail(f"uploading run {rid}", exc)
            raise PublishError(f"{err} -- nothing was published: {LATEST} at {shown(self.url)} still names "
                               f"{now}; the run is complete in {run_dir} and the next run reuses its notes "
                               f"(or publish the staged run again)") from exc
        try:        # the run is published: tidying up after it is best effort
            if staged:
                self._remove(self._key(f".incomplete-{rid}"))
            if keep:
                self.prune(keep, current=rid)
        except Exception as exc:
            print(f"warning: run {rid} is published at {shown(self.url)}, but removing the staged files or old runs "
                  f"failed ({type(exc).__name__}: {shown(str(exc))}); the next publish tries again",
                  file=sys.stderr)
        return replace(report, run_dir=f"{shown(self.url)}/{rid}")

    def prune(self, keep: int, current: str) -> list[str]:
        """Remove all but the newest `keep` runs at the location (never the one `latest` names)."""
        from .runner import RUN_ID_RE

        if keep < 1:
            raise InputError(f"--keep {keep}: keep at least 1 run")
        self.fs.invalidate_cache()
        names = sorted(Path(p.rstrip("/")).name for p in self.fs.ls(self.root or "", detail=False))
        runs = [n for n in names if RUN_ID_RE.match(n)]
        removed = [n for n in runs[:-keep] if n != current]
        for n in removed:
            self._remove(self._key(n))
        return removed

    def _remove(self, key: str) -> None:
        try:
            self.fs.rm(key, recursive=True)
        except FileNotFoundError:
            pass

    # -- staged runs: each worker uploads its tasks; publish downloads the stage and uploads the run -------------
    def pull_stage(self, run_id: str, full: bool = False, must_exist: bool = True) -> None:
        """Bring a staged run into the work folder: stage.json and the sidecars a note may quote (full: every
        file, for publish, which checks them against their tasks' records)."""
        from .runner import STAGE_FILE, check_run_id, stage_dir

        check_run_id(run_id)
        prefix = self._key(f".incomplete-{run_id}")
        local = stage_dir(self.work, run_id)
        try:
            keys = self._find(prefix)
            if not any(k.endswith("/" + STAGE_FILE) for k in keys):
                if not must_exist:
                    return
                published = self._read(self._key(run_id, MANIFEST)) is not None
                raise InputError(f"no staged run {run_id} at {shown(self.url)}"
                                 + (" (it is already published)" if published else "")
                                 + f": open it with `liquidity data update --run-id {run_id}` (or --run-id new) "
                                   "before staging tasks or publishing")
            if full:
                # a run published here before an upload failed: the stage is what counts now
                shutil.rmtree(self.work / run_id, ignore_errors=True)
                shutil.rmtree(local, ignore_errors=True)
            for key in keys:
                rel = key[len(prefix) + 1:]
                if full or rel == STAGE_FILE or rel.endswith(".results.json"):
                    self._download(key, local / rel)
        except LiquidityError:
            raise
        except Exception as exc:
            raise self._fail(f"reading staged run {run_id}", exc) from exc

    def push_stage(self, run_id: str, task_ids: list[str] | None = None) -> None:
        """Upload what this process added to a staged run: stage.json when it opened the run (task_ids None), else
        each task's files, verified, then its record, the task's marker."""
        from .runner import STAGE_FILE, STAGED_TASKS, stage_dir

        local = stage_dir(self.work, run_id)
        prefix = f".incomplete-{run_id}"
        try:
            if task_ids is None:
                if self._read(self._key(prefix, STAGE_FILE)) is None:
                    self._upload(local / STAGE_FILE, self._key(prefix, STAGE_FILE))
                return
            for task_id in task_ids:
                record_file = local / STAGED_TASKS / f"{task_id}.json"
                record = json.loads(record_file.read_text())
                for name, digest in (record.get("files") or {}).items():
                    self._upload(local / record["notebook"] / name,
                                 self._key(prefix, record["notebook"], name), digest)
                self._upload(record_file, self._key(prefix, STAGED_TASKS, record_file.name))
        except LiquidityError:
            raise
        except Exception as exc:
            raise self._fail(f"uploading to staged run {run_id}", exc) from exc


def read_latest(url: str) -> tuple[str, dict] | tuple[None, None]:
    """For readers: the published run id at a location and its manifest (None, None before the first publish)."""
    loc = open_location(url)
    if not loc.remote:
        from .runner import latest_run

        run = latest_run(loc.work)
        return (run.name, json.loads((run / MANIFEST).read_text())) if run else (None, None)
    rid = loc.latest_run_id()
    if not rid:
        return None, None
    return rid, json.loads(loc._read(loc._key(rid, MANIFEST)))


def _filesystem(url: str):
    """The fsspec filesystem and root path for a URL; a missing driver or bad options are input errors."""
    try:
        options = json.loads(os.environ.get(STORAGE_OPTIONS_VARIABLE) or "{}")
        if not isinstance(options, dict):
            raise ValueError("not a JSON object")
    except ValueError as exc:
        raise InputError(f"{STORAGE_OPTIONS_VARIABLE} is not a JSON object of storage options ({exc}): set it "
                         'like {"endpoint_url": "https://..."} or unset it') from None
    try:
        import fsspec

        fs, root = fsspec.core.url_to_fs(url, **options)
    except ImportError as exc:
        raise InputError(f"--out {shown(url)}: the storage driver for this URL is not installed ({exc}); install "
                         "it into this environment (s3fs for s3://, gcsfs for gs://, adlfs for az://)") from None
    except (ValueError, TypeError) as exc:
        raise InputError(f"--out {shown(url)} is not a usable fsspec URL: {shown(str(exc))}") from None
    if not root.strip("/"):
        raise InputError(f"--out {shown(url)}: name a bucket or container (and a prefix), e.g. s3://bucket/notes")
    return fs, root.rstrip("/")
