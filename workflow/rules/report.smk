rule experiments:
    input:
        tables=expand("results/tables/{table}.csv", table=TABLES),
        figures=expand("results/figures/{figure}.png", figure=FIGURES),
        captions=figure_captions(),
    output:
        md="results/report/experiments.md",
        tex="results/report/experiments.tex",
    log:
        "logs/experiments.log",
    params:
        config=study_settings(),
        code=code("experiments.py"),
    script:
        "../../scripts/experiments.py"
