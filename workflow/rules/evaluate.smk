rule evaluate_reconstruction:
    input:
        data="results/data/shapes.parquet",
        params="results/models/{run}/params.msgpack",
        record="results/models/{run}/record.json",
    output:
        "results/scores/reconstruction/{run}.json",
    log:
        "logs/evaluate_reconstruction/{run}.log",
    params:
        pixel_threshold=config["evaluation"]["pixel_threshold"],
        code=source_hash("data.py", "models.py", "losses.py", "artifacts.py", "inference.py", "evaluation/reconstruction.py"),
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../../scripts/evaluate_reconstruction.py"
