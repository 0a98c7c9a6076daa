"""Units, prose formatting and parameter checks on small inputs with known answers."""
import pandas as pd
import pytest

from liquidity.publish import params
from liquidity.core.errors import InputError
from liquidity.core.units import to_display
from liquidity.publish.i18n import fmt, set_language


@pytest.mark.parametrize("value,en,zh", [(2850.3, "$2.85tn", "2.85万亿美元"), (943.2, "$943bn", "9432亿美元"),
                                        (-51.8, "-$52bn", "-518亿美元"), (3.172, "$3.2bn", "32亿美元"),
                                        (1000.0, "$1.00tn", "1万亿美元"), (None, "n/a", "无数据"),
                                        (float("nan"), "n/a", "无数据")])
def test_amounts_in_both_languages(value, en, zh):
    try:
        assert fmt.bn(value) == en
        set_language("zh")
        assert fmt.bn(value) == zh
    finally:
        set_language("en")


def test_rates_spreads_dates_in_both_languages():
    try:
        assert fmt.pct(4.22) == "4.22%" and fmt.bp(18.0) == "18bp" and fmt.bp(5.0, sign=True) == "+5bp"
        assert fmt.bp(-0.2, sign=True) == "0bp" and fmt.date("2025-10-31") == "31 Oct 2025"
        assert fmt.bn(50.35, digits=2) == "$50.35bn" and fmt.bn(12.5, sign=True) in ("+$12bn", "+$13bn")
        set_language("zh")
        assert fmt.bn(2940.0) == "2.94万亿美元" and fmt.bn(50.35, digits=2) == "503.5亿美元"   # the examples
        assert fmt.bp(18.0) == "18个基点" and fmt.pct(4.22) == "4.22%"
        assert fmt.date("2025-10-31") == "2025年10月31日" and fmt.month(pd.Period("2025-10", "M")) == "2025年10月"
    finally:
        set_language("en")


def test_to_display_converts_millions_to_billions_exactly():
    s = pd.Series([6587034.0, 719542.0])
    assert to_display(s, "millions_usd").tolist() == [6587.034, 719.542]
    assert to_display(s, "billions_usd").tolist() == [6587034.0, 719542.0]
    with pytest.raises(ValueError):
        to_display(s, "furlongs")


@pytest.mark.parametrize("kwargs,message", [
    ({"as_of": "2025/10/31"}, "as_of='2025/10/31' is not allowed"),
    ({"as_of": "yesterday"}, "as_of='yesterday'"),
    ({"start": "2025-02-30"}, "not a real calendar date"),
    ({"start": "31-10-2025"}, "start='31-10-2025' is not a date"),
    ({"reserves_alert_bn": -5.0}, "must not be negative"),
    ({"reserves_alert_bn": "big"}, "must be a number"),
    ({"window_days": 1.5}, "must be a whole number"),
    ({"as_of": "2031-01-01"}, "is after today (2026-11-22)"),
    ({"as_of": "2025-02-30"}, "not a real calendar date"),
    ({"as_of": "2025-11-17", "projection_end_date": "2025-11-01"}, "is not after as_of"),
    ({"window_start": "2025-11-12", "window_end": "2025-07-01"}, "window_start='2025-11-12' is after window_end"),
    ({"spread_measure": "sofr_iorbb"}, "did you mean 'sofr_iorb'"),
])
def test_parameter_checks_name_the_parameter_and_the_rule(kwargs, message):
    with pytest.raises(InputError) as err:
        params.check(**kwargs)
    assert message in str(err.value)


def test_good_parameters_pass_unchanged():
    given = {"as_of": "latest", "start": "2024-01-01", "end": "latest", "shock_bn": 120.0, "tga_change_bn": -50.0}
    assert params.check(**given) == given
    assert params.parse_as_of("latest") is None
    assert params.parse_as_of("2025-11-17") == pd.Timestamp("2025-11-17")


def test_type_checks_from_annotations():
    assert params.check_type("x", 3, "float") == 3.0
    with pytest.raises(InputError, match="must be of type float"):
        params.check_type("x", "3", "float")
    with pytest.raises(InputError, match="not bool"):
        params.check_type("x", True, "int")
    assert params.check_type("x", None, "str | None") is None


def test_relative_path_settings_are_taken_from_the_project_root(monkeypatch, tmp_path):
    from liquidity.core import paths

    monkeypatch.chdir(tmp_path)                            # e.g. a kernel started in another folder
    monkeypatch.setenv("LIQUIDITY_ROOT", str(paths._PKG_ROOT))
    monkeypatch.setenv("LIQUIDITY_MIRROR", "../shared/data")
    assert paths.mirror_dir() == (paths._PKG_ROOT / ".." / "shared" / "data").resolve()
    paths.absolutize_env()
    import os
    assert os.environ["LIQUIDITY_MIRROR"] == str((paths._PKG_ROOT / ".." / "shared" / "data").resolve())


