"""Agreement figures against cases computed by hand (the arithmetic is in the comments)."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from feedback.gold import (
    AgreementFigure,
    PairAgreement,
    active_events,
    agreement_summary,
    fleiss_kappa,
    krippendorff_alpha,
    latest_labels,
    pairwise_cohen_kappa,
)


def _events(rows, action="confirm") -> pd.DataFrame:
    """Events from (external_id, annotator, label) rows."""
    return pd.DataFrame(
        [(i, a, lab, action) for i, a, lab in rows], columns=["external_id", "annotator", "label", "action"]
    )


def _from_columns(columns: dict[str, list[str]], missing: str = ".") -> pd.DataFrame:
    """Events from one list of values per annotator, one position per unit; ``missing`` = not rated."""
    return _events(
        [
            (f"u{u:02d}", who, value)
            for who, values in columns.items()
            for u, value in enumerate(values)
            if value != missing
        ]
    )


# --- which labels count -----------------------------------------------------------------------------


def test_each_annotator_counts_once_with_their_latest_confirm_or_correct():
    events = pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5],
            "created_at": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02", "2024-01-04", "2024-01-05"]),
            "external_id": ["x", "x", "x", "x", "y"],
            "annotator": ["ana", "ana", "ana", "bo", "bo"],
            "label": ["cat", "dog", "bird", None, "cat"],
            "action": ["confirm", "correct", "correct", "skip", "ambiguous"],
        }
    )

    labels = latest_labels(events)

    # created_at, not row order, decides: dog (Jan 3) is later than bird (Jan 2); skip/ambiguous are not labels.
    assert labels.to_dict("records") == [{"external_id": "x", "annotator": "ana", "label": "dog"}]


def test_an_undo_voids_the_event_it_names_and_is_not_a_label_itself():
    events = pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "external_id": ["x", "x", "y", "y"],
            "annotator": ["ana", "ana", "ana", "ana"],
            "label": ["cat", None, "dog", "cat"],
            "action": ["confirm", "undo", "correct", "confirm"],
            "voids_event_id": [None, 1, None, None],
        }
    )

    # x: the confirm was undone, nothing is left. y: both answers stand, the later one counts.
    assert latest_labels(events).to_dict("records") == [{"external_id": "y", "annotator": "ana", "label": "cat"}]
    assert list(active_events(events)["id"]) == [3, 4]


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="missing: annotator, action"):
        latest_labels(pd.DataFrame({"external_id": ["x"], "label": ["a"]}))
    with pytest.raises(ValueError, match="missing: label"):
        active_events(pd.DataFrame(columns=["external_id", "annotator", "action"]))


# --- Cohen's kappa ----------------------------------------------------------------------------------


def test_cohen_two_by_two_table():
    # Wikipedia's example, 50 items:   B yes  B no
    #                          A yes     20     5    (A: 25 yes, 25 no)
    #                          A no      10    15    (B: 30 yes, 20 no)
    # p_o = (20 + 15) / 50 = 0.7;  p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5;  kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4
    cells = [("yes", "yes")] * 20 + [("yes", "no")] * 5 + [("no", "yes")] * 10 + [("no", "no")] * 15
    a, b = [c[0] for c in cells], [c[1] for c in cells]
    events = _events([(f"i{k}", "ana", x) for k, x in enumerate(a)] + [(f"i{k}", "bo", y) for k, y in enumerate(b)])

    (pair,) = pairwise_cohen_kappa(events)

    assert (pair.annotator_a, pair.annotator_b, pair.n_items) == ("ana", "bo", 50)
    assert pair.observed_agreement == pytest.approx(0.7)
    assert pair.kappa == pytest.approx(0.4)
    assert pair.kappa == pytest.approx(cohen_kappa_score(a, b))


def test_cohen_uses_only_the_items_both_labelled_and_matches_sklearn():
    a = ["1", "2", "3", "1", "2", "3", "1", "1", "2"]
    b = ["1", "2", "3", "2", "2", "1", "1", "3", "2"]
    # 9 shared items, 6 agree: p_o = 6/9. Marginals A (1,2,3) = (4,3,2), B = (3,4,2):
    # p_e = (4*3 + 3*4 + 2*2) / 81 = 28/81;  kappa = (6/9 - 28/81) / (1 - 28/81) = (54 - 28) / (81 - 28) = 26/53
    rows = [(f"i{k}", "ana", x) for k, x in enumerate(a)] + [(f"i{k}", "bo", y) for k, y in enumerate(b)]
    rows += [("only-ana", "ana", "1"), ("only-bo", "bo", "3")]

    (pair,) = pairwise_cohen_kappa(_events(rows))

    assert pair.n_items == 9
    assert pair.kappa == pytest.approx(26 / 53)
    assert pair.kappa == pytest.approx(cohen_kappa_score(a, b))


def test_cohen_perfect_agreement_is_one():
    events = _events([("x", "ana", "a"), ("x", "bo", "a"), ("y", "ana", "b"), ("y", "bo", "b")])

    assert pairwise_cohen_kappa(events) == [PairAgreement("ana", "bo", 1.0, 1.0, 2)]


def test_cohen_is_none_without_overlap_or_when_chance_agreement_is_certain():
    no_overlap = _events([("x", "ana", "a"), ("y", "bo", "a")])
    one_category = _events([("x", "ana", "a"), ("x", "bo", "a"), ("y", "ana", "a"), ("y", "bo", "a")])

    assert pairwise_cohen_kappa(no_overlap) == [PairAgreement("ana", "bo", None, None, 0)]
    # p_e = 1 * 1 = 1: kappa is 0/0, reported as None while p_o is still 1.
    assert pairwise_cohen_kappa(one_category) == [PairAgreement("ana", "bo", None, 1.0, 2)]


def test_cohen_lists_every_pair_in_name_order():
    events = _events([("x", "cy", "a"), ("x", "ana", "a"), ("x", "bo", "b")])

    pairs = [(p.annotator_a, p.annotator_b) for p in pairwise_cohen_kappa(events)]

    assert pairs == [("ana", "bo"), ("ana", "cy"), ("bo", "cy")]
    assert pairwise_cohen_kappa(_events([("x", "ana", "a")])) == []


# --- Fleiss' kappa ----------------------------------------------------------------------------------

# Fleiss (1971) as worked on Wikipedia: 10 items, 14 raters each, 5 categories.
_FLEISS_TABLE = [
    [0, 0, 0, 0, 14],  # P_1 = (14^2 - 14) / (14 * 13) = 1.000
    [0, 2, 6, 4, 2],  # P_2 = (4 + 36 + 16 + 4 - 14) / 182 = 46/182 = 0.253
    [0, 0, 3, 5, 6],  # P_3 = (9 + 25 + 36 - 14) / 182 = 56/182 = 0.308
    [0, 3, 9, 2, 0],  # P_4 = (9 + 81 + 4 - 14) / 182 = 80/182 = 0.440
    [2, 2, 8, 1, 1],  # P_5 = (4 + 4 + 64 + 1 + 1 - 14) / 182 = 60/182 = 0.330
    [7, 7, 0, 0, 0],  # P_6 = (49 + 49 - 14) / 182 = 84/182 = 0.462
    [3, 2, 6, 3, 0],  # P_7 = (9 + 4 + 36 + 9 - 14) / 182 = 44/182 = 0.242
    [2, 5, 3, 2, 2],  # P_8 = (4 + 25 + 9 + 4 + 4 - 14) / 182 = 32/182 = 0.176
    [6, 5, 2, 1, 0],  # P_9 = (36 + 25 + 4 + 1 - 14) / 182 = 52/182 = 0.286
    [0, 2, 2, 3, 7],  # P_10 = (4 + 4 + 9 + 49 - 14) / 182 = 52/182 = 0.286
]
# Column sums (20, 28, 39, 21, 32) / 140 = p_j = (0.143, 0.200, 0.279, 0.150, 0.229)
# P_bar = (182 + 46 + 56 + 80 + 60 + 84 + 44 + 32 + 52 + 52) / 1820 = 688/1820 = 0.378
# P_e = (20^2 + 28^2 + 39^2 + 21^2 + 32^2) / 140^2 = 4170/19600 = 0.213
# kappa = (688/1820 - 4170/19600) / (1 - 4170/19600) = 0.210


def _fleiss_events() -> pd.DataFrame:
    rows = []
    for item, counts in enumerate(_FLEISS_TABLE):
        raters = iter(range(14))
        rows += [(f"s{item}", f"r{next(raters):02d}", f"c{j}") for j, n in enumerate(counts) for _ in range(n)]
    return _events(rows)


def test_fleiss_classic_example():
    figure = fleiss_kappa(_fleiss_events())

    expected = (688 / 1820 - 4170 / 19600) / (1 - 4170 / 19600)
    assert figure.value == pytest.approx(expected)
    assert round(figure.value, 3) == 0.210
    assert (figure.n_items, figure.n_ratings) == (10, 140)


def test_fleiss_with_a_varying_number_of_raters():
    # x: a, a, a   n=3, P = (9 - 3) / (3 * 2) = 1
    # y: a, b      n=2, P = (1 + 1 - 2) / (2 * 1) = 0
    # z: b         one rating: left out
    # P_bar = 0.5;  p_a = 4/5, p_b = 1/5;  P_e = 0.64 + 0.04 = 0.68;  kappa = (0.5 - 0.68) / 0.32 = -0.5625
    events = _events(
        [("x", "ana", "a"), ("x", "bo", "a"), ("x", "cy", "a"), ("y", "ana", "a"), ("y", "bo", "b"), ("z", "cy", "b")]
    )

    assert fleiss_kappa(events) == AgreementFigure(pytest.approx(-0.5625), 2, 5)
    # With three raters required only x is left, all "a": P_e = 1, so kappa is undefined.
    assert fleiss_kappa(events, min_raters=3) == AgreementFigure(None, 1, 3)


def test_fleiss_perfect_agreement_and_no_items():
    perfect = _events([("x", "ana", "a"), ("x", "bo", "a"), ("y", "ana", "b"), ("y", "bo", "b"), ("y", "cy", "b")])

    assert fleiss_kappa(perfect).value == pytest.approx(1.0)
    assert fleiss_kappa(_events([("x", "ana", "a"), ("y", "bo", "b")])) == AgreementFigure(None, 0, 0)
    with pytest.raises(ValueError, match="at least 2"):
        fleiss_kappa(perfect, min_raters=1)


# --- Krippendorff's alpha ---------------------------------------------------------------------------


def test_krippendorff_wikipedia_example():
    # Units 1..15; units 1, 2 and 14 have fewer than two values and are not pairable.
    # Pairable values n = 10 units x 2 + 2 units x 3 = 26. Value totals n_c: 1 -> 7, 2 -> 4, 3 -> 10, 4 -> 5.
    # Matching coincidences: 8 agreeing pairs x 2 = 16, unit 6 (3,3,4): 2*1/2 = 1, unit 7 (4,4,4): 3*2/2 = 3 -> 20.
    # Disagreement observed = 26 - 20 = 6;  expected = 26^2 - (49 + 16 + 100 + 25) = 486.
    # alpha = 1 - (26 - 1) * 6 / 486 = 1 - 150/486 = 0.691
    events = _from_columns(
        {
            "A": "* * * * * 3 4 1 2 1 1 3 3 * 3".split(),
            "B": "1 * 2 1 3 3 4 3 * * * * * * *".split(),
            "C": "* * 2 1 3 4 4 * 2 1 1 3 3 * 4".split(),
        },
        missing="*",
    )

    figure = krippendorff_alpha(events)

    assert figure.value == pytest.approx(1 - 150 / 486)
    assert round(figure.value, 3) == 0.691
    assert (figure.n_items, figure.n_ratings) == (12, 26)


def test_krippendorff_reliability_data_with_missing_values():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", nominal data: 4 observers, 12 units;
    # unit 12 has one value and is left out. n = 40; n_c: 1 -> 9, 2 -> 13, 3 -> 10, 4 -> 5, 5 -> 3.
    # Matching coincidences per unit: 3 + 2 + 4 + 4 + 4 + 0 + 4 + 2 + 4 + 3 + 2 = 32 -> disagreement 40 - 32 = 8.
    # Expected: 40^2 - (81 + 169 + 100 + 25 + 9) = 1216.  alpha = 1 - 39 * 8 / 1216 = 0.743
    events = _from_columns(
        {
            "A": "1 2 3 3 2 1 4 1 2 . . .".split(),
            "B": "1 2 3 3 2 2 4 1 2 5 . 3".split(),
            "C": ". 3 3 3 2 3 4 2 2 5 1 .".split(),
            "D": "1 2 3 3 2 4 4 1 2 5 1 .".split(),
        }
    )

    figure = krippendorff_alpha(events)

    assert figure.value == pytest.approx(1 - 39 * 8 / 1216)
    assert round(figure.value, 3) == 0.743
    assert (figure.n_items, figure.n_ratings) == (11, 40)


def test_krippendorff_perfect_agreement_and_edge_cases():
    perfect = _events([("x", "ana", "a"), ("x", "bo", "a"), ("y", "ana", "b"), ("y", "bo", "b")])
    one_category = _events([("x", "ana", "a"), ("x", "bo", "a")])

    assert krippendorff_alpha(perfect) == AgreementFigure(pytest.approx(1.0), 2, 4)
    assert krippendorff_alpha(one_category) == AgreementFigure(None, 1, 2)
    assert krippendorff_alpha(_events([("x", "ana", "a")])) == AgreementFigure(None, 0, 0)


# --- summary ----------------------------------------------------------------------------------------


def test_summary_is_json_safe_and_gives_counts():
    events = _events([("x", "ana", "a"), ("x", "bo", "a"), ("y", "ana", "a"), ("y", "bo", "a"), ("z", "cy", "b")])

    summary = agreement_summary(events).to_dict()
    text = json.dumps(summary, allow_nan=False)

    assert json.loads(text) == summary
    assert (summary["n_annotators"], summary["n_items_labelled"], summary["n_items_shared"]) == (3, 3, 2)
    assert summary["fleiss"] == {"value": None, "n_items": 2, "n_ratings": 4}
    assert summary["krippendorff"] == {"value": None, "n_items": 2, "n_ratings": 4}
    assert {(p["annotator_a"], p["annotator_b"], p["n_items"]) for p in summary["cohen"]} == {
        ("ana", "bo", 2),
        ("ana", "cy", 0),
        ("bo", "cy", 0),
    }


def test_summary_with_figures_holds_plain_python_numbers():
    summary = agreement_summary(_fleiss_events()).to_dict()

    assert json.loads(json.dumps(summary, allow_nan=False)) == summary
    assert round(summary["fleiss"]["value"], 3) == 0.210
    assert type(summary["fleiss"]["n_ratings"]) is int and type(summary["krippendorff"]["value"]) is float
    assert len(summary["cohen"]) == 14 * 13 // 2


def test_summary_of_no_events():
    empty = pd.DataFrame(columns=["external_id", "annotator", "label", "action"])

    assert agreement_summary(empty).to_dict() == {
        "n_annotators": 0,
        "n_items_labelled": 0,
        "n_items_shared": 0,
        "cohen": [],
        "fleiss": {"value": None, "n_items": 0, "n_ratings": 0},
        "krippendorff": {"value": None, "n_items": 0, "n_ratings": 0},
    }


def test_fleiss_matches_statsmodels_on_random_tables_with_equal_raters():
    from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss

    rng = np.random.default_rng(11)
    for _ in range(50):
        raters, items = int(rng.integers(2, 6)), int(rng.integers(3, 40))
        rows = [
            (f"i{i}", f"r{r}", str(rng.choice(["a", "b", "c"], p=[0.5, 0.3, 0.2])))
            for i in range(items)
            for r in range(raters)
        ]
        events = _events(rows)
        table = events.groupby(["external_id", "label"]).size().unstack(fill_value=0).to_numpy()

        ours = fleiss_kappa(events).value
        if ours is not None:
            assert ours == pytest.approx(statsmodels_fleiss(table, method="fleiss"), abs=1e-12)


def test_cohen_on_random_pairs_matches_sklearn_and_is_none_when_undefined():
    rng = np.random.default_rng(12)
    for _ in range(50):
        n = int(rng.integers(1, 30))
        a, b = rng.choice(["x", "y", "z"], n), rng.choice(["x", "y", "z"], n)
        rows = [(f"i{k}", "ana", x) for k, x in enumerate(a)] + [(f"i{k}", "bo", y) for k, y in enumerate(b)]

        (pair,) = pairwise_cohen_kappa(_events(rows))

        if len(set(a) | set(b)) == 1:
            assert pair.kappa is None
        else:
            assert pair.kappa == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
