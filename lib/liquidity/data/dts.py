"""Daily TGA closing balance from the Daily Treasury Statement, Table I (Operating Cash Balance).

Two formats (see the mirror's SOURCES.md):
- from 2022-04-18 a row "Treasury General Account (TGA) Closing Balance" carries the close in open_today_bal;
- before, there is no closing row: the close of a record date is the next record date's opening balance
  (rows "Federal Reserve Account" to 2021-09-30, then "Treasury General Account (TGA)").
"""
from __future__ import annotations

import pandas as pd

from ..core.errors import SourceError

CLOSING_ROW = "Treasury General Account (TGA) Closing Balance"
OPENING_ROWS = ("Treasury General Account (TGA) Opening Balance", "Treasury General Account (TGA)",
                "Federal Reserve Account")
FORMAT_CHANGE = pd.Timestamp("2022-04-18")

# Fiscal Data's CSV export labels -> API field names
CSV_COLUMNS = {"Record Date": "record_date", "Type of Account": "account_type",
               "Opening Balance Today": "open_today_bal", "Closing Balance Today": "close_today_bal"}


def normalise_columns(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.rename(columns=lambda c: str(c).lstrip("\ufeff").strip())
    frame = frame.rename(columns=CSV_COLUMNS)
    missing = {"record_date", "account_type", "open_today_bal"} - set(frame.columns)
    if missing:
        raise SourceError(f"Daily Treasury Statement data lacks the fields {sorted(missing)} "
                          f"(found {list(frame.columns)[:8]})")
    return frame


def tga_closing_balance(rows: pd.DataFrame) -> pd.Series:
    """Daily TGA closing balance in millions of USD, indexed by record date."""
    rows = normalise_columns(rows)
    dates = pd.to_datetime(rows["record_date"], errors="coerce")
    if dates.isna().any():
        bad = rows.loc[dates.isna(), "record_date"].iloc[0]
        raise SourceError(f"Daily Treasury Statement data has a bad record_date {bad!r}")
    values = pd.to_numeric(rows["open_today_bal"].replace({"null": None}), errors="coerce")
    account = rows["account_type"].astype(str).str.strip()
    frame = pd.DataFrame({"date": dates, "account": account, "value": values})

    closing = frame[frame["account"] == CLOSING_ROW].groupby("date")["value"].last()
    opening = frame[frame["account"].isin(OPENING_ROWS)].dropna(subset=["value"])
    # one opening per date: prefer the most specific label present that day
    opening = opening.assign(rank=opening["account"].map({n: i for i, n in enumerate(OPENING_ROWS)}))
    opening = opening.sort_values(["date", "rank"]).groupby("date")["value"].first()

    all_dates = pd.DatetimeIndex(sorted(set(frame["date"])))
    next_opening = opening.reindex(all_dates).shift(-1)
    close = closing.reindex(all_dates)
    close = close.fillna(next_opening)  # old format: close = next record date's opening
    close = close.dropna()
    close.index.name = "date"
    close.name = "TGA_DAILY"
    return close.astype(float)
