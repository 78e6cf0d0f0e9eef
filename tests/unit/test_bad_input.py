"""Bad input: every case stops with one line that names what is wrong and where, before anything
is written, or in a job that fails with that line in its log and leaves no output behind."""

from __future__ import annotations

import dataclasses
import json
import shutil

import harness
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from shapestudy import config as study_config
from shapestudy import files
from shapestudy.data import dataset
from shapestudy.data.grid import FactorGrid
from shapestudy.jobs import start
from shapestudy.reporting import tables
from shapestudy.training import artifacts, train


def schema_has(*keys) -> bool:
    schema = yaml.safe_load((harness.snapshot() / "workflow/schemas/config.schema.yaml").read_text())
    node = schema
    for key in keys:
        node = node.get("properties", {}).get(key)
        if node is None:
            return False
    return True


# (case, changes, what the one line must say). Each is a config error of its own kind.
CONFIG_CASES = [
    ("wrong-type", dict(training__max_epochs="ten"), "training.max_epochs: 'ten' is not of type 'integer'"),
    ("bool-for-integer", dict(training__max_epochs=True), "training.max_epochs: True is not of type 'integer'"),
    ("unknown-key-typo", dict(training__epoch=10), "unknown key training.epoch: expected one of"),
    ("unknown-section", dict(train={"max_epochs": 3}), "unknown key train: expected one of"),
    ("missing-key", dict(evaluation__samples=harness.DELETE), "evaluation: 'samples' is a required property"),
    ("canvas-too-small", dict(data__canvas=2), "data.canvas: 2 is less than the minimum of 4"),
    ("learning-rate-zero", dict(training__learning_rate=0), "training.learning_rate: 0 is less than or equal"),
    ("negative-seed", dict(sweep__ae__seed=[-1]), "sweep.ae.seed[0]: -1 is less than the minimum of 0"),
    ("duplicate-seeds", dict(sweep__ae__seed=[0, 0]), "sweep.ae.seed: [0, 0] has non-unique elements"),
    ("empty-latent-list", dict(sweep__vae__latent_dim=[]), "sweep.vae.latent_dim: [] should be non-empty"),
    ("empty-shapes", dict(data__shapes=[]), "data.shapes: [] should be non-empty"),
    ("empty-sweep", dict(sweep={}), "sweep: {} should be non-empty"),
    ("unknown-shape", dict(data__shapes=["hexagon"]), "data.shapes[0]: 'hexagon' is not one of"),
    ("unknown-model", dict(sweep__gan={"arch": ["mlp"], "latent_dim": [2], "seed": [0]}), "unknown key sweep.gan: expected one of ['ae', 'rae', 'vae', 'wae']"),
    ("unknown-arch", dict(sweep__ae__arch=["resnet"]), "sweep.ae.arch[0]: 'resnet' is not one of"),
    ("beta-for-ae", dict(sweep__ae__beta=[1.0]), "unknown key sweep.ae.beta: expected one of ['arch', 'latent_dim', 'reconstruction', 'seed']"),
    ("size-beyond-canvas", dict(data__size_max=20), "data.size_max: sizes 3..20 do not fit a canvas of 12"),
    ("size-min-above-max", dict(data__size_min=6, data__size_max=4), "data.size_max: sizes 6..4 do not fit a canvas of 12"),
    ("splits-not-summing-to-one", dict(data__splits={"train": 0.7, "validation": 0.1, "test": 0.1}), "data.splits: fractions add up to 0.9: expected 1"),
    ("split-left-empty", dict(data__splits={"train": 0.998, "validation": 0.001, "test": 0.001}), "data.splits: a split of 294 tuples would be empty"),
    ("unknown-reconstruction", dict(sweep__vae__reconstruction=["l1"]), "sweep.vae.reconstruction[0]: 'l1' is not one of ['mse', 'bce']"),
    ("threshold-out-of-range", dict(evaluation__pixel_threshold=1.5), "evaluation.pixel_threshold: 1.5 is greater than or equal to the maximum of 1"),
    ("checkpoint-every-negative", dict(training__checkpoint_every=-1), "training.checkpoint_every: -1 is less than the minimum of 0"),
    ("empty-sigmas", dict(evaluation__sigmas=[]), "evaluation.sigmas: [] should be non-empty"),
    ("zero-sigma", dict(evaluation__sigmas=[0.0, 0.1]), "evaluation.sigmas[0]: 0.0 is less than or equal to the minimum of 0"),
]
NEEDS_SIGMAS = {"empty-sigmas", "zero-sigma"}


