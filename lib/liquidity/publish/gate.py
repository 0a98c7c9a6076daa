"""The publish gate: nothing incomplete or broken reaches a reader.

A run builds every note in its temporary folder (`<out>/.incomplete-<run-id>`, the temporary name of all its
outputs); before that folder is renamed into place and `latest` moved, every note of the run goes through the checks
below. A check is a function `check(note) -> list[Problem]`: a note with any problem is failed, its files are not
published, and the run's summary and manifest say which check failed and why. Another check (for example the
findings re-checked against the data) is one more function in CHECKS.

    problems = gate.check_note(gate.Note(key, folder, record, formats, machine_paths))
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..core import paths

SUFFIXES = {"ipynb": ".ipynb", "html": ".html", "pdf": ".pdf"}
TRACEBACK_MARKS = ("Traceback (most recent call last)",)      # Python's, and the header line of IPython's
_PDF_OBJECT = re.compile(rb"\s*\d+\s+\d+\s+obj\b")
GENERIC_FOLDERS = {"", "/usr", "/usr/local", "/tmp", "/home", "/opt", "/var", "/srv"}   # too common to be a leak


@dataclass(frozen=True)
class Problem:
    check: str          # the check's name
    file: str           # the file it concerns ("" for the note as a whole)
    why: str

    def __str__(self) -> str:
        return f"{self.check}: {self.file + ': ' if self.file else ''}{self.why}"

    def as_dict(self) -> dict:
        return {"check": self.check, "file": self.file, "why": self.why}


@dataclass
class Note:
    """One note of a run as the gate sees it: its manifest record (status, files with their sha256) and its folder."""
    key: str
    folder: Path
    record: dict
    formats: list[str] = field(default_factory=lambda: ["ipynb"])
    machine_paths: list[str] = field(default_factory=list)

    @property
    def stem(self) -> str:
        return self.key.split("/", 1)[1]

    @property
    def files(self) -> dict[str, str]:
        return self.record.get("files") or {}

    def path(self, name: str) -> Path:
        return self.folder / name

    def named(self, suffix: str) -> list[str]:
        return [n for n in self.files if n.endswith(suffix) and n[: -len(suffix)] == self.stem]


def machine_paths() -> list[str]:
    """Paths of this machine that must never appear in a reader's note: the project, the home folder, Python's
    prefix (tracebacks name site-packages), the data mirror, the cache and the outputs."""
    found = {str(paths.project_root()), sys.prefix, sys.base_prefix, str(paths.cache_dir()), str(paths.outputs_dir()),
             os.path.expanduser("~")}
    if paths.mirror_dir() is not None:
        found.add(str(paths.mirror_dir()))
    return sorted(p for p in found if p and p.startswith("/") and p.rstrip("/") not in GENERIC_FOLDERS)


# -- the checks ---------------------------------------------------------------------------------------------------
def succeeded(note: Note) -> list[Problem]:
    """The note ran: its kernel finished without an error."""
    if note.record.get("status") == "failed":
        return [Problem("execution", "", note.record.get("error") or "the notebook failed")]
    return []


def complete_set(note: Note) -> list[Problem]:
    """Every format asked for is there, with the results sidecar."""
    wanted = [note.stem + SUFFIXES[f] for f in note.formats] + [note.stem + ".results.json"]
    return [Problem("complete", name, "missing") for name in wanted if name not in note.files]


def intact(note: Note) -> list[Problem]:
    """Each file exists, is not empty, and still has the sha256 recorded when it was written (a copy carried from
    another run, a file cut short by a full disk or a file-size limit)."""
    out = []
    for name, digest in note.files.items():
        path = note.path(name)
        if not path.is_file():
            out.append(Problem("intact", name, "the file is missing"))
            continue
        size = path.stat().st_size
        if size == 0:
            out.append(Problem("intact", name, "the file is empty"))
        elif sha256_file(path) != digest:
            out.append(Problem("intact", name, f"the file ({size} bytes) differs from what was written"))
    return out


def json_parses(note: Note) -> list[Problem]:
    """The executed notebook is a notebook (JSON with cells and no error output) and the sidecar a JSON object."""
    out = []
    for name in note.named(".ipynb") + note.named(".results.json"):
        try:
            value = json.loads(note.path(name).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            out.append(Problem("json", name, f"does not parse: {_short(exc)}"))
            continue
        if name.endswith(".ipynb"):
            if not isinstance(value, dict) or not isinstance(value.get("cells"), list) or value.get("nbformat", 0) < 4:
                out.append(Problem("json", name, "is not a notebook (nbformat 4 with cells)"))
                continue
            errors = [o for c in value["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
            if errors:
                out.append(Problem("json", name, f"holds an error output ({errors[0].get('ename', 'error')})"))
        elif not isinstance(value, dict):
            out.append(Problem("json", name, "is not a JSON object"))
    return out


def pdf_complete(note: Note) -> list[Problem]:
    """A PDF starts with its header, ends with its %%EOF trailer, and its cross-reference table points at objects."""
    out = []
    for name in note.named(".pdf"):
        why = pdf_problem(note.path(name).read_bytes())
        if why:
            out.append(Problem("pdf", name, why))
    return out


def html_clean(note: Note) -> list[Problem]:
    """The HTML note is a whole page with no traceback and no path of this machine in it."""
    out = []
    for name in note.named(".html"):
        text = note.path(name).read_text(encoding="utf-8", errors="replace")
        if "</html>" not in text[-2000:].lower():
            out.append(Problem("html", name, "the page is cut short (no closing </html>)"))
        mark = next((m for m in TRACEBACK_MARKS if m in text), None)
        if mark:
            out.append(Problem("html", name, "shows a traceback"))
        leaked = next((p for p in note.machine_paths if p in text), None)
        if leaked:
            out.append(Problem("html", name, "shows a path of this machine"))
    return out


CHECKS = [succeeded, complete_set, intact, json_parses, pdf_complete, html_clean]


def check_note(note: Note, checks=None) -> list[Problem]:
    """Every problem of a note; an `execution` or `intact` problem stops the checks that read the files."""
    problems: list[Problem] = []
    for check in checks or CHECKS:
        problems += check(note)
        if check in (succeeded, intact) and problems:
            break
    return problems


# -- helpers ------------------------------------------------------------------------------------------------------
def pdf_problem(data: bytes) -> str | None:
    """What is wrong with a PDF's structure (None when its header, trailer and cross-references hold)."""
    if not data.startswith(b"%PDF-"):
        return "no %PDF- header"
    tail = data[-1024:]
    if b"%%EOF" not in tail:
        return "no %%EOF trailer (cut short)"
    m = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", tail)
    if not m:
        return "no startxref before %%EOF"
    start = int(m.group(1))
    if start >= len(data):
        return f"startxref {start} points past the end of the file ({len(data)} bytes)"
    body = data[start:]
    if body.startswith(b"xref"):
        xref_table = body.split(b"trailer")[0]
        for line_no, (offset, gen, kind) in enumerate(re.findall(rb"(\d{10}) (\d{5}) ([nf])", xref_table)):
            if kind == b"n":
                at = int(offset)
                if at >= len(data) or not _PDF_OBJECT.match(data, at):
                    return f"cross-reference entry {line_no} points at no object (offset {at})"
        return None
    if _PDF_OBJECT.match(data, start):           # a cross-reference stream
        return None
    return f"startxref {start} points at neither a cross-reference table nor a stream"


def sha256_file(path: Path) -> str:
    """The file's SHA-256 (the manifest's hashes; read in 1 MB chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 120 else text[:117] + "..."
