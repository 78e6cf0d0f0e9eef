"""Write the report's Experiments section and its appendix from the tables (rule experiments)."""

from shapestudy.jobs.start import start_job

start_job(snakemake)

import sys
from pathlib import Path

import pandas as pd

from shapestudy.data import dataset
from shapestudy.evaluation.projection import closest_renders
from shapestudy.reporting import experiments, formats

tables = {Path(path).stem: pd.read_csv(path) for path in snakemake.input.tables}
captions = {Path(path).stem: Path(path).read_text().strip() for path in snakemake.input.captions}
images = {Path(path).stem: Path(path).read_bytes() for path in snakemake.input.figures}
figures = list(images)
renders = dataset.load(snakemake.input.dataset)
closest = closest_renders(renders.images, snakemake.params.config["evaluation"]["pixel_threshold"])
output = snakemake.output
# The appendix's labels carry a prefix of their own: both documents are set in one paper.
for blocks, title, (md, tex, html), prefix in (
    (experiments.section(snakemake.params.config, tables, captions, figures, closest, renders.factors), "Experiments",
     (output.md, output.tex, output.html), ""),
    (experiments.appendix(tables, captions, figures), "Appendix",
     (output.appendix_md, output.appendix_tex, output.appendix_html), "app:"),
):
    formats.write_document(blocks, title, {"md": md, "tex": tex, "html": html}, images, prefix)
    print(f"{title}: {experiments.words(blocks)} words, {experiments.table_rows(blocks)} table rows", file=sys.stderr)
