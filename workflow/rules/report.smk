rule experiments:
    input:
        tables=expand("results/tables/{table}.csv", table=TABLES),
        figures=expand("results/figures/{figure}.png", figure=SHOWN_FIGURES),
        captions=figure_captions(),
        # The renders: the validity threshold's reason is the IoU of the two most alike.
        dataset="results/data/shapes.parquet",
    output:
        md="results/report/experiments.md",
        tex="results/report/experiments.tex",
        # One self-contained page with the figures embedded, shown inside the HTML report.
        html=report("results/report/experiments.html", caption="../report/experiments.rst",
                    category=REPORT_EXPERIMENTS, labels={"section": "Experiments"}),
        appendix_md="results/report/appendix.md",
        appendix_tex="results/report/appendix.tex",
        appendix_html=report("results/report/appendix.html", caption="../report/appendix.rst",
                             category=REPORT_EXPERIMENTS, labels={"section": "Appendix"}),
    log:
        "logs/experiments.log",
    params:
        config=study_settings(),
        # The library versions of the run records, which the report's Experiments caption states.
        versions=files.package_versions(),
        code=code("experiments.py"),
    localrule: True
    script:
        "../../scripts/experiments.py"
