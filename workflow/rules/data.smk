rule generate_data:
    output:
        "results/data/shapes.parquet",
    log:
        "logs/generate_data.log",
    benchmark:
        "logs/benchmarks/generate_data.tsv"
    params:
        data=config["data"],
        code=code("generate_data.py"),
    threads: 1
    resources:
        # From the number of tuples and the canvas (docs/cluster.md); x attempt.
        mem_mb=sized("generate_data", "mem_mb"),
        runtime=sized("generate_data", "runtime"),
    script:
        "../../scripts/generate_data.py"
