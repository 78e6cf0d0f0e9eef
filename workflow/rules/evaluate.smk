# One rule per metric of the registry (shapestudy.evaluation.metrics): each job reads the
# dataset and the trained runs of one group, every run of one latent size (common.smk: GROUPS), and
# writes one score file with a section per run, and an array file for a metric that keeps arrays.
# The runs share one process start, the dataset, the metric's compiled code and, within a
# configuration, the compiled programs; the score cache (shapestudy.evaluation.cache) re-scores
# only the runs whose parameters or settings changed. A new metric in the registry is a new rule here.
for _metric in METRICS.values():

    rule:
        name:
            f"evaluate_{_metric.name}"
        input:
            unpack(trained_group),
        output:
            scores=f"results/scores/{_metric.name}/{{group}}.json",
            **({"arrays": f"results/scores/{_metric.name}/{{group}}.npz"} if _metric.arrays else {}),
        log:
            f"logs/evaluate_{_metric.name}/{{group}}.log",
        benchmark:
            f"logs/benchmarks/evaluate_{_metric.name}/{{group}}.tsv"
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
