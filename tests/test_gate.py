"""The publish gate, check by check, on a note's files broken in each way a run can break them (a file cut short by a
full disk or a file-size limit, an empty file, a PDF without its trailer, an HTML page with a traceback or a path of
the machine, a missing format, an error output) and on a whole note."""
import hashlib
import json
from pathlib import Path

import pytest

from liquidity.publish import gate


def pdf_bytes(pages: int = 1) -> bytes:
    """A small, valid PDF: catalog, pages, page objects, a cross-reference table, the trailer."""
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages)).encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * pages
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


NOTEBOOK = {"cells": [{"cell_type": "code", "source": "x = 1", "metadata": {}, "execution_count": 1,
                       "outputs": [{"output_type": "stream", "name": "stdout", "text": "1\n"}]}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
HTML = "<!DOCTYPE html><html><head><title>note</title></head><body><p>Reserves were $2.86tn.</p></body></html>\n"


def make_note(folder: Path, files: dict[str, bytes] | None = None, status: str = "ok",
              formats=("ipynb", "html", "pdf"), machine=("/home/analyst/liquidity",)) -> gate.Note:
    """A note default/… whose manifest record lists each file with the sha256 of what `files` holds."""
    files = files if files is not None else {
        "default.ipynb": json.dumps(NOTEBOOK).encode(), "default.html": HTML.encode(), "default.pdf": pdf_bytes(2),
        "default.results.json": b'{"reserves_bn": 2860.0}'}
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    record = {"key": "tiny/default", "notebook": "tiny", "paramset": "default", "status": status,
              "error": "ValueError: boom" if status == "failed" else "",
              "files": {n: hashlib.sha256(d).hexdigest() for n, d in files.items()}}
    return gate.Note("tiny/default", folder, record, list(formats), list(machine))


def test_a_whole_note_passes_every_check(tmp_path):
    assert gate.check_note(make_note(tmp_path)) == []
    assert gate.pdf_problem(pdf_bytes(3)) is None


def _broken(tmp_path, name: str, data: bytes, record_the_broken_file: bool = True):
    """The whole note, with `name` replaced by `data` (recorded as written, or after the record was made)."""
    note = make_note(tmp_path)
    if record_the_broken_file:
        note = make_note(tmp_path, {**{n: (tmp_path / n).read_bytes() for n in note.files}, name: data})
    else:
        (tmp_path / name).write_bytes(data)
    return gate.check_note(note)


@pytest.mark.parametrize("name,data,recorded,check,why", [
    ("default.ipynb", json.dumps(NOTEBOOK).encode()[:60], False, "intact", "differs from what was written"),
    ("default.ipynb", json.dumps(NOTEBOOK).encode()[:60], True, "json", "does not parse"),
    ("default.ipynb", b"", True, "intact", "the file is empty"),
    ("default.ipynb", json.dumps({"cells": "no"}).encode(), True, "json", "is not a notebook"),
    ("default.ipynb", json.dumps({**NOTEBOOK, "cells": [{**NOTEBOOK["cells"][0], "outputs": [
        {"output_type": "error", "ename": "ValueError", "evalue": "x", "traceback": []}]}]}).encode(), True,
     "json", "holds an error output (ValueError)"),
    ("default.results.json", b'{"reserves_bn": 28', True, "json", "does not parse"),
    ("default.results.json", b"[1, 2]", True, "json", "is not a JSON object"),
    ("default.pdf", pdf_bytes(2)[:-200], True, "pdf", "no %%EOF trailer"),
    ("default.pdf", pdf_bytes(2).replace(b"%PDF-1.4", b"%XYZ-1.4"), True, "pdf", "no %PDF- header"),
    ("default.pdf", pdf_bytes(2).replace(b"0000000009 00000 n", b"0000000001 00000 n"), True, "pdf",
     "points at no object"),
    ("default.html", HTML.encode()[:-20], True, "html", "cut short"),
    ("default.html", HTML.replace("<p>", "<pre>Traceback (most recent call last):</pre><p>").encode(), True, "html",
     "shows a traceback"),
    ("default.html", HTML.replace("<p>", "<p>/home/analyst/liquidity/lib/x.py").encode(), True, "html",
     "shows a path of this machine"),
])
def test_each_check_finds_its_kind_of_broken_file(tmp_path, name, data, recorded, check, why):
    problems = _broken(tmp_path, name, data, recorded)
    assert problems and problems[0].check == check and problems[0].file == name and why in problems[0].why, problems


def test_a_missing_format_or_sidecar_is_a_problem(tmp_path):
    note = make_note(tmp_path, {"default.ipynb": json.dumps(NOTEBOOK).encode(), "default.html": HTML.encode()})
    assert [(p.check, p.file) for p in gate.check_note(note)] == [("complete", "default.pdf"),
                                                                  ("complete", "default.results.json")]


def test_a_failed_note_is_failed_for_its_error_and_its_files_are_not_read(tmp_path):
    note = make_note(tmp_path, {"default.ipynb": b"{not json"}, status="failed")
    assert [str(p) for p in gate.check_note(note)] == ["execution: ValueError: boom"]


def test_another_check_is_one_more_function(tmp_path):
    """How the lead adds the findings re-check: a function of the note that returns problems."""
    def findings_agree(note):
        values = json.loads(note.path("default.results.json").read_text())
        return [] if values["reserves_bn"] < 3000 else [gate.Problem("findings", "default.results.json", "too high")]

    note = make_note(tmp_path)
    assert gate.check_note(note, [*gate.CHECKS, findings_agree]) == []
    (tmp_path / "default.results.json").write_text('{"reserves_bn": 3100}')
    note.record["files"]["default.results.json"] = hashlib.sha256(b'{"reserves_bn": 3100}').hexdigest()
    assert [str(p) for p in gate.check_note(note, [*gate.CHECKS, findings_agree])] == [
        "findings: default.results.json: too high"]


def test_machine_paths_name_the_project_home_and_python(monkeypatch, tmp_path):
    import sys

    from liquidity.core import paths

    monkeypatch.setenv("LIQUIDITY_MIRROR", str(tmp_path / "mirror"))
    found = gate.machine_paths()
    assert str(paths.project_root()) in found and sys.prefix in found and str(tmp_path / "mirror") in found
    assert "/" not in found and "/usr" not in found and "/tmp" not in found
