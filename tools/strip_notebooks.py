"""Strip outputs and execution counts from notebooks (what nbstripout does), or --check that they are stripped."""
import sys

import nbformat


def strip(path: str, check: bool) -> bool:
    nb = nbformat.read(path, as_version=4)
    dirty = False
    for cell in nb.cells:
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            dirty = True
            cell.outputs, cell.execution_count = [], None
        for key in ("execution", "collapsed", "scrolled"):
            if key in cell.metadata:
                dirty = True
                cell.metadata.pop(key)
    for key in ("widgets", "papermill"):
        if key in nb.metadata:
            dirty = True
            nb.metadata.pop(key)
    if dirty and not check:
        nbformat.write(nb, path)
    return dirty


if __name__ == "__main__":
    check = "--check" in sys.argv
    paths = [a for a in sys.argv[1:] if a != "--check"]
    dirty = [p for p in paths if strip(p, check)]
    if dirty and check:
        print("notebooks stored with outputs (run `make strip`):", *dirty)
        sys.exit(1)
