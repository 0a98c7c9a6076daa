"""Store notebooks without what running them adds (what nbstripout does), with the Python standard library only.

    python3 tools/strip_notebooks.py FILE.ipynb...          strip in place (`make strip`)
    python3 tools/strip_notebooks.py --check FILE.ipynb...  exit 1 naming the notebooks stored with outputs
    python3 tools/strip_notebooks.py --clean [PATH]         git's clean filter: notebook on stdin, stripped on stdout

`make install` makes the third one the clean filter of *.ipynb (.gitattributes), so a notebook run and saved in
JupyterLab keeps its outputs on disk and shows no change in git. Stripped: outputs and execution counts, run
metadata (execution times, collapsed or scrolled outputs, papermill's records, widget state), and the interpreter
details JupyterLab adds to language_info. Restored: the Chinese Markdown twins (cell metadata liquidity.lang = zh)
stay collapsed in JupyterLab (jupyter.source_hidden), also after a translator opened one. The output is written
as nbformat writes notebooks (sorted keys, indent 1, sources split into lines), so a stripped notebook is
byte-identical to the one in git. Standard library only: git runs the filter with the system python3, in any
worktree, with or without a virtualenv.
"""
import json
import sys

RUN_CELL_METADATA = ("execution", "collapsed", "scrolled", "papermill")
RUN_NOTEBOOK_METADATA = ("widgets", "papermill")


def strip(nb: dict) -> dict:
    """The notebook as stored: `nb` is changed in place and returned."""
    for cell in nb.get("cells", []):
        meta = cell.setdefault("metadata", {})
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        for key in RUN_CELL_METADATA:
            meta.pop(key, None)
        jupyter = meta.get("jupyter", {})
        jupyter.pop("outputs_hidden", None)
        if (meta.get("liquidity") or {}).get("lang") == "zh":
            jupyter["source_hidden"] = True          # a twin a translator opened is stored collapsed again
        if jupyter:
            meta["jupyter"] = jupyter
        else:
            meta.pop("jupyter", None)
        meta.pop("trusted", None)
    meta = nb.setdefault("metadata", {})
    for key in RUN_NOTEBOOK_METADATA + ("signature", "orig_nbformat", "orig_nbformat_minor"):
        meta.pop(key, None)
    if isinstance(meta.get("language_info"), dict) and "name" in meta["language_info"]:
        meta["language_info"] = {"name": meta["language_info"]["name"]}   # not the interpreter that ran it
    return nb


def dumps(nb: dict) -> str:
    """JSON as nbformat writes it: sorted keys, indent 1, multi-line sources as lists of lines, a final newline."""
    for cell in nb.get("cells", []):
        if isinstance(cell.get("source"), str):
            cell["source"] = cell["source"].splitlines(True)
    return json.dumps(nb, sort_keys=True, indent=1, separators=(",", ": "), ensure_ascii=False) + "\n"


def strip_file(path: str, check: bool) -> bool:
    """Strip one notebook in place (unless `check`); whether it was stored with anything to strip."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    clean = dumps(strip(json.loads(text)))
    if clean != text and not check:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(clean)
    return clean != text


def clean_filter(name: str) -> int:
    text = sys.stdin.buffer.read().decode("utf-8")
    try:
        nb = json.loads(text)
    except ValueError as exc:
        print(f"strip_notebooks: {name} is not notebook JSON ({exc}); fix the file or `git add` it after saving "
              "it again from JupyterLab", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(dumps(strip(nb)).encode("utf-8"))
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--clean"]:
        return clean_filter(argv[1] if len(argv) > 1 else "stdin")
    check = "--check" in argv
    dirty = [p for p in argv if p != "--check" and strip_file(p, check)]
    if dirty and check:
        print("notebooks stored with outputs (run `make strip`):", *dirty)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
