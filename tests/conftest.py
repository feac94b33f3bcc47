"""Shared fixtures: small digits files and an initialised store in a tmp folder.

Every store here is a real DuckDB file under ``tmp_path`` with real
scikit-learn models. The task is trained once per session on a 30-row digits
seed (audit share 0.3) and its home folder is copied for each test, which keeps
the suite fast while every test still gets a store of its own.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from sklearn.datasets import load_digits, load_iris
from store_sql import in_session, read_sql

from feedback.access import Actor
from feedback.alerts import check_alerts_on_writes
from feedback.lifecycle import init_task
from feedback.store import PREDICTION_INPUT, SEED_INPUT, quote, repository
from feedback.worker import deliver_alerts_in_background
from feedback.workspace import open_workspace

ADMIN = Actor("tester", "admin")  # the acting user of calls that need an admin

FEATURES = [f"px_{i}" for i in range(64)]
LABELS = [str(i) for i in range(10)]
N_SEED = 30
AUDIT_SHARE = 0.3
AUDIT_SALT = "c0ffee00c0ffee00"  # the same audit slice on every run, so no test depends on the draw
PRODUCTION_START = 100  # digits rows before this index are never production rows


@pytest.fixture(scope="session", autouse=True)
def alert_checks_after_writes():
    """Run the alert check after every ingest and label import, and post new alerts in the background,
    as the app and the CLI wire them at start."""
    check_alerts_on_writes()
    deliver_alerts_in_background()


@pytest.fixture(scope="session")
def digits_frame() -> pd.DataFrame:
    """All 1,797 digits: id (``d-<index>``), px_0..px_63 and the true label."""
    X, y = load_digits(return_X_y=True)
    frame = pd.DataFrame(X, columns=FEATURES)
    frame.insert(0, "id", [f"d-{i:04d}" for i in range(len(frame))])
    frame["label"] = y
    return frame


def write_frame(frame: pd.DataFrame, path: Path) -> Path:
    """Write a frame as CSV, Parquet or JSONL according to the file suffix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        raise ValueError(f"no writer for {path}")
    return path


@pytest.fixture(scope="session")
def write_seed(digits_frame):
    """Write the first ``n`` digits (all ten classes) as a labelled seed file."""

    def write(path: Path, n: int = N_SEED) -> Path:
        return write_frame(digits_frame.iloc[:n], path)

    return write


@pytest.fixture
def seed_csv(tmp_path, write_seed) -> Path:
    """The 30-row labelled digits seed as a CSV."""
    return write_seed(tmp_path / "seed.csv")


@pytest.fixture
def production_frame(digits_frame):
    """Production rows (id and features, no label) starting at digits row ``PRODUCTION_START + start``."""

    def make(n: int = 60, start: int = 0, *, with_label: bool = False) -> pd.DataFrame:
        rows = digits_frame.iloc[PRODUCTION_START + start : PRODUCTION_START + start + n]
        return rows.reset_index(drop=True) if with_label else rows.drop(columns="label").reset_index(drop=True)

    return make


@pytest.fixture
def write_production(tmp_path, production_frame):
    """Write a production file (CSV by default) and return its path."""

    def write(n: int = 60, start: int = 0, *, name: str = "prod.csv", with_label: bool = False) -> Path:
        return write_frame(production_frame(n, start, with_label=with_label), tmp_path / name)

    return write


@pytest.fixture
def write_truth(tmp_path, digits_frame):
    """Write an ``id,label`` file with the true labels of the given ids."""

    def write(ids, name: str = "truth.csv") -> Path:
        truth = digits_frame.set_index("id").loc[list(ids), "label"].astype(str)
        return write_frame(pd.DataFrame({"id": list(ids), "label": truth.to_numpy()}), tmp_path / name)

    return write


@pytest.fixture(scope="session")
def template_home(tmp_path_factory, write_seed) -> Path:
    """A store initialised once per session on the digits seed; copied, never used directly."""
    folder = tmp_path_factory.mktemp("template")
    seed = write_seed(folder / "seed.csv")
    ws = open_workspace(home=folder / "home")
    try:
        init_task(ws, seed, "label", audit_share=AUDIT_SHARE, image_shape=(8, 8), audit_salt=AUDIT_SALT)
    finally:
        ws.close()
    return folder / "home"


@pytest.fixture(scope="session")
def ingested_template(tmp_path_factory, template_home, digits_frame):
    """The template store plus 60 logged production rows (digits 100..159); returns (home, IngestResult)."""
    from feedback.intake import ingest_predictions

    folder = tmp_path_factory.mktemp("ingested-template")
    shutil.copytree(template_home, folder / "home")
    path = write_frame(
        digits_frame.iloc[PRODUCTION_START : PRODUCTION_START + 60].drop(columns="label"), folder / "prod.csv"
    )
    ws = open_workspace(home=folder / "home")
    try:
        result = ingest_predictions(ws, path)
    finally:
        ws.close()
    return folder / "home", result


CHALLENGER_ROWS = slice(1200, 1300)  # far from the rows tests ingest themselves (digits 100..~900)


