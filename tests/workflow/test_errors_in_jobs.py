"""Bad input: every case stops with one line that names what is wrong and where, before anything
is written, or in a job that fails with that line in its log and leaves no output behind."""

from __future__ import annotations

import harness
import pytest

# (case, changes, what the one line must say): config errors of several kinds (tests/unit/test_bad_input.py
# has every kind without Snakemake).
CONFIG_CASES = [
    ("wrong-type", dict(training__max_epochs="ten"), "training.max_epochs: 'ten' is not of type 'integer'"),
    ("unknown-key-typo", dict(training__epoch=10), "unknown key training.epoch: expected one of"),
    ("beta-for-ae", dict(sweep__ae__beta=[1.0]), "unknown key sweep.ae.beta: expected one of ['arch', 'latent_dim', 'reconstruction', 'seed']"),
    ("size-beyond-canvas", dict(data__size_max=20), "data.size_max: sizes 3..20 do not fit a canvas of 12"),
    ("empty-sigmas", dict(evaluation__sigmas=[]), "evaluation.sigmas: [] should be non-empty"),
]


def config_case(case: str):
    changes, expected = next((c, e) for name, c, e in CONFIG_CASES if name == case)
    return harness.changed(harness.config_of(harness.SQUARES), **changes), expected


# Through a real Snakemake run: exit code != 0, exactly the library's line after "config error: ",
# and nothing created (no results/, no logs/).
@pytest.mark.parametrize(
    "case, dry_run",
    [("wrong-type", True), ("unknown-key-typo", True), ("beta-for-ae", False), ("size-beyond-canvas", False),
     ("empty-sigmas", True)],
)
def test_snakemake_stops_on_a_config_error_with_one_line(tmp_path, case, dry_run):
    config, expected = config_case(case)
    harness.write_config(tmp_path, config)
    result = harness.snakemake(tmp_path, *(["-n"] if dry_run else []), timeout=120)
    assert result.returncode != 0
    lines = harness.message_lines(result)
    assert len(lines) == 1 and lines[0].startswith(f"config error: {expected}"), lines
    assert harness.files_under(tmp_path) == set()
    assert not (tmp_path / "results").exists() and not (tmp_path / "logs").exists()


def test_snakemake_with_a_missing_configfile_names_it(tmp_path):
    # Snakemake reads --configfile before the Snakefile, so the workflow cannot word this one:
    # Snakemake 9.27 prints a traceback whose last line names the file.
    result = harness.snakemake(tmp_path, "-n", configfile="missing.yaml", timeout=120)
    assert result.returncode != 0
    assert harness.message_lines(result)[-1] == "FileNotFoundError: [Errno 2] No such file or directory: 'missing.yaml'"
    assert harness.files_under(tmp_path) == set()


@pytest.mark.parametrize(
    "text, expected",
    [("- data\n- sweep\n", "Config file must be given as JSON or YAML with keys at top level."),
     ("data: [\n", "Config file is not valid JSON or YAML.")],
    ids=["not-a-mapping", "invalid-yaml"],
)
def test_snakemake_refuses_a_config_file_it_cannot_read(tmp_path, text, expected):
    # Snakemake's own words, on the line after "WorkflowError:" (read through the Snakefile's
    # configfile directive instead, the error names the Snakefile too).
    harness.write_config(tmp_path, text)
    result = harness.snakemake(tmp_path, "-n", configfile=harness.CONFIG, timeout=120)
    assert result.returncode != 0
    lines = harness.message_lines(result)
    assert lines[0] == "WorkflowError:" and lines[1].startswith(expected), lines
    assert harness.files_under(tmp_path) == set()


def test_snakemake_without_a_config_yaml_says_so(tmp_path):
    result = harness.snakemake(tmp_path, "-n", configfile=None, timeout=120)
    assert result.returncode != 0
    assert "Workflow defines configfile config.yaml but it is not present or accessible" in result.stdout + result.stderr
    assert harness.files_under(tmp_path) == set()


# ---- data files -----------------------------------------------------------------------------

def job_error_lines(log) -> list[str]:
    return [line for line in log.read_text().splitlines() if line.startswith("error in ")]


def assert_failed_with_one_line(result, log, expected):
    assert result.returncode != 0
    lines = log.read_text().splitlines()
    assert "Traceback" not in log.read_text()
    errors = job_error_lines(log)
    assert len(errors) == 1 and errors[0] == lines[-1] and expected in errors[0], lines
    assert errors[0] in result.stderr  # also on the terminal


@pytest.fixture(scope="module")
def data_only(tmp_path_factory):
    """A tiny study with only its dataset generated."""
    workdir = tmp_path_factory.mktemp("data-only")
    harness.write_config(workdir, harness.config_of(harness.SQUARES))
    result = harness.snakemake(workdir, "results/data/shapes.parquet")
    assert result.returncode == 0, result.stderr
    return workdir


def test_training_job_on_a_truncated_dataset_fails_with_one_line(tmp_path, data_only):
    workdir = harness.copy_run(data_only, tmp_path / "run")
    parquet = workdir / "results/data/shapes.parquet"
    parquet.write_bytes(parquet.read_bytes()[:1000])
    target = f"results/models/{harness.AE_RUN}/params.msgpack"
    result = harness.snakemake(workdir, target)
    log = workdir / f"logs/train/{harness.AE_POINT}.log"
    assert_failed_with_one_line(
        result, log, f"error in train_ae {harness.AE_POINT}: results/data/shapes.parquet: not a readable Parquet file"
    )
    assert not (workdir / "results/models").exists() or not any((workdir / "results/models").rglob("*.*"))
    assert len(parquet.read_bytes()) == 1000  # the input is left as it was, for the user to see


def test_evaluation_of_a_corrupt_model_fails_with_one_line_and_keeps_earlier_results(tmp_path, squares_study):
    workdir = harness.copy_run(squares_study, tmp_path / "run")
    params = workdir / f"results/models/{harness.AE_RUN}/params.msgpack"
    params.write_bytes(params.read_bytes()[:100])
    ae_scores = workdir / "results/scores/reconstruction/z2.json"  # the AE's and the VAE's runs
    earlier = [p for p in (workdir / "results").rglob("*") if p.is_file() and p not in (params, ae_scores)]
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in earlier}
    assert any(p.match("results/tables/*") for p in before)
    result = harness.snakemake(workdir, *harness.TABLE_FILES)
    log = workdir / "logs/evaluate_reconstruction/z2.log"
    assert_failed_with_one_line(
        result, log, f"results/models/{harness.AE_RUN}/params.msgpack: not a readable checkpoint of {harness.AE_RUN}"
    )
    assert not ae_scores.exists()
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in before} == before
    assert not list((workdir / "results").rglob("*.part"))


