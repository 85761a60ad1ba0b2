"""The overview cards' data: per catalogue indicator its latest 全疆 actual value and its own previous value
(same unit and basis)."""
from __future__ import annotations

import pandas as pd

from . import _queries as q


def card_rows(f: q.Filters) -> tuple[list[dict], list[dict]]:
    """(cards, single): per indicator its main series (unit and basis with the most years); a card when it has a
    latest and a previous value, else an entry in 'single' (one year only)."""
    data = q.overview_series(f)
    rank = {m: k for k, m in enumerate(q.FAMILY_ORDER)}
    cards, single = [], []
    for indicator, part in data.groupby("indicator", sort=False):
        sizes = part.groupby(["unit_norm", "basis"])["year"].nunique().sort_values(ascending=False)
        (unit, basis) = sizes.index[0]
        series = part[(part["unit_norm"] == unit) & (part["basis"] == basis)].sort_values("year", ascending=False)
        latest = series.iloc[0]
        entry = {"indicator": indicator, "label": latest.label, "metric": latest.metric, "unit": unit, "basis": basis,
                 "latest": latest, "prev": series.iloc[1] if len(series) > 1 else None,
                 "order": (rank.get(latest.metric, len(rank)), latest.sort_order if pd.notna(latest.sort_order) else 0)}
        (cards if entry["prev"] is not None else single).append(entry)
    return sorted(cards, key=lambda c: c["order"]), sorted(single, key=lambda c: c["order"])
