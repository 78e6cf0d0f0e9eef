# One rule and one script per figure; each writes PNG and PDF under results/figures/.


rule figure_reconstructions:
    input:
        unpack(example_runs),
    output:
        png=report("results/figures/reconstructions.png", caption="../report/reconstructions.rst", category="Figures"),
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
        png=report("results/figures/samples.png", caption="../report/samples.rst", category="Figures"),
        pdf="results/figures/samples.pdf",
    log:
        "logs/figure/samples.log",
    benchmark:
        "logs/benchmarks/figure_samples.tsv"
    params:
        examples=config["figures"]["examples"],
        evaluation=evaluation_settings("pixel_threshold", "validity_iou", "seed"),
        code=code("figure_samples.py"),
    script:
        "../../scripts/figure_samples.py"


rule figure_traversals:
    input:
        unpack(example_runs),
    output:
        png=report("results/figures/traversals.png", caption="../report/traversals.rst", category="Figures"),
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
        png=report("results/figures/latent_scatter.png", caption="../report/latent_scatter.rst", category="Figures"),
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
        png=report("results/figures/rate.png", caption="../report/rate.rst", category="Figures"),
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
        png=report("results/figures/rate_vs_beta.png", caption="../report/rate_vs_beta.rst", category="Figures"),
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
        png=report("results/figures/mutual_information.png", caption="../report/mutual_information.rst", category="Figures"),
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
        png=report("results/figures/training_curves.png", caption="../report/training_curves.rst", category="Figures"),
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
        png=report("results/figures/summary.png", caption="../report/summary.rst", category="Figures"),
        pdf="results/figures/summary.pdf",
    log:
        "logs/figure/summary.log",
    params:
        sigma=config["figures"]["sigma"],
        code=code("figure_summary.py"),
    script:
        "../../scripts/figure_summary.py"
