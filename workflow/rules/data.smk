rule generate_data:
    output:
        "results/data/shapes.parquet",
    log:
        "logs/generate_data.log",
    params:
        data=config["data"],
        code=source_hash("grid.py", "data.py"),
    threads: 1
    resources:
        # Peak 0.3 GB and 3 seconds (README: Resources of each rule); x attempt.
        mem_mb=per_attempt(1000),
        runtime=per_attempt(10),
    script:
        "../../scripts/generate_data.py"
