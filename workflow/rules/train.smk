rule train:
    input:
        data="results/data/shapes.parquet",
    output:
        params="results/models/{run}/params.msgpack",
        history="results/models/{run}/history.csv",
        record="results/models/{run}/record.json",
    # Not an output: results/models/{run}/checkpoint.msgpack, the full training state saved every
    # training.checkpoint_every epochs. Snakemake deletes a failed job's outputs, not this file, so
    # a rerun after a kill resumes from it; scripts/train.py removes it once the outputs exist.
    # checkpoint_every is read from the config, not params: it never changes the result.
    log:
        "logs/train/{run}.log",
    benchmark:
        "benchmarks/train/{run}.tsv"
    params:
        config=run_config,
        code=source_hash("grid.py", "data.py", "models.py", "losses.py", "train.py", "checkpoint.py", "artifacts.py"),
        versions=versions("jax", "jaxlib", "flax", "optax"),
    threads: 1
    resources:
        # Peak 0.94 GB; 30 epochs: 0.5 (MLP) to 2 (conv) CPU-minutes (README: Resources of each rule); x attempt.
        mem_mb=per_attempt(2000),
        runtime=per_attempt(30),
        gpu=training_gpus,
    script:
        "../../scripts/train.py"
