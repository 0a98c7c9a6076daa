"""Names of their era in tables, charts and section text (publish.eras), the SRF-rate spread measure, and the era
of the notes: a 2019 note says IOER and never IORB, a 2025 note says IORB."""
import pandas as pd
import pytest

from liquidity.publish import eras
from liquidity.publish.findings import era_title


def test_a_window_in_one_era_takes_that_era_s_name_and_one_across_the_change_both():
    assert eras.span_title("sofr_iorb", "2019-08-20", "2019-10-15") == "SOFR - IOER"
    assert eras.span_title("sofr_iorb", "2025-10-03", "2025-11-28") == "SOFR - IORB"
    assert eras.span_title("sofr_iorb", "2018-04-01", "2026-08-20") == "SOFR - IOER/IORB"
    assert eras.span_title("iorb", "2019-09-17", "2025-10-31", name=True) == "IOER/IORB"
    assert eras.span_title("iorb", "2021-07-28", "2021-07-28", name=True) == "IOER"     # the last day of IOER
    assert eras.span_title("iorb", "2021-07-29", "2021-07-29", name=True) == "IORB"
    assert eras.span_title("sofr", "2018-04-01", "2026-08-20") == "SOFR"                # no era in the name
    # before the SRF its rate is the top of the target range, and so is a spread over it
    assert eras.span_title("srf_rate", "2019-01-01", "2019-09-30", name=True) == "the top of the target range"
    assert era_title("sofr_srf", "2019-09-17") == "SOFR - top of the target range"
    assert era_title("sofr_srf", "2025-10-31") == "SOFR - SRF rate"


def test_chart_sources_list_the_rate_series_of_their_era_only():
    ids = ["SOFR", "IOER", "IORB", "DFEDTARU"]
    assert eras.series_in(ids, "2018-04-01", "2019-09-30") == ["SOFR", "IOER", "DFEDTARU"]
    assert eras.series_in(ids, "2025-01-01", "2025-11-17") == ["SOFR", "IORB", "DFEDTARU"]
    assert eras.series_in(ids, "2018-04-01", "2026-08-20") == ids


def test_a_note_before_the_srf_belongs_to_another_era():
    assert eras.other_era("2019-09-30") and eras.before_srf("2021-07-27")
    assert not eras.other_era("2021-07-28") and not eras.other_era(pd.Timestamp("2025-11-17"))
    assert not eras.before_iorb(None)


def test_sofr_over_the_srf_rate_on_the_mirror(ds):
    from liquidity.models import stress

    s = ds.measure("sofr_srf")
    assert s[pd.Timestamp("2025-10-31")] == pytest.approx(22.0)       # SOFR 4.22% against the 4.00% top
    assert s[pd.Timestamp("2019-09-17")] == pytest.approx(300.0)      # 5.25% against the 2.25% top (no SRF yet)
    # counted over the trailing window, the measure gives the stress summary's count of days above the ceiling
    end = pd.Timestamp("2025-11-14")
    window = s[(s.index > end - pd.Timedelta(days=90)) & (s.index <= end)]
    sofr = ds.measure("sofr")
    above, observed = stress.days_above(sofr[sofr.index <= end], ds.measure("srf_rate"), 90)
    assert (int((window > 0).sum()), len(window)) == (above, observed) and above >= 1


# -- the notes ---------------------------------------------------------------------------------------------------------
def _reader_text(published, notebook, paramset, lang):
    """The note as a reader reads it before the appendix, without the rows of the decisions table that list what was
    decided after the as-of date (named as they were named then)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(published.path(notebook, paramset, lang, "html").read_text(encoding="utf-8"), "html.parser")
    for cell in soup.select(".celltag_appendix"):
        cell.decompose()
    for hidden in soup(["style", "script"]):
        hidden.decompose()
    later = "after the as-of date: with hindsight" if lang == "en" else "属事后信息"
    for row in soup.select("tr"):
        if later in row.get_text(" "):
            row.decompose()
    return soup.get_text(" ")


@pytest.mark.notebook
def test_a_2019_note_says_ioer_and_never_iorb_and_a_2025_note_says_iorb(published):
    old = _reader_text(published, "repo_stress", "episode_2019", "en")
    assert "IOER" in old and "IORB" not in old
    assert "SOFR - IOER peaked at 315bp on 17 Sep 2019" in old
    assert "top of the target range" in old and "SRF rate" not in old      # no SRF in 2019: its ceiling by name
    assert "The thresholds are today's, shown for comparison" in old
    old_zh = _reader_text(published, "repo_stress", "episode_2019", "zh")
    assert "超额准备金利率" in old_zh and "准备金余额利率" not in old_zh
    new = _reader_text(published, "repo_stress", "as_of_2025_11_17", "en")
    assert "On 14 Nov 2025, SOFR stood at 3.95%, SOFR - IORB stood at 5bp" in new and "SOFR - IOER" not in new
    assert "准备金余额利率" in _reader_text(published, "repo_stress", "as_of_2025_11_17", "zh")
    # the replay speaks of each episode in its own era's names
    both = _reader_text(published, "replay_2019", "default", "en")
    assert "SOFR - IOER peaked at 315bp on 17 Sep 2019" in both and "SOFR - IORB peaked at 32bp on 31 Oct 2025" in both
