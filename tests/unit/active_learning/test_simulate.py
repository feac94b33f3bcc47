import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_iris

from active_learning.simulate import labels_to_reach, main, mean_curve, simulate


@pytest.fixture(scope="module")
def iris_frame():
    X, y = load_iris(return_X_y=True, as_frame=True)
    frame = X.rename(columns=lambda c: c.split(" (")[0].replace(" ", "_"))
    frame["species"] = pd.Series(load_iris().target_names[y]).astype("string")  # Arrow-backed strings
    return frame


def test_simulate_returns_the_json_shape(iris_frame):
    X, y = iris_frame.drop(columns="species"), iris_frame["species"]
    result = simulate(X, y, ["random", "margin"], budget=15, batch=3, initial=6, seeds=2, test_size=0.3)
    assert set(result) == {"random", "margin"}
    for entry in result.values():
        assert set(entry) == {"curves", "full_accuracy"}
        assert len(entry["curves"]) == 2
        for curve in entry["curves"]:
            assert [n for n, _ in curve] == [6, 9, 12, 15]
            assert all(0.0 <= acc <= 1.0 for _, acc in curve)
        assert 0.8 < entry["full_accuracy"] <= 1.0
    json.dumps(result)


def test_uncertainty_beats_random_on_breast_cancer():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    result = simulate(X, y, ["random", "margin"], budget=30, batch=4, initial=10, seeds=3)
    area = {name: mean_curve(entry["curves"])[1:, 1].mean() for name, entry in result.items()}
    assert area["margin"] > area["random"]
    assert labels_to_reach(result["margin"], 0.95) is not None


def test_bad_arguments_are_named(iris_frame):
    X, y = iris_frame.drop(columns="species"), iris_frame["species"]
    with pytest.raises(ValueError, match="Unknown query strategy 'best'"):
        simulate(X, y, ["best"])
    with pytest.raises(ValueError, match="at least initial"):
        simulate(X, y, ["random"], budget=5, initial=10)
    with pytest.raises(ValueError, match="fewer than two classes"):
        simulate(X, np.array(["a"] * len(X)), ["random"])


def test_cli_prints_valid_json(tmp_path, iris_frame, capsys):
    data = tmp_path / "iris.csv"
    iris_frame.to_csv(data, index=False)
    code = main(["--data", str(data), "--label-col", "species", "--strategies", "random,default", "--budget", "12",
                 "--batch", "3", "--initial", "6", "--seeds", "2", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"random", "default"}
    assert len(result["default"]["curves"]) == 2 and result["default"]["curves"][0][-1][0] == 12


def test_cli_names_missing_file_and_column(tmp_path, iris_frame, capsys):
    assert main(["--data", str(tmp_path / "nope.csv"), "--label-col", "species"]) == 2
    assert "No such file" in capsys.readouterr().err
    data = tmp_path / "iris.csv"
    iris_frame.to_csv(data, index=False)
    assert main(["--data", str(data), "--label-col", "kind"]) == 2
    err = capsys.readouterr().err
    assert "No column 'kind'" in err and "species" in err
