"""The current gold label of each item, derived from its label events.

Rules, strongest first:

1. **adjudication**: a lead's ``adjudicate`` event decides; the latest one wins.
2. **majority**: two or more experts, and one label is chosen more often than
   any other (a plurality: 2 of a, 1 of b, 1 of c is a majority for a).
3. **single**: one expert labelled the item.
4. **conflict**: the most frequent labels tie and no lead has adjudicated; the
   item has no gold label until one does.

Each expert counts once per item, with their latest confirm or correct event
(an expert who changes their mind is one vote). Skip and ambiguous events are
not labels, and an undone event (see ``feedback.gold.agreement.active_events``) is
as if it had never been given. Who may adjudicate is checked when the event is written
(``feedback.access.auth.can(role, "adjudicate")``); here every adjudicate event counts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from feedback.gold.agreement import active_events, latest_labels
from feedback.store import Session, repository

__all__ = ["ADJUDICATE", "GOLD_SOURCES", "conflicting_items", "gold_label_series", "gold_labels"]

ADJUDICATE = "adjudicate"
GOLD_SOURCES = ("adjudication", "majority", "single", "conflict")
_GOLD_COLUMNS = ["label", "source", "n_labels", "n_annotators", "agreement"]
_CONFLICT_COLUMNS = ["label", "source", "n_distinct", "n_labels", "top_share", "votes"]


def gold_labels(events: pd.DataFrame) -> pd.DataFrame:
    """The gold label of every item that has a label or an adjudication.

    Parameters
    ----------
    events : pandas.DataFrame
        Label events with columns external_id, annotator, label, action
        (``created_at`` and ``id`` order them when present, row order otherwise;
        ``voids_event_id`` marks undos).

    Returns
    -------
    pandas.DataFrame
        Indexed by external_id (sorted), with columns

        - label : str or None (None for a conflict)
        - source : {"adjudication", "majority", "single", "conflict"}
        - n_labels : int, expert votes counted (one per expert, their latest)
        - n_annotators : int, distinct people with any event on the item
          (experts who skipped or marked it ambiguous, and adjudicating leads)
        - agreement : float, share of the n_labels votes equal to the gold
          label (0.0 for an adjudication that overrules every vote; NaN when
          there is no vote or no gold label)

    Examples
    --------
    >>> events = pd.DataFrame({"external_id": ["x", "x", "x"], "annotator": ["ana", "bo", "cy"],
    ...                        "label": ["cat", "cat", "dog"], "action": ["confirm", "correct", "correct"]})
    >>> gold_labels(events)[["label", "source", "n_labels"]]  # doctest: +NORMALIZE_WHITESPACE
                label    source  n_labels
    external_id
    x             cat  majority         3
    """
    frame = active_events(events)
    adjudicated = _latest_adjudications(frame)
    counts = _label_counts(latest_labels(frame))
    tally = _tally(counts)
    tally = tally.reindex(tally.index.union(adjudicated.index).rename("external_id"))
    is_adjudicated = tally.index.isin(adjudicated.index)
    n_labels = tally["n_labels"].fillna(0).astype(int)
    source = np.select(
        [is_adjudicated, n_labels == 1, tally["tied"].eq(False)],
        ["adjudication", "single", "majority"],
        default="conflict",
    )
    label = np.where(is_adjudicated, adjudicated.reindex(tally.index), tally["top_label"])
    label = np.where(source == "conflict", None, label)
    for_gold = counts.reindex(pd.MultiIndex.from_arrays([tally.index, label])).fillna(0).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        agreement = np.where((n_labels > 0) & (source != "conflict"), for_gold / n_labels, np.nan)
    people = frame.assign(external_id=frame["external_id"].astype(str)).groupby("external_id")["annotator"].nunique()
    return pd.DataFrame(
        {
            "label": pd.Series(label, index=tally.index, dtype=object),
            "source": pd.Series(source, index=tally.index, dtype=object),
            "n_labels": n_labels,
            "n_annotators": people.reindex(tally.index).fillna(0).astype(int),
            "agreement": pd.Series(agreement, index=tally.index, dtype=float),
        }
    )


def gold_label_series(session: Session) -> pd.Series:
    """The stored items' gold labels by these rules, indexed by external_id; conflicts are left out.

    The training, audit and monitoring queries of :mod:`feedback.store.repository` take this Series.
    """
    gold = gold_labels(repository.label_events_frame(session))
    return gold.loc[gold["label"].notna(), "label"].astype(str)


def conflicting_items(events: pd.DataFrame) -> pd.DataFrame:
    """Items on which experts disagree and no lead has adjudicated, most disputed first.

    This is the adjudication queue: it holds the ties (no gold label) and the
    items a majority decided over a dissent.

    Parameters
    ----------
    events : pandas.DataFrame
        Label events, as for :func:`gold_labels`.

    Returns
    -------
    pandas.DataFrame
        Indexed by external_id, with columns

        - label : str or None, the current gold label (None for a tie)
        - source : {"majority", "conflict"}
        - n_distinct : int, how many different labels the experts gave
        - n_labels : int, expert votes counted
        - top_share : float, share of votes for the most frequent label
        - votes : dict of label -> sorted list of the experts who chose it

        Sorted by n_distinct (descending), n_labels (descending), top_share
        (ascending), then external_id.
    """
    frame = active_events(events)
    adjudicated = _latest_adjudications(frame)
    votes = latest_labels(frame)
    votes = votes[~votes["external_id"].isin(adjudicated.index)]
    tally = _tally(_label_counts(votes))
    tally = tally[tally["n_distinct"] > 1]
    voters: dict[str, dict[str, list[str]]] = {item: {} for item in tally.index}
    disputed = votes[votes["external_id"].isin(tally.index)].sort_values(["external_id", "label", "annotator"])
    for item, label, annotator in disputed[["external_id", "label", "annotator"]].to_numpy(dtype=object):
        voters[item].setdefault(label, []).append(annotator)
    table = pd.DataFrame(
        {
            "label": pd.Series(np.where(tally["tied"], None, tally["top_label"]), index=tally.index, dtype=object),
            "source": pd.Series(np.where(tally["tied"], "conflict", "majority"), index=tally.index, dtype=object),
            "n_distinct": tally["n_distinct"].astype(int),
            "n_labels": tally["n_labels"].astype(int),
            "top_share": (tally["top_n"] / tally["n_labels"]).astype(float),
            "votes": pd.Series([voters[item] for item in tally.index], index=tally.index, dtype=object),
        },
        index=tally.index,
    )
    order = table.reset_index().sort_values(
        ["n_distinct", "n_labels", "top_share", "external_id"], ascending=[False, False, True, True], kind="stable"
    )
    return order.set_index("external_id")


def _label_counts(votes: pd.DataFrame) -> pd.Series:
    """Votes per (external_id, label)."""
    return votes.groupby(["external_id", "label"]).size()


def _tally(counts: pd.Series) -> pd.DataFrame:
    """Per item: n_labels, n_distinct, the most chosen label (first by name on a tie), top_n, tied."""
    frame = counts.rename("n").reset_index().sort_values(["external_id", "n", "label"], ascending=[True, False, True])
    frame["at_top"] = frame["n"] == frame.groupby("external_id")["n"].transform("max")
    tally = frame.groupby("external_id").agg(
        n_labels=("n", "sum"),
        n_distinct=("n", "size"),
        top_n=("n", "first"),
        top_label=("label", "first"),
        n_at_top=("at_top", "sum"),
    )
    tally["tied"] = tally["n_at_top"] > 1
    return tally.drop(columns="n_at_top")


def _latest_adjudications(frame: pd.DataFrame) -> pd.Series:
    """The latest adjudicated label of each item, from chronologically ordered events."""
    adjudications = frame[(frame["action"] == ADJUDICATE) & frame["label"].notna()]
    latest = adjudications.drop_duplicates("external_id", keep="last")
    return pd.Series(
        latest["label"].astype(str).to_numpy(dtype=object),
        dtype=object,
        index=pd.Index(latest["external_id"].astype(str).to_numpy(dtype=object), name="external_id"),
    )
