# One rule per figure of the registry (shapestudy.reporting.figures): each runs
# scripts/figure_{name}.py on the inputs its entry names and writes PNG and PDF under
# results/figures/, shown in the report with the caption workflow/report/{name}.rst. The figures
# read tables or load a few example models and take seconds: they run inside the Snakemake
# process, never as cluster jobs.
for _figure in FIGURES.values():
    if _figure.name not in SHOWN_FIGURES:
        continue

    rule:
        name:
            f"figure_{_figure.name}"
        input:
            **figure_inputs(_figure),
        output:
            png=figure_report(_figure.name),
            pdf=f"results/figures/{_figure.name}.pdf",
        log:
            f"logs/figure/{_figure.name}.log",
        benchmark:
            f"logs/benchmarks/figure_{_figure.name}.tsv"
        params:
            # Names the script: the script path is read when the job runs, after the loop has moved on.
            figure=_figure.name,
            runs=_figure.chosen_runs(RUNS, config),
            settings=figure_registry.settings(config, _figure.settings),
            code=code(f"figure_{_figure.name}.py"),
        localrule: True
        script:
            "../../scripts/figure_{params.figure}.py"
