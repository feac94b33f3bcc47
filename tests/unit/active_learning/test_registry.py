"""The model registry loads only the types the task's own pipelines save.

The crafted files below are skops archives written by hand: a ``schema.json`` in
a zip, the way skops writes it, whose ``ConstructorFromReduceNode`` calls a
function with arguments when the object is built. Each payload, when skops is
told to trust it, really runs (the control at the end of the test proves it);
the registry must refuse it before anything in it is built.
"""

from __future__ import annotations

import io
import itertools
import json
import shlex
import zipfile

import numpy as np
import pandas as pd
import pytest
import skops
import skops.io as sio

from active_learning import (
    FEATURE_KINDS,
    MODEL_NAMES,
    ModelIntegrityError,
    allowed_types,
    build_estimator,
    file_sha256,
    fit_clone,
    load_model,
)
from feedback import store
from feedback.intake import ingest_predictions
from feedback.store import repository

SKOPS_PROTOCOL = 2  # the "protocol" skops 0.16 writes into every schema.json


def _json(value) -> dict:
    return {
        "__class__": type(value).__name__,
        "__module__": "builtins",
        "__loader__": "JsonNode",
        "content": json.dumps(value),
        "is_json": True,
    }


def _tuple(*items) -> dict:
    return {"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode", "content": list(items)}


def _empty_dict() -> dict:
    key_types = {"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": []}
    return {
        "__class__": "dict",
        "__module__": "builtins",
        "__loader__": "DictNode",
        "content": {},
        "key_types": key_types,
    }


def _call(function: str, *args) -> dict:
    """A node that, when built, calls ``function(*args)`` (skops' loader for objects rebuilt from ``__reduce__``)."""
    module, name = function.rsplit(".", 1)
    return {
        "__class__": name,
        "__module__": module,
        "__loader__": "ConstructorFromReduceNode",
        "content": _tuple(*args),
    }


def _payload(kind: str, marker) -> dict:
    """A node calling ``kind``; every one but getattr writes ``marker`` when it runs."""
    code = f"open({str(marker)!r}, 'w').write('ran')"
    return {
        "builtins.exec": lambda: _call("builtins.exec", _json(code)),
        "builtins.eval": lambda: _call("builtins.eval", _json(code)),
        "builtins.getattr": lambda: _call("builtins.getattr", _json("text"), _json("upper")),
        "numpy.testing._private.utils.runstring": lambda: _call(
            "numpy.testing._private.utils.runstring", _json(code), _empty_dict()
        ),
        "posix.system": lambda: _call("posix.system", _json(f"touch {shlex.quote(str(marker))}")),
    }[kind]()


PAYLOADS = (
    "builtins.exec",
    "builtins.eval",
    "builtins.getattr",
    "numpy.testing._private.utils.runstring",
    "posix.system",
)