def config_case(case: str):
    changes, expected = next((c, e) for name, c, e in CONFIG_CASES if name == case)
    if case in NEEDS_SIGMAS and not schema_has("evaluation", "sigmas"):
        pytest.skip("the schema has no evaluation.sigmas")
    return harness.changed(harness.config_of(harness.SQUARES), **changes), expected


def schema_path():
    return harness.snapshot() / "workflow/schemas/config.schema.yaml"


def test_the_tiny_config_itself_is_valid():
    study_config.validate(harness.config_of(harness.SQUARES), schema_path())


@pytest.mark.parametrize("case", [c[0] for c in CONFIG_CASES])
def test_config_error_is_one_line_naming_the_key(case):
    config, expected = config_case(case)
    with pytest.raises(study_config.ConfigError) as caught:
        study_config.validate(config, schema_path())
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(expected), message


@pytest.mark.parametrize(
    "text, expected",
    [
        (None, "no such config file"),
        ("data: [\n", "not valid YAML"),
        ("- data\n- sweep\n", "(top level): ['data', 'sweep'] is not of type 'object'"),
    ],
    ids=["missing-file", "invalid-yaml", "not-a-mapping"],
)
def test_config_file_errors_are_one_line(tmp_path, text, expected):
    path = tmp_path / "study.yaml"
    if text is not None:
        path.write_text(text)
    with pytest.raises(study_config.ConfigError) as caught:
        study_config.load(path)
    assert "\n" not in str(caught.value) and expected in str(caught.value), caught.value


GRID = FactorGrid(12, ("square",), 3, 6)
FRACTIONS = {"train": 0.8, "validation": 0.1, "test": 0.1}


@pytest.fixture(scope="module")
def dataset_table():
    return dataset.generate(GRID, FRACTIONS, seed=0)


def with_metadata(table: pa.Table, **changes) -> pa.Table:
    metadata = json.loads(table.schema.metadata[dataset.METADATA_KEY])
    metadata.update(changes)
    return table.replace_schema_metadata({dataset.METADATA_KEY: json.dumps(metadata)})


