rule generate_data:
    output:
        "results/data/shapes.parquet",
    log:
        "logs/generate_data.log",
    params:
        data=config["data"],
        code=source_hash("grid.py", "data.py"),
    script:
        "../../scripts/generate_data.py"
