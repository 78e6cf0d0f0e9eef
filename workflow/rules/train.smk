rule train:
    input:
        data="results/data/shapes.parquet",
    output:
        params="results/models/{run}/params.msgpack",
        history="results/models/{run}/history.csv",
        record="results/models/{run}/record.json",
    log:
        "logs/train/{run}.log",
    benchmark:
        "benchmarks/train/{run}.tsv"
    params:
        config=run_config,
        code=source_hash("data.py", "models.py", "losses.py", "train.py", "artifacts.py"),
        versions=versions("jax", "jaxlib", "flax", "optax"),
    threads: 1
    resources:
        mem_mb=1500,
        runtime=30,
    script:
        "../../scripts/train.py"