def _archive(root: dict, others: dict[str, bytes] | None = None) -> bytes:
    """A skops archive: ``schema.json`` holding ``root`` plus any array files, stored uncompressed as skops does."""
    schema = {**root, "protocol": SKOPS_PROTOCOL, "_skops_version": skops.__version__}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("schema.json", json.dumps(schema, indent=2))
        for name, data in (others or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _with_payload(model_file, payload: dict) -> bytes:
    """The bytes of a real pipeline's model file whose ``memory`` parameter is replaced by ``payload``."""
    with zipfile.ZipFile(model_file) as archive:
        others = {name: archive.read(name) for name in archive.namelist() if name != "schema.json"}
        schema = json.loads(archive.read("schema.json"))
    schema["content"]["content"]["memory"] = payload
    return _archive({k: v for k, v in schema.items() if k not in ("protocol", "_skops_version")}, others)


def _save(data: bytes, models_dir):
    models_dir.mkdir(parents=True, exist_ok=True)
    path = models_dir / "v1.skops"
    path.write_bytes(data)
    return path, file_sha256(path)


@pytest.mark.parametrize("kind", PAYLOADS)
def test_a_crafted_file_that_calls_a_function_is_refused_before_anything_runs(tmp_path, kind):
    marker = tmp_path / "ran"
    path, sha256 = _save(_archive(_payload(kind, marker)), tmp_path / "models")

    with pytest.raises(
        ModelIntegrityError,
        match=rf"v1\.skops holds types the task's pipelines never save: "
        rf"{kind}\. Refusing to load it",
    ):
        load_model(path, sha256, tmp_path / "models")

    assert not marker.exists()
    if kind != "builtins.getattr":  # control: trusted, the same file does run its payload
        sio.loads(path.read_bytes(), trusted=sio.get_untrusted_types(data=path.read_bytes()))
        assert marker.read_text() == "ran" or kind == "posix.system" and marker.exists()


@pytest.mark.parametrize("kind", PAYLOADS)
def test_ingest_refuses_a_live_model_file_with_a_payload_whose_sha256_was_recorded(
    ws, write_production, row_counts, state, tmp_path, kind
):
    marker = tmp_path / "ran"
    live = ws.models_dir / "v1.skops"
    live.write_bytes(_with_payload(live, _payload(kind, marker)))
    with store.session(ws) as session:  # the attacker also updated the recorded hash: only the type check is left
        row = repository.get_version(session, 1)
        row.sha256 = file_sha256(live)
        session.add(row)
        session.commit()
    before, counts = state(ws), row_counts(ws)

    with pytest.raises(ModelIntegrityError, match=rf"holds types the task's pipelines never save: {kind}\."):
        ingest_predictions(ws, write_production(10))

    assert not marker.exists()
    assert state(ws) == before and row_counts(ws) == counts


def test_an_unreadable_archive_with_a_recorded_sha256_is_refused_with_a_message(tmp_path):
    path, sha256 = _save(b"not a zip at all", tmp_path / "models")
    with pytest.raises(ModelIntegrityError, match=r"v1\.skops is not a skops archive this version can read"):
        load_model(path, sha256, tmp_path / "models")


def test_a_file_of_allowed_types_only_loads(tmp_path):
    data = sio.dumps(
        fit_clone(
            build_estimator([{"name": "x", "kind": "numeric"}], "random-forest"),
            pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]}),
            np.array(["a", "b", "a", "b"]),
        )
    )
    path, sha256 = _save(data, tmp_path / "models")
    assert list(load_model(path, sha256, tmp_path / "models").predict(pd.DataFrame({"x": [0.0]}))) == ["a"]


def _small_frame(n: int = 24) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "num": rng.normal(size=n),
            "cat": rng.choice(["a", "b", "c"], n),
            "flag": rng.choice([True, False], n),
            "text": [f"word{i} and some more words {i % 3}" for i in range(n)],
        }
    )
    frame.loc[0, "num"] = np.nan
    return frame


@pytest.mark.slow  # over 10 s
def test_the_checked_in_allow_list_is_exactly_what_every_pipeline_configuration_saves():
    frame = _small_frame()
    columns = {"numeric": ["num"], "categorical": ["cat", "flag"], "text": ["text"]}
    saved = set()
    for model_name in MODEL_NAMES:
        for size in range(1, len(FEATURE_KINDS) + 1):
            for kinds in itertools.combinations(FEATURE_KINDS, size):
                if model_name == "gradient-boosting" and "text" in kinds:
                    continue  # build_estimator refuses this pair
                features = [{"name": c, "kind": kind} for kind in kinds for c in columns[kind]]
                X = frame[[f["name"] for f in features]]
                model = fit_clone(build_estimator(features, model_name), X, np.arange(len(frame)) % 3)
                saved |= set(sio.get_untrusted_types(data=sio.dumps(model)))

    assert allowed_types() == saved, (
        f"active_learning/model_types.txt is out of date: add {sorted(saved - allowed_types())}, "
        f"remove {sorted(allowed_types() - saved)}"
    )
