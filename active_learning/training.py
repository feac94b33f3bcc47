"""Feature schemas and the scikit-learn pipelines a task trains.

A challenger is always a fresh clone of the task's pipeline (small-text's
factory idea), so no fitted state leaks from one version to the next.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api import types as ptypes
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

MODEL_NAMES = ("logistic", "random-forest", "gradient-boosting")
DEFAULT_MODEL = "logistic"
FEATURE_KINDS = ("numeric", "categorical", "text")


def infer_feature_schema(frame: pd.DataFrame) -> list[dict]:
    """Classify each column as numeric, categorical or free text.

    Parameters
    ----------
    frame : DataFrame
        Feature columns only (no id, no label).

    Returns
    -------
    list of dict
        ``[{"name": column, "kind": "numeric" | "categorical" | "text"}, ...]``
        in column order. A string column is text when its values average
        more than three words or are nearly all distinct and long.
    """
    schema = []
    for name in frame.columns:
        column = frame[name]
        if ptypes.is_bool_dtype(column):
            kind = "categorical"
        elif ptypes.is_numeric_dtype(column):
            kind = "numeric"
        else:
            values = column.dropna().astype(str)
            words = values.str.split().str.len().mean() if len(values) else 0.0
            distinct = values.nunique() / max(len(values), 1)
            long_and_distinct = distinct > 0.9 and values.str.len().mean() > 20
            kind = "text" if words > 3 or long_and_distinct else "categorical"
        schema.append({"name": str(name), "kind": kind})
    return schema


def build_estimator(features: list[dict], model_name: str = DEFAULT_MODEL, *, random_state: int = 0) -> Pipeline:
    """An unfitted pipeline: per-kind preprocessing, then the named classifier.

    Parameters
    ----------
    features : list of dict
        The task's feature schema, from :func:`infer_feature_schema`.
    model_name : {"logistic", "random-forest", "gradient-boosting"}, default="logistic"
        Logistic regression on scaled features is the default: fast, calibrated
        enough for margin sampling, and strong on the digits demo.
    random_state : int, default=0

    Returns
    -------
    Pipeline
    """
    if model_name not in MODEL_NAMES:
        raise ValueError(f"Unknown model {model_name!r}; choose one of {', '.join(MODEL_NAMES)}.")
    numeric = [f["name"] for f in features if f["kind"] == "numeric"]
    categorical = [f["name"] for f in features if f["kind"] == "categorical"]
    texts = [f["name"] for f in features if f["kind"] == "text"]
    if texts and model_name == "gradient-boosting":
        raise ValueError("gradient-boosting needs dense features; use logistic or random-forest with text columns.")
    parts = []
    if numeric:
        parts.append(("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric))
    if categorical:
        encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=model_name != "gradient-boosting")
        parts.append(("categorical", make_pipeline(SimpleImputer(strategy="most_frequent"), encoder), categorical))
    for name in texts:
        parts.append((f"text_{name}", TfidfVectorizer(min_df=1, max_features=20000), name))
    preprocess = ColumnTransformer(parts, sparse_threshold=0.0 if model_name == "gradient-boosting" else 0.3)
    if model_name == "logistic":
        classifier = LogisticRegression(max_iter=2000, C=1.0, random_state=random_state)
    elif model_name == "random-forest":
        classifier = RandomForestClassifier(n_estimators=200, n_jobs=-1, random_state=random_state)
    else:
        classifier = HistGradientBoostingClassifier(random_state=random_state)
    return Pipeline([("preprocess", preprocess), ("classifier", classifier)])


def fit_clone(estimator: Pipeline, X: pd.DataFrame, y: np.ndarray) -> Pipeline:
    """Fit a fresh clone of ``estimator`` on ``X``, ``y`` (labels as strings)."""
    labels = np.asarray(y, dtype=object).astype(str)
    if len(np.unique(labels)) < 2:
        raise ValueError("Training needs at least two distinct labels; label more items of another class.")
    return clone(estimator).fit(X, labels)


def proba_for_labels(estimator: Pipeline, X: pd.DataFrame, labels: list[str]) -> np.ndarray:
    """``predict_proba`` with columns in the task's label order (zeros for unseen classes)."""
    raw = estimator.predict_proba(X)
    out = np.zeros((len(X), len(labels)))
    position = {label: i for i, label in enumerate(labels)}
    for j, cls in enumerate(estimator.classes_):
        out[:, position[str(cls)]] = raw[:, j]
    return out
