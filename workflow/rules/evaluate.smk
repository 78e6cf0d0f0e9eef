# One rule per metric family of the registry (shapestudy.evaluation.metrics): each job reads the
# dataset and the trained seeds of one point of the sweep and writes one score file with a section
# per seed (the seeds share one process start). A new family in the registry is a new rule here.
for _family in METRICS.values():

    rule:
        name:
            f"evaluate_{_family.name}"
        input:
            unpack(trained_point),
        output:
            f"results/scores/{_family.name}/{{point}}.json",
        log:
            f"logs/evaluate_{_family.name}/{{point}}.log",
        benchmark:
            f"logs/benchmarks/evaluate_{_family.name}/{{point}}.tsv"
        params:
            family=_family.name,
            evaluation=evaluation_settings(*_family.settings),
            # The script imports the family's module by name (the registry), so it is named here.
            code=code("evaluate.py", _family.module),
        threads: 1
        resources:
            # From the number of tuples, the canvas, the splits and the family's settings (README:
            # Resources of each rule); x attempt.
            mem_mb=sized("evaluation", "mem_mb", _family.name),
            runtime=sized("evaluation", "runtime", _family.name),
        script:
            "../../scripts/evaluate.py"