def test_choice_shape_points_and_relative_date_rules():
    import pandas as pd

    from liquidity.publish import params
    from liquidity.core.errors import InputError

    with pytest.raises(InputError, match=r"qt_scenario='no-end' is not allowed: choose one of as_announced, no_end, "
                                         r"slower \(did you mean 'no_end'\?\)"):
        params.check(qt_scenario="no-end")
    with pytest.raises(InputError, match="tga_shape='curvy' is not allowed"):
        params.check(tga_shape="curvy")
    with pytest.raises(InputError, match=r"tga_points\[0\].date='2025-13-01' is not a real calendar date"):
        params.check(tga_points=[{"date": "2025-13-01", "level_bn": 900}])
    params.check(tga_target_date="next_quarter_end", tga_step_date=None, tga_points=[])
    assert params.resolve_date("next_quarter_end", "d", "2026-08-12") == pd.Timestamp("2026-09-30")
    assert params.resolve_date("next_quarter_end", "d", "2026-09-10") == pd.Timestamp("2026-12-31")
    assert params.resolve_date("2025-12-31", "d", "2026-09-10") == pd.Timestamp("2025-12-31")


@pytest.mark.parametrize("help_text,inside,outside", [
    ("share of each TGA change taken from ON RRP. Range [0, 1]", [0, 0.5, 1], [-0.01, 1.5]),
    ("coverage of the band (percent). Range (0, 100)", [0.5, 90, 99.9], [0, 100, 150]),
    ("weeks of the window. Range [1, inf)", [1, 52, 10**6], [0, -3]),
])
def test_ranges_declared_in_the_comment_bound_the_value(help_text, inside, outside):
    domain = params.domain_from_help(help_text)
    for v in inside:
        params.check_value("x_share", v, domain)
    for v in outside:
        with pytest.raises(InputError, match=r"x_share=.* is outside its range [\[(]"):
            params.check_value("x_share", v, domain)


def test_check_cell_reads_the_parameters_cell_once_and_checks_every_value():
    cell = ('as_of: str = "latest"  # "latest" or a date\n'
            'lang: str = "en"  # en or zh\n'
            'rrp_offset_share: "Optional[float]" = None  # share taken from ON RRP. Range [0, 1]\n'
            'band_level_pct: float = 90.0  # coverage of the band. Range (0, 100)\n')
    ns = {"In": ["", cell, "as_of = '2025-11-17'"], "as_of": "2025-11-17", "lang": "en", "rrp_offset_share": None,
          "band_level_pct": 90.0}
    assert params.check_cell(ns) == {"as_of": "2025-11-17", "lang": "en", "rrp_offset_share": None,
                                     "band_level_pct": 90.0}
    with pytest.raises(InputError, match=r"rrp_offset_share=1.5 is outside its range \[0, 1\]"):
        params.check_cell({**ns, "rrp_offset_share": 1.5})
    with pytest.raises(InputError, match=r"band_level_pct=150.0 is outside its range \(0, 100\)"):
        params.check_cell({**ns, "band_level_pct": 150})
    with pytest.raises(InputError, match="lang='fr' is not allowed"):
        params.check_cell({**ns, "lang": "fr"})


