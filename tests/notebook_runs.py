"""Running a notebook's parameter sets in tests."""
import json

from liquidity.publish import runner


def run_param_sets(notebook: str, out) -> dict[str, dict]:
    """Run every parameter set of a notebook through the runner (papermill, ipynb only) and return each set's
    results sidecar; fails the test, with the errors, if any run failed."""
    report = runner.run(runner.plan([notebook], params_set="all"), formats=["ipynb"], jobs=2, out=out)
    assert all(t["status"] == "ok" for t in report.tasks), [t["error"] for t in report.tasks]
    return {t["paramset"]: json.loads((report.run_dir / notebook / f"{t['paramset']}.results.json").read_text())
            for t in report.tasks}