@pytest.fixture(scope="session")
def challenger_template(tmp_path_factory, template_home, digits_frame):
    """The template store plus 100 labelled predictions (d-1200..d-1299) and a challenger v2 trained on them.

    Returns (home, retrain result).
    """
    from feedback.intake import ingest_predictions
    from feedback.lifecycle import retrain
    from feedback.review import import_labels

    folder = tmp_path_factory.mktemp("challenger-template")
    shutil.copytree(template_home, folder / "home")
    rows = digits_frame.iloc[CHALLENGER_ROWS]
    production = write_frame(rows.drop(columns="label"), folder / "prod.csv")
    truth = write_frame(pd.DataFrame({"id": rows["id"], "label": rows["label"].astype(str)}), folder / "truth.csv")
    ws = open_workspace(home=folder / "home")
    try:
        ingest_predictions(ws, production)
        import_labels(ws, truth, annotator="oracle")
        result = retrain(ws, actor=ADMIN)
    finally:
        ws.close()
    assert result.challenger.version == 2
    return folder / "home", result


@pytest.fixture
def home(request, tmp_path, template_home) -> Path:
    """A fresh copy of the initialised store for this test.

    When the test also asks for ``ingested`` the copy holds 60 logged predictions; when it asks for
    ``challenger`` it holds a challenger v2 (the templates are built once per session).
    """
    wanted = [name for name in ("ingested", "challenger") if name in request.fixturenames]
    assert len(wanted) <= 1, "a test can start from one template only"
    source = request.getfixturevalue(f"{wanted[0]}_template")[0] if wanted else template_home
    target = tmp_path / "home"
    shutil.copytree(source, target)
    return target


@pytest.fixture
def ws(home):
    """The workspace of an initialised store (30 digits seed rows, champion v1, audit share 0.3)."""
    workspace = open_workspace(home=home)
    yield workspace
    workspace.close()


@pytest.fixture
def empty_ws(tmp_path):
    """A workspace in an empty folder: no task yet."""
    workspace = open_workspace(home=tmp_path / "empty-home")
    yield workspace
    workspace.close()


def store_state(ws) -> dict:
    """Everything a refused input must leave unchanged: row counts of every table and the model aliases."""
    state = dict(in_session(ws, repository.count_rows))
    tables = ("ingestbatch", "feedbacksignal", "modelversion", "decision", PREDICTION_INPUT, SEED_INPUT)
    counts = read_sql(ws, "SELECT " + ", ".join(f"(SELECT count(*) FROM {quote(t)}) AS {quote(t)}" for t in tables))
    state.update({t: int(counts[t].iloc[0]) for t in tables})
    aliases = read_sql(ws, "SELECT version, alias FROM modelversion ORDER BY version")
    state["aliases"] = dict(zip(aliases["version"].astype(int), aliases["alias"], strict=True))
    return state


def table_row_counts(ws) -> dict[str, int]:
    """Rows in every table of the store, the tables read from DuckDB's catalogue (a new table is counted too)."""
    tables = read_sql(
        ws,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_type = 'BASE TABLE' ORDER BY table_name",
    )["table_name"]
    counts = read_sql(ws, "SELECT " + ", ".join(f"(SELECT count(*) FROM {quote(t)}) AS {quote(t)}" for t in tables))
    return {t: int(counts[t].iloc[0]) for t in tables}


@pytest.fixture
def row_counts():
    """``row_counts(ws)``: the number of rows in every table of the store, by table name."""
    return table_row_counts


@pytest.fixture
def state():
    """``state(ws)``: row counts of every table and the model aliases, to compare before and after."""
    return store_state


@pytest.fixture
def ingested(ws, ingested_template):
    """The store with 60 production rows (``d-0100`` .. ``d-0159``) logged; returns the ingest result.

    The rows were logged once per session into a template store that ``home`` copies for this test.
    """
    return ingested_template[1]


@pytest.fixture
def challenger(ws, challenger_template):
    """The store with 100 labelled predictions (d-1200..d-1299) and a challenger v2; returns the retrain result."""
    return challenger_template[1]


def predictions(ws) -> pd.DataFrame:
    """All logged predictions, indexed by id."""
    return read_sql(ws, "SELECT * FROM prediction ORDER BY external_id").set_index("external_id")


@pytest.fixture
def logged():
    """``logged(ws)``: the prediction table as a DataFrame indexed by id."""
    return predictions


@pytest.fixture
def write_drifted(tmp_path, production_frame):
    """Write production rows with every pixel inverted (16 - x), so that every input column drifts."""

    def write(n: int = 100, start: int = 0, *, name: str = "drifted.csv") -> Path:
        frame = production_frame(n, start)
        frame[FEATURES] = 16.0 - frame[FEATURES]
        return write_frame(frame, tmp_path / name)

    return write


@pytest.fixture(scope="session")
def iris_frame() -> pd.DataFrame:
    """Iris with snake_case feature columns and the species as Arrow-backed strings (an oracle file's shape)."""
    X, y = load_iris(return_X_y=True, as_frame=True)
    frame = X.rename(columns=lambda c: c.split(" (")[0].replace(" ", "_"))
    frame["species"] = pd.Series(load_iris().target_names[y]).astype("string")  # Arrow-backed strings
    return frame