def test_check_cell_without_kernel_history_finds_the_notebook_that_declares_the_names(tmp_path, monkeypatch):
    """nbval runs cells with store_history=False: `In` is empty, the annotated names are all there is."""
    import nbformat

    cell = 'window_days: int = 20  # days. Range [1, 250]\nlang: str = "en"  # en or zh\n'
    other = 'window_days: int = 20  # days. Range [1, 250]\n'
    for name, src in (("a_other.ipynb", other), ("b_this.ipynb", cell)):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(src, metadata={"tags": ["parameters"]})]
        nbformat.write(nb, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    ns = {"In": [""], "__annotations__": {"window_days": int, "lang": str}, "window_days": 20, "lang": "en"}
    assert params.check_cell(ns) == {"window_days": 20, "lang": "en"}
    with pytest.raises(InputError, match=r"window_days=0 is outside its range \[1, 250\]"):
        params.check_cell({**ns, "window_days": 0})
    with pytest.raises(InputError, match="no parameters cell found"):
        params.check_cell({"In": [""], "__annotations__": {"unknown_name": int}})


def test_parameters_cells_are_read_as_papermill_reads_them():
    """The runner and the kernels parse the parameters cell with `ast` (papermill's translator costs 1.5 s to
    import); on every notebook both give the same names, types, defaults and help, in the same order."""
    import ast
    import json

    import nbformat
    from papermill.translators import PythonTranslator

    from liquidity.core.paths import notebooks_dir

    checked = 0
    for path in sorted(notebooks_dir().glob("*.ipynb")):
        cell = next(c for c in json.loads(path.read_text())["cells"] if "parameters" in c["metadata"].get("tags", []))
        source = "".join(cell["source"])
        ours = params.parse_parameters_cell(source)
        theirs = PythonTranslator.inspect(nbformat.v4.new_code_cell(source))
        assert list(ours) == [p.name for p in theirs], path.name
        for p in theirs:
            assert ours[p.name].type_name == (p.inferred_type_name or "None"), (path.name, p.name)
            assert ours[p.name].default == (ast.literal_eval(p.default) if p.default else None), (path.name, p.name)
            assert ours[p.name].help == (p.help or ""), (path.name, p.name)
            checked += 1
    assert checked > 50


def test_parameters_cell_parser_keeps_quoted_types_expressions_and_hashes_in_strings():
    got = params.parse_parameters_cell(
        'a: "Optional[float]" = None  # share. Range [0, 1]\n'
        'b: list = [1,\n    2]  # two lines\n'
        'c: str = "x # y"  # a hash inside the value\n'
        'd = 3\n'
        'print("not a parameter")\n')
    assert [(p.name, p.type_name, p.default, p.help) for p in got.values()] == [
        ("a", "Optional[float]", None, "share. Range [0, 1]"), ("b", "list", [1, 2], "two lines"),
        ("c", "str", "x # y", "a hash inside the value"), ("d", "None", 3, "")]


def test_file_parameters_resolve_only_inside_the_project_its_outputs_or_an_allowed_folder(tmp_path, monkeypatch):
    from liquidity.core import paths
    from liquidity.publish.params import check_value

    root = paths.project_root()
    inside = paths.user_file("data/claims/late_2025_squeeze.yaml", "claims_file")
    assert inside == root / "data" / "claims" / "late_2025_squeeze.yaml"
    assert paths.display_file(inside) == "data/claims/late_2025_squeeze.yaml"
    check_value("scenario_results_file", "")                      # empty: none
    for bad in ("/etc/passwd", "../../../../etc/passwd", "data/../../outside.yaml", str(tmp_path / "x.yaml")):
        with pytest.raises(InputError, match="outside the project.*LIQUIDITY_ALLOW_DIR"):
            check_value("claims_file", bad)
    link = tmp_path / "allowed" / "link.yaml"                       # a link inside an allowed folder to a file outside
    link.parent.mkdir()
    (tmp_path / "secret.yaml").write_text("x: 1\n")
    link.symlink_to(tmp_path / "secret.yaml")
    monkeypatch.setenv("LIQUIDITY_ALLOW_DIR", str(tmp_path / "allowed"))
    with pytest.raises(InputError, match="outside the project"):
        paths.user_file(str(link), "claims_file")
    (tmp_path / "allowed" / "claims.yaml").write_text("title: t\n")
    found = paths.user_file(str(tmp_path / "allowed" / "claims.yaml"), "claims_file")
    assert paths.display_file(found) == "allowed/claims.yaml"
    with pytest.raises(InputError, match="no such file"):
        paths.user_file(str(tmp_path / "allowed" / "none.yaml"), "claims_file")
    monkeypatch.setenv("LIQUIDITY_OUTPUTS", str(tmp_path / "out"))   # a note's results in the outputs, wherever
    (tmp_path / "out" / "run" / "tga_drain").mkdir(parents=True)
    (tmp_path / "out" / "run" / "tga_drain" / "default.results.json").write_text("{}")
    found = paths.user_file(str(tmp_path / "out" / "run" / "tga_drain" / "default.results.json"), "x_file")
    assert paths.display_file(found) == "out/run/tga_drain/default.results.json"


def test_a_p_value_never_rounds_onto_the_significance_level():
    """A verdict at the 5% level beside "p = 0.05" reads as a contradiction: near the level p gets three decimals."""
    assert [str(fmt.p(x)) for x in (0.047, 0.052, 0.0451, 0.0449, 0.14, 0.004, 0.0004)] == \
        ["p = 0.047", "p = 0.052", "p = 0.045", "p = 0.04", "p = 0.14", "p = 0.004", "p < 0.001"]


def test_amount_parameters_show_in_the_unit_of_the_prose_in_the_appendix():
    """A parameter in billions (name ending _bn) reads as an amount in each language; other numbers stay numbers."""
    from liquidity.publish.i18n import realize
    from liquidity.publish.report import parameter_value

    shown = {lang: [str(realize(parameter_value(v, n), lang)) for v, n in
                    ((850.0, "tga_target_bn"), (17.5, "mbs_cap_bn"), (5.0, "ust_cap_bn"), (3000.0, "reserves_alert_bn"),
                                    (90.0, "band_pct"))]
             for lang in ("en", "zh")}
    assert shown["en"] == ["$850bn", "$17.5bn", "$5bn", "$3.00tn", "90"]
    assert shown["zh"] == ["8500亿美元", "175亿美元", "50亿美元", "3万亿美元", "90"]
