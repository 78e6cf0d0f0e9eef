# One job per point of the sweep (a configuration without its seed) trains its seeds one after the
# other in one process: they share the process start, the data load and the compiled programs, and
# each seed's parameters are bitwise those of a job that trains it alone. A point's output files
# list its seeds, and seed lists are per model, so there is one training rule per model
# (train_ae, train_vae).
for _model, _axes in config["sweep"].items():

    rule:
        name:
            f"train_{_model}"
        input:
            data="results/data/shapes.parquet",
        output:
            params=expand("results/models/{{point}}-s{seed}/params.msgpack", seed=_axes["seed"]),
            history=expand("results/models/{{point}}-s{seed}/history.csv", seed=_axes["seed"]),
            record=expand("results/models/{{point}}-s{seed}/record.json", seed=_axes["seed"]),
        # Not an output: results/models/{run}/checkpoint.msgpack, the full training state of a run,
        # saved every training.checkpoint_every epochs and after its last one. Snakemake deletes a
        # failed job's outputs, not this file, so a rerun after a kill skips the seeds already
        # trained and resumes the interrupted one; scripts/train.py removes it once all outputs
        # exist. checkpoint_every is read from the config, not params: it never changes the result.
        wildcard_constraints:
            point=points_of(_model),
        log:
            "logs/train/{point}.log",
        benchmark:
            f"logs/benchmarks/train_{_model}/{{point}}.tsv"
        params:
            configs=point_configs,
            code=code("train.py"),
            versions=files.package_versions(),
        # Trainings first: they are the long jobs, and the short evaluations that follow them keep
        # both cores busy to the end (a training started late would run alone for a minute).
        priority: 1
        threads: 1
        resources:
            # From the splits, the canvas, the epochs cap and the point's seeds (docs/cluster.md: Resources of
            # each rule); x attempt.
            mem_mb=sized("training", "mem_mb"),
            runtime=sized("training", "runtime"),
            gpu=training_gpus,
        script:
            "../../scripts/train.py"
