"""Agreement between experts on the items several of them labelled.

Pure functions over a frame of label events (columns ``external_id``,
``annotator``, ``label``, ``action``; ``created_at`` and ``id`` order the events
when present, row order otherwise; an ``undo`` event voids the event named by
its ``voids_event_id``). Only confirm and correct events are labels, and each
annotator counts once per item, with their latest label: an expert who changes
their mind is not two raters.

Every figure comes with the number of items it rests on, and is None (never
NaN) where it is undefined: no items, or a single category used throughout, so
that chance agreement is already perfect.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Any

import pandas as pd
from sklearn.metrics import cohen_kappa_score

__all__ = [
    "LABELLED_ACTIONS",
    "UNDO",
    "AgreementFigure",
    "AgreementSummary",
    "PairAgreement",
    "active_events",
    "agreement_summary",
    "fleiss_kappa",
    "krippendorff_alpha",
    "latest_labels",
    "pairwise_cohen_kappa",
]

LABELLED_ACTIONS = ("confirm", "correct")
UNDO = "undo"
_REQUIRED = ("external_id", "annotator", "label", "action")


@dataclass(frozen=True)
class PairAgreement:
    """Cohen's kappa of two annotators on the items both labelled."""

    annotator_a: str
    annotator_b: str
    kappa: float | None
    observed_agreement: float | None
    n_items: int


@dataclass(frozen=True)
class AgreementFigure:
    """A chance-corrected agreement figure and what it rests on."""

    value: float | None
    n_items: int
    n_ratings: int


@dataclass(frozen=True)
class AgreementSummary:
    """All agreement figures of a set of label events, each with what it rests on.

    Attributes
    ----------
    n_annotators : int
    n_items_labelled : int
        Items with any label.
    n_items_shared : int
        Items labelled by two or more annotators.
    cohen : list of PairAgreement
        One per pair of annotators.
    fleiss, krippendorff : AgreementFigure
        Figures are None where undefined, never NaN.
    """

    n_annotators: int
    n_items_labelled: int
    n_items_shared: int
    cohen: list[PairAgreement]
    fleiss: AgreementFigure
    krippendorff: AgreementFigure

    def to_dict(self) -> dict[str, Any]:
        """The summary as a JSON-safe dict of plain Python numbers."""
        return asdict(self)


def active_events(events: pd.DataFrame) -> pd.DataFrame:
    """The events that still count, oldest first.

    An ``undo`` event is not an answer, and neither is the event it voids (named
    by its ``voids_event_id``, when the frame has that column and ``id``). The
    rest are ordered by ``created_at``, then ``id``, then row order.

    Parameters
    ----------
    events : pandas.DataFrame
        Label events; must hold external_id, annotator, label and action.

    Returns
    -------
    pandas.DataFrame
        The active rows with a fresh RangeIndex, in the order they happened.
    """
    missing = [c for c in _REQUIRED if c not in events.columns]
    if missing:
        raise ValueError(f"Label events need columns {', '.join(_REQUIRED)}; missing: {', '.join(missing)}.")
    frame = events.reset_index(drop=True).assign(_position=range(len(events)))
    active = frame["action"] != UNDO
    if "voids_event_id" in frame.columns and "id" in frame.columns:
        active &= ~frame["id"].isin(frame["voids_event_id"].dropna())
    keys = [c for c in ("created_at", "id") if c in frame.columns] + ["_position"]
    frame = frame[active].sort_values(keys, kind="stable")
    return frame.drop(columns="_position").reset_index(drop=True)


def latest_labels(events: pd.DataFrame) -> pd.DataFrame:
    """Each annotator's latest confirm or correct label on each item.

    Parameters
    ----------
    events : pandas.DataFrame
        Label events (see the module docstring).

    Returns
    -------
    pandas.DataFrame
        Columns external_id, annotator, label (all str), one row per item and
        annotator, sorted by external_id then annotator.
    """
    frame = active_events(events)
    frame = frame[frame["action"].isin(LABELLED_ACTIONS) & frame["label"].notna()]
    columns = ("external_id", "annotator", "label")
    frame = pd.DataFrame({c: frame[c].astype(str).to_numpy(dtype=object) for c in columns})
    frame = frame.drop_duplicates(["external_id", "annotator"], keep="last")
    return frame.sort_values(["external_id", "annotator"]).reset_index(drop=True)


def pairwise_cohen_kappa(events: pd.DataFrame) -> list[PairAgreement]:
    """Cohen's kappa for every pair of annotators, on the items both labelled.

    kappa = (p_o - p_e) / (1 - p_e), where p_o is the share of shared items on
    which the two agree and p_e = sum_k (n_ak / n)(n_bk / n) is the agreement
    expected from each annotator's own label frequencies on those items;
    computed by :func:`sklearn.metrics.cohen_kappa_score`.

    Parameters
    ----------
    events : pandas.DataFrame
        Label events (see the module docstring).

    Returns
    -------
    list of PairAgreement
        One per pair of annotators with any label, ordered by name; a pair
        with no shared item has n_items 0 and kappa None, and kappa is None
        where p_e is 1 (both gave one and the same label to every shared item).
    """
    labels = latest_labels(events)
    wide = labels.pivot(index="external_id", columns="annotator", values="label")
    pairs = []
    for a, b in combinations(sorted(wide.columns), 2):
        both = wide[[a, b]].dropna()
        n = len(both)
        if n == 0:
            pairs.append(PairAgreement(a, b, None, None, 0))
            continue
        p_o = float((both[a] == both[b]).mean())
        # p_e is 1 when both gave one and the same label to every shared item: kappa is 0/0 there.
        single = both[a].nunique() == 1 and both[b].nunique() == 1 and both[a].iloc[0] == both[b].iloc[0]
        kappa = None if single else float(cohen_kappa_score(both[a].astype(str), both[b].astype(str)))
        pairs.append(PairAgreement(a, b, kappa, p_o, n))
    return pairs


