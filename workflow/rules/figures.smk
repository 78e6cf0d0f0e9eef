rule figure_reconstructions:
    input:
        data="results/data/shapes.parquet",
        params=expand("results/models/{run}/params.msgpack", run=figure_runs()),
        records=expand("results/models/{run}/record.json", run=figure_runs()),
    output:
        png=report("results/figures/reconstructions.png", caption="../report/reconstructions.rst", category="Figures"),
        pdf="results/figures/reconstructions.pdf",
    log:
        "logs/figure_reconstructions.log",
    params:
        examples=config["figures"]["examples"],
        code=source_hash("plotting.py", "inference.py", "artifacts.py", "data.py"),
    script:
        "../../scripts/figure_reconstructions.py"


rule figure_training_curves:
    input:
        histories(),
    output:
        png=report("results/figures/training_curves.png", caption="../report/training_curves.rst", category="Figures"),
        pdf="results/figures/training_curves.pdf",
    log:
        "logs/figure_training_curves.log",
    params:
        code=source_hash("plotting.py"),
    script:
        "../../scripts/figure_training_curves.py"
