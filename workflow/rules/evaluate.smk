# One rule per metric family; each reads the dataset and one trained run and writes one score file.


rule evaluate_reconstruction:
    input:
        unpack(trained_run),
    output:
        "results/scores/reconstruction/{run}.json",
    log:
        "logs/evaluate_reconstruction/{run}.log",
    params:
        pixel_threshold=config["evaluation"]["pixel_threshold"],
        code=source_hash(*EVALUATION_CODE, "evaluation/reconstruction.py", "evaluation/projection.py"),
    threads: 1
    resources:
        # Peak 0.6-0.9 GB and under 10 CPU-seconds (README: Resources of each rule); x attempt.
        mem_mb=per_attempt(1500),
        runtime=per_attempt(10),
    script:
        "../../scripts/evaluate_reconstruction.py"


rule evaluate_samples:
    input:
        unpack(trained_run),
    output:
        "results/scores/samples/{run}.json",
    log:
        "logs/evaluate_samples/{run}.log",
    benchmark:
        "benchmarks/evaluate_samples/{run}.tsv"
    params:
        evaluation=evaluation_settings("samples", "validity_iou", "pixel_threshold", "prdc_k", "seed"),
        code=source_hash(*EVALUATION_CODE, "evaluation/samples.py", "evaluation/projection.py"),
    threads: 1
    resources:
        # Peak 1.0 GB and 17 CPU-seconds (README: Resources of each rule); x attempt.
        mem_mb=per_attempt(2000),
        runtime=per_attempt(10),
    script:
        "../../scripts/evaluate_samples.py"


rule evaluate_rate:
    input:
        unpack(trained_run),
    output:
        "results/scores/rate/{run}.json",
    log:
        "logs/evaluate_rate/{run}.log",
    params:
        evaluation=evaluation_settings("sigmas", "active_threshold", "seed"),
        code=source_hash(*EVALUATION_CODE, "evaluation/rate.py"),
    threads: 1
    resources:
        # Peak 0.6-0.9 GB and under 10 CPU-seconds (README: Resources of each rule); x attempt.
        mem_mb=per_attempt(1500),
        runtime=per_attempt(10),
    script:
        "../../scripts/evaluate_rate.py"


rule evaluate_latents:
    input:
        unpack(trained_run),
    output:
        "results/scores/latents/{run}.json",
    log:
        "logs/evaluate_latents/{run}.log",
    params:
        evaluation=evaluation_settings("mi_bins"),
        code=source_hash(*EVALUATION_CODE, "evaluation/latents.py"),
    threads: 1
    resources:
        # Peak 0.6-0.9 GB and under 10 CPU-seconds (README: Resources of each rule); x attempt.
        mem_mb=per_attempt(1500),
        runtime=per_attempt(10),
    script:
        "../../scripts/evaluate_latents.py"
