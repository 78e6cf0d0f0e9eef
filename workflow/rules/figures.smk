# One rule and one script per figure; each writes PNG and PDF under results/figures/.


rule figure_reconstructions:
    input:
        unpack(example_runs),
    output:
        png=figure_report("reconstructions"),
        pdf="results/figures/reconstructions.pdf",
    log:
        "logs/figure/reconstructions.log",
    benchmark:
        "logs/benchmarks/figure_reconstructions.tsv"
    params:
        examples=config["figures"]["examples"],
        code=code("figure_reconstructions.py"),
    script:
        "../../scripts/figure_reconstructions.py"


rule figure_samples:
    input:
        unpack(example_runs),
        scores=point_scores("samples", figure_runs()),
    output:
        png=figure_report("samples"),
        pdf="results/figures/samples.pdf",
    log:
        "logs/figure/samples.log",
    benchmark:
        "logs/benchmarks/figure_samples.tsv"
    params:
        examples=config["figures"]["examples"],
        evaluation=evaluation_settings("pixel_threshold", "validity_iou", "seed", "mixture_components"),
        code=code("figure_samples.py"),
    script:
        "../../scripts/figure_samples.py"


rule figure_frontier:
    input:
        "results/tables/samples.csv",
    output:
        png=figure_report("frontier"),
        pdf="results/figures/frontier.pdf",
    log:
        "logs/figure/frontier.log",
    params:
        mixture_components=config["evaluation"]["mixture_components"],
        test_share=config["data"]["splits"]["test"],
        code=code("figure_frontier.py"),
    script:
        "../../scripts/figure_frontier.py"


rule figure_traversals:
    input:
        unpack(example_runs),
    output:
        png=figure_report("traversals"),
        pdf="results/figures/traversals.pdf",
    log:
        "logs/figure/traversals.log",
    benchmark:
        "logs/benchmarks/figure_traversals.tsv"
    params:
        code=code("figure_traversals.py"),
    script:
        "../../scripts/figure_traversals.py"


rule figure_latent_scatter:
    input:
        unpack(scatter_runs),
    output:
        png=figure_report("latent_scatter"),
        pdf="results/figures/latent_scatter.pdf",
    log:
        "logs/figure/latent_scatter.log",
    benchmark:
        "logs/benchmarks/figure_latent_scatter.tsv"
    params:
        code=code("figure_latent_scatter.py"),
    script:
        "../../scripts/figure_latent_scatter.py"


rule figure_rate:
    input:
        "results/tables/rate.csv",
    output:
        png=figure_report("rate"),
        pdf="results/figures/rate.pdf",
    log:
        "logs/figure/rate.log",
    params:
        code=code("figure_rate.py"),
    script:
        "../../scripts/figure_rate.py"


rule figure_rate_vs_beta:
    input:
        "results/tables/rate.csv",
    output:
        png=figure_report("rate_vs_beta"),
        pdf="results/figures/rate_vs_beta.pdf",
    log:
        "logs/figure/rate_vs_beta.log",
    params:
        sigma=config["figures"]["sigma"],
        code=code("figure_rate_vs_beta.py"),
    script:
        "../../scripts/figure_rate_vs_beta.py"


rule figure_mutual_information:
    input:
        point_scores("latents", figure_runs()),
    output:
        png=figure_report("mutual_information"),
        pdf="results/figures/mutual_information.pdf",
    log:
        "logs/figure/mutual_information.log",
    params:
        runs=figure_runs(),
        code=code("figure_mutual_information.py"),
    script:
        "../../scripts/figure_mutual_information.py"


rule figure_training_curves:
    input:
        histories=histories(),
        records=expand("results/models/{run}/record.json", run=RUNS),
    output:
        png=figure_report("training_curves"),
        pdf="results/figures/training_curves.pdf",
    log:
        "logs/figure/training_curves.log",
    params:
        code=code("figure_training_curves.py"),
    script:
        "../../scripts/figure_training_curves.py"


rule figure_summary:
    input:
        samples="results/tables/samples.csv",
        rate="results/tables/rate.csv",
        latents="results/tables/latents.csv",
        reconstruction="results/tables/reconstruction.csv",
    output:
        png=figure_report("summary"),
        pdf="results/figures/summary.pdf",
    log:
        "logs/figure/summary.log",
    params:
        sigma=config["figures"]["sigma"],
        code=code("figure_summary.py"),
    script:
        "../../scripts/figure_summary.py"