def _rating_counts(events: pd.DataFrame, min_raters: int) -> pd.DataFrame:
    """Items x categories table of how many annotators chose each category."""
    labels = latest_labels(events)
    if labels.empty:
        return pd.DataFrame()
    table = labels.groupby(["external_id", "label"]).size().unstack(fill_value=0)
    return table[table.sum(axis=1) >= min_raters]


def fleiss_kappa(events: pd.DataFrame, min_raters: int = 2) -> AgreementFigure:
    """Fleiss' kappa over the items with at least ``min_raters`` ratings.

    Items may have different numbers of raters n_i:
    P_i = (sum_j n_ij^2 - n_i) / (n_i (n_i - 1)), P_bar = mean_i P_i,
    p_j = sum_i n_ij / sum_i n_i, P_e = sum_j p_j^2,
    kappa = (P_bar - P_e) / (1 - P_e).
    Our own code, because :func:`statsmodels.stats.inter_rater.fleiss_kappa`
    assumes every item has the same number of raters; with equal numbers the two
    agree (tested).

    Parameters
    ----------
    events : pandas.DataFrame
        Label events (see the module docstring).
    min_raters : int, default=2
        Items with fewer ratings are left out; at least 2.

    Returns
    -------
    AgreementFigure
        value None when no item qualifies or P_e is 1; n_ratings is sum_i n_i.
    """
    if min_raters < 2:
        raise ValueError(f"min_raters must be at least 2 (agreement needs two ratings of an item), not {min_raters}.")
    table = _rating_counts(events, min_raters)
    if table.empty:
        return AgreementFigure(None, 0, 0)
    n_ij = table.to_numpy(dtype=float)
    n_i = n_ij.sum(axis=1)
    p_i = ((n_ij**2).sum(axis=1) - n_i) / (n_i * (n_i - 1))
    p_j = n_ij.sum(axis=0) / n_i.sum()
    p_bar, p_e = float(p_i.mean()), float((p_j**2).sum())
    value = None if _single_category(table) else (p_bar - p_e) / (1 - p_e)
    return AgreementFigure(value, len(table), int(n_i.sum()))


def krippendorff_alpha(events: pd.DataFrame) -> AgreementFigure:
    """Krippendorff's alpha for nominal labels, from the coincidence matrix.

    Units with one rating are not pairable and are left out. With o_ck the
    coincidences (each unit u adds, for every ordered pair of its ratings,
    1 / (m_u - 1)), n_c = sum_k o_ck and n = sum_c n_c:
    alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k.

    Parameters
    ----------
    events : pandas.DataFrame
        Label events (see the module docstring).

    Returns
    -------
    AgreementFigure
        value None when no unit is pairable or one category is used throughout;
        n_ratings is n, the number of pairable ratings.
    """
    table = _rating_counts(events, 2)
    if table.empty:
        return AgreementFigure(None, 0, 0)
    counts = table.to_numpy(dtype=float)  # n_uc: ratings of category c in unit u
    m_u = counts.sum(axis=1)
    # sum_c o_cc = sum_u sum_c n_uc (n_uc - 1) / (m_u - 1); each rating pairs with m_u - 1 others.
    o_same = float(((counts * (counts - 1)) / (m_u - 1)[:, None]).sum())
    n_c = counts.sum(axis=0)
    n = float(n_c.sum())
    disagree_observed = n - o_same  # sum_{c != k} o_ck
    disagree_expected = n**2 - float((n_c**2).sum())  # sum_{c != k} n_c n_k
    value = None if _single_category(table) else 1 - (n - 1) * disagree_observed / disagree_expected
    return AgreementFigure(value, len(table), int(n))


def _single_category(table: pd.DataFrame) -> bool:
    """Whether every rating in the table falls in one category (chance agreement is then 1)."""
    return int((table.sum(axis=0) > 0).sum()) <= 1


def agreement_summary(events: pd.DataFrame) -> AgreementSummary:
    """All agreement figures, each with what it rests on.

    Returns
    -------
    AgreementSummary
    """
    labels = latest_labels(events)
    per_item = labels.groupby("external_id").size()
    return AgreementSummary(
        n_annotators=int(labels["annotator"].nunique()),
        n_items_labelled=int(len(per_item)),
        n_items_shared=int((per_item >= 2).sum()),
        cohen=pairwise_cohen_kappa(events),
        fleiss=fleiss_kappa(events),
        krippendorff=krippendorff_alpha(events),
    )
