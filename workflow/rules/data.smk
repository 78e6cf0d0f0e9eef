rule generate_data:
    output:
        "results/data/shapes.parquet",
    log:
        "logs/generate_data.log",
    params:
        data=config["data"],
        code=code("generate_data.py"),
    threads: 1
    resources:
        # Peak 0.3 GB and 3 seconds (README: Resources of each rule); x attempt.
        mem_mb=per_attempt(1000),
        runtime=per_attempt(10),
    script:
        "../../scripts/generate_data.py"
