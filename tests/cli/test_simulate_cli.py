"""``feedback simulate``: learning curves of query strategies on a labelled file, from the command line."""

import json

from cli_results import failed, ok


def test_cli_prints_valid_json(run, tmp_path, iris_frame):
    data = tmp_path / "iris.csv"
    iris_frame.to_csv(data, index=False)
    result = ok(
        run(
            "simulate",
            "--data",
            data,
            "--label-col",
            "species",
            "--strategies",
            "random,default",
            "--budget",
            "12",
            "--batch",
            "3",
            "--initial",
            "6",
            "--seeds",
            "2",
            "--json",
        )
    )
    result = json.loads(result.stdout)
    assert set(result) == {"random", "default"}
    assert len(result["default"]["curves"]) == 2 and result["default"]["curves"][0][-1][0] == 12


def test_cli_names_missing_file_and_column(run, tmp_path, iris_frame):
    failed(run("simulate", "--data", tmp_path / "nope.csv", "--label-col", "species"), "No such file", exit_code=2)
    data = tmp_path / "iris.csv"
    iris_frame.to_csv(data, index=False)
    err = failed(run("simulate", "--data", data, "--label-col", "kind"), exit_code=2).stderr
    assert "No column 'kind'" in err and "species" in err
