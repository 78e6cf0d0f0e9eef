# One rule per metric of the registry (shapestudy.evaluation.metrics): each job reads the
# dataset and the trained seeds of one point of the sweep and writes one score file with a section
# per seed (the seeds share one process start), and an array file for a metric that keeps arrays.
# A new metric in the registry is a new rule here.
for _metric in METRICS.values():

    rule:
        name:
            f"evaluate_{_metric.name}"
        input:
            unpack(trained_point),
        output:
            scores=f"results/scores/{_metric.name}/{{point}}.json",
            **({"arrays": f"results/scores/{_metric.name}/{{point}}.npz"} if _metric.arrays else {}),
        log:
            f"logs/evaluate_{_metric.name}/{{point}}.log",
        benchmark:
            f"logs/benchmarks/evaluate_{_metric.name}/{{point}}.tsv"
        params:
            metric=_metric.name,
            evaluation=evaluation_settings(*_metric.settings),
            # The script imports the metric's module by name (the registry), so it is named here.
            code=code("evaluate.py", _metric.module),
        threads: 1
        resources:
            # From the number of tuples, the canvas, the splits and the metric's settings (docs/cluster.md:
            # Resources of each rule); x attempt.
            mem_mb=sized("evaluation", "mem_mb", _metric.name),
            runtime=sized("evaluation", "runtime", _metric.name),
        script:
            "../../scripts/evaluate.py"