def broken_parquet(path, table, case):
    if case == "truncated":
        dataset.write_parquet(table, str(path))
        payload = path.read_bytes()
        path.write_bytes(payload[: len(payload) // 2])
    elif case == "empty-file":
        path.write_bytes(b"")
    elif case == "not-parquet":
        path.write_text("shape,size,x,y\nsquare,3,0,0\n")
    elif case == "wrong-columns":
        pq.write_table(pa.table({"a": [1, 2], "b": [3, 4]}), path)
    elif case == "wrong-image-type":
        images = pa.array([str(i) for i in range(table.num_rows)])
        broken = table.set_column(table.schema.get_field_index("image"), "image", images)
        pq.write_table(broken.replace_schema_metadata(table.schema.metadata), path)
    elif case == "other-generator-version":
        dataset.write_parquet(with_metadata(table, generator_version="0"), str(path))
    elif case == "metadata-not-json":
        pq.write_table(table.replace_schema_metadata({dataset.METADATA_KEY: b"{oops"}), path)


PARQUET_CASES = {
    "truncated": "not a readable Parquet file",
    "empty-file": "not a readable Parquet file",
    "not-parquet": "not a readable Parquet file",
    "wrong-columns": "not a shapes dataset (expected columns ['shape', 'size', 'x', 'y', 'split', 'image']",
    "wrong-image-type": "column image is string, expected fixed_size_list<uint8>[144]",
    "other-generator-version": f"written by generator version 0, expected version {dataset.GENERATOR_VERSION}",
    "metadata-not-json": "unreadable generator metadata",
}


@pytest.mark.parametrize("case", list(PARQUET_CASES))
def test_bad_parquet_is_one_line_naming_the_file(tmp_path, dataset_table, case):
    path = tmp_path / "shapes.parquet"
    broken_parquet(path, dataset_table, case)
    for read in (dataset.read_metadata, dataset.load):
        with pytest.raises(ValueError) as caught:
            read(str(path))
        message = str(caught.value)
        assert message.startswith(f"{path}: ") and PARQUET_CASES[case] in message, message
        assert "\n" not in start.one_line(caught.value)


def test_the_generator_version_written_is_the_one_read(tmp_path, dataset_table):
    path = tmp_path / "shapes.parquet"
    dataset.write_parquet(dataset_table, str(path))
    assert dataset.read_metadata(str(path))["generator_version"] == dataset.GENERATOR_VERSION
    assert len(dataset.load(str(path), "train").images) == 235


# ---- model files ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    directory = tmp_path_factory.mktemp("model")
    config = train.TrainConfig(model="vae", arch="mlp", reconstruction="mse", latent_dim=2, seed=0, beta=1.0,
                               max_epochs=1)
    state = train.create_state(config, (12, 12))
    artifacts.save_params(directory / "params.msgpack", state.params)
    files.write_json(directory / "record.json", {"config": dataclasses.asdict(config), "image_shape": [12, 12]})
    return directory


MODEL_CASES = {
    "truncated-params": ("params.msgpack", lambda b: b[: len(b) // 3], "not a readable checkpoint of vae-mlp-mse-z2-b1-s0"),
    "garbage-params": ("params.msgpack", lambda b: b"\x00garbage" * 10, "not a readable checkpoint"),
    "record-not-json": ("record.json", lambda b: b[:20], "not a readable run record (JSONDecodeError"),
    "record-without-config": ("record.json", lambda b: b'{"image_shape": [12, 12]}', "not a readable run record (KeyError"),
}


@pytest.mark.parametrize("case", list(MODEL_CASES))
def test_corrupt_model_files_are_one_line_naming_the_file(tmp_path, saved_model, case):
    name, corrupt, expected = MODEL_CASES[case]
    for part in ("params.msgpack", "record.json"):
        shutil.copy(saved_model / part, tmp_path / part)
    (tmp_path / name).write_bytes(corrupt((tmp_path / name).read_bytes()))
    artifacts.load_model(saved_model / "params.msgpack", saved_model / "record.json")  # the original loads
    with pytest.raises(ValueError) as caught:
        artifacts.load_model(tmp_path / "params.msgpack", tmp_path / "record.json")
    message = start.one_line(caught.value)
    assert message.startswith(f"{tmp_path / name}: ") and expected in message, message


def test_params_of_another_shape_are_refused(tmp_path, saved_model):
    other = train.TrainConfig(model="vae", arch="mlp", reconstruction="mse", latent_dim=3, seed=0, beta=1.0,
                              max_epochs=1)
    artifacts.save_params(tmp_path / "params.msgpack", train.create_state(other, (12, 12)).params)
    with pytest.raises(ValueError, match="parameter shapes differ"):
        artifacts.load_model(tmp_path / "params.msgpack", saved_model / "record.json")


def test_corrupt_score_file_is_one_line_naming_it(tmp_path):
    path = tmp_path / "scores.json"
    path.write_text('{"point": "ae", "runs": [')
    with pytest.raises(ValueError, match=f"^{path}: not a readable score file"):
        tables.read_scores([path])


# ---- the same failures inside workflow jobs ---------------------------------------------------

def test_jobs_report_unexpected_errors_with_their_traceback():
    assert start.is_expected(ValueError("x")) and start.is_expected(study_config.ConfigError("x"))
    assert start.is_expected(train.DivergenceError("x"))
    assert not start.is_expected(KeyError("x")) and not start.is_expected(ZeroDivisionError())
    assert start.one_line(ValueError("a\n  b")) == "a b"


def test_every_script_reports_errors_through_jobs():
    """One place for the one-line report: each workflow script starts with start_job(snakemake)."""
    scripts = sorted((harness.ROOT / "scripts").glob("*.py"))
    missing = [p.name for p in scripts if "start_job(snakemake)" not in p.read_text()]
    assert scripts and not missing, f"scripts without start_job(snakemake): {missing}"
