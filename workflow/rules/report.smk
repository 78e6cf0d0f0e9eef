rule experiments:
    input:
        tables=expand("results/tables/{table}.csv", table=TABLE_TITLES),
        figures=expand("results/figures/{figure}.png", figure=FIGURES),
        captions=figure_captions(),
    output:
        md="results/report/experiments.md",
        tex="results/report/experiments.tex",
    log:
        "logs/experiments.log",
    params:
        config={key: config[key] for key in ("data", "sweep", "training", "figures")},
        code=source_hash("experiments.py", "tables.py"),
    script:
        "../../scripts/experiments.py"
