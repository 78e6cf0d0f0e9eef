"""Write the report's Experiments section from the tables (rule experiments)."""

from shapestudy.jobs.start import start_job

start_job(snakemake)

from pathlib import Path

import pandas as pd

from shapestudy.files import write_atomic
from shapestudy.reporting import experiments

tables = {Path(path).stem: pd.read_csv(path) for path in snakemake.input.tables}
captions = {Path(path).stem: Path(path).read_text().strip() for path in snakemake.input.captions}
images = {Path(path).stem: Path(path).read_bytes() for path in snakemake.input.figures}
figures = list(images)
config = snakemake.params.config
blocks = experiments.section(config, tables, captions, figures)
sigma = config["figures"]["sigma"]
write_atomic(snakemake.output.md, experiments.to_markdown(blocks, tables, sigma).encode())
write_atomic(snakemake.output.tex, experiments.to_latex(blocks, tables, sigma).encode())
write_atomic(snakemake.output.html, experiments.to_html(blocks, tables, sigma, images).encode())
