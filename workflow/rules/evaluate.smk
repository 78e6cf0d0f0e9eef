# One rule per metric family; each job reads the dataset and the trained seeds of one point of the
# sweep and writes one score file with a section per seed (the seeds share one process start).


rule evaluate_reconstruction:
    input:
        unpack(trained_point),
    output:
        "results/scores/reconstruction/{point}.json",
    log:
        "logs/evaluate_reconstruction/{point}.log",
    params:
        pixel_threshold=config["evaluation"]["pixel_threshold"],
        code=source_hash(*EVALUATION_CODE, "evaluation/reconstruction.py", "evaluation/projection.py"),
    threads: 1
    resources:
        # Peak 0.6-0.9 GB and a few CPU-seconds per seed (README: Resources of each rule); x attempt.
        mem_mb=per_attempt(1500),
        runtime=per_attempt(10),
    script:
        "../../scripts/evaluate_reconstruction.py"


rule evaluate_samples:
    input:
        unpack(trained_point),
    output:
        "results/scores/samples/{point}.json",
    log:
        "logs/evaluate_samples/{point}.log",
    benchmark:
        "benchmarks/evaluate_samples/{point}.tsv"
    params:
        evaluation=evaluation_settings("samples", "validity_iou", "pixel_threshold", "prdc_k", "seed"),
        code=source_hash(*EVALUATION_CODE, "evaluation/samples.py", "evaluation/projection.py"),
    threads: 1
    resources:
        # Peak 1.0 GB and a few CPU-seconds per seed (README: Resources of each rule); x attempt.
        mem_mb=per_attempt(2000),
        runtime=per_attempt(10),
    script:
        "../../scripts/evaluate_samples.py"


rule evaluate_rate:
    input:
        unpack(trained_point),
    output:
        "results/scores/rate/{point}.json",
    log:
        "logs/evaluate_rate/{point}.log",
    params:
        evaluation=evaluation_settings("sigmas", "active_threshold", "seed"),
        code=source_hash(*EVALUATION_CODE, "evaluation/rate.py"),
    threads: 1
    resources:
        # Peak 0.6-0.9 GB and a few CPU-seconds per seed (README: Resources of each rule); x attempt.
        mem_mb=per_attempt(1500),
        runtime=per_attempt(10),
    script:
        "../../scripts/evaluate_rate.py"


rule evaluate_latents:
    input:
        unpack(trained_point),
    output:
        "results/scores/latents/{point}.json",
    log:
        "logs/evaluate_latents/{point}.log",
    params:
        evaluation=evaluation_settings("mi_bins"),
        code=source_hash(*EVALUATION_CODE, "evaluation/latents.py"),
    threads: 1
    resources:
        # Peak 0.6-0.9 GB and a few CPU-seconds per seed (README: Resources of each rule); x attempt.
        mem_mb=per_attempt(1500),
        runtime=per_attempt(10),
    script:
        "../../scripts/evaluate_latents.py"
