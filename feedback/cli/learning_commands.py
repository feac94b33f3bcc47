"""Commands about learning itself: simulated labelling against an oracle file."""

from __future__ import annotations

import json
from pathlib import Path

import click

from active_learning import STRATEGIES
from feedback.cli.base import MODEL_CHOICE, cli
from feedback.exceptions import InputError


@cli.command("simulate")
@click.option(
    "--data",
    required=True,
    type=click.Path(path_type=Path),
    help="Labelled .csv, .parquet or .jsonl file (the oracle).",
)
@click.option("--label-col", required=True, help="Column holding the true label.")
@click.option("--drop", default="", help="Comma-separated columns that are not features (e.g. an id).")
@click.option(
    "--strategies",
    default="random,margin,default",
    show_default=True,
    help=f"Comma-separated query strategies: {', '.join(STRATEGIES)}.",
)
@click.option("--budget", type=int, default=100, show_default=True, help="Total labels per run, initial ones included.")
@click.option("--batch", type=int, default=1, show_default=True, help="Items queried per round.")
@click.option("--initial", type=int, default=10, show_default=True, help="Random labels before the first query.")
@click.option("--seeds", type=int, default=3, show_default=True, help="Number of seeds (splits).")
@click.option("--test-size", type=float, default=0.3, show_default=True, help="Held-out share per seed.")
@click.option(
    "--model",
    "model_name",
    default="logistic",
    show_default=True,
    type=MODEL_CHOICE,
    help="Pipeline refitted each round.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the curves as JSON.")
def simulate_cmd(data, label_col, drop, strategies, budget, batch, initial, seeds, test_size, model_name, as_json):
    """Replay a labelled file with an oracle and print the learning curve of each query strategy.

    Per seed the rows are split into a pool and a test set, and each strategy
    asks the oracle for labels from the same initial ones. It reads only the
    file, never the store, so it takes no --home.

    Example: python -m feedback simulate --data seed.csv --label-col label --drop id --budget 200 --batch 10
    """
    from active_learning import labels_to_reach, mean_curve, simulate

    X, y = _oracle(data, label_col, drop)
    try:
        result = simulate(X, y, strategies, budget, batch, initial, seeds, test_size, model_name)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    if as_json:
        click.echo(json.dumps(result))
        return
    for name, entry in result.items():
        reached = labels_to_reach(entry)
        final = mean_curve(entry["curves"])[-1]
        click.echo(
            f"{name:16} 98% of full ({entry['full_accuracy']:.3f}) at "
            f"{reached if reached is not None else 'not reached'}; {final[1]:.3f} at {final[0]:.0f} labels"
        )


def _oracle(path: Path, label_col: str, drop: str):
    """The features and labels of the oracle file's labelled rows; a bad file or column is a usage error."""
    from feedback.files import read_table

    if not path.is_file():
        raise click.BadParameter(f"No such file: {path}", param_hint="--data")
    try:
        frame = read_table(path)
    except InputError as error:
        raise click.BadParameter(str(error), param_hint="--data") from None
    if label_col not in frame.columns:
        raise click.BadParameter(
            f"No column {label_col!r} in {path.name}; columns are: {', '.join(frame.columns)}.",
            param_hint="--label-col",
        )
    dropped = [c.strip() for c in drop.split(",") if c.strip()]
    missing = [c for c in dropped if c not in frame.columns]
    if missing:
        raise click.BadParameter(f"unknown columns: {', '.join(missing)}.", param_hint="--drop")
    frame = frame[frame[label_col].notna()]
    return frame.drop(columns=[label_col, *dropped]), frame[label_col]
