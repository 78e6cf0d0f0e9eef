"""The study's LaTeX compiles: a minimal document that inputs the Experiments section, the appendix
and every table of the tiny study builds with pdflatex (tests/unit/test_latex.py covers every table
shape)."""

import shutil

from harness import compile_latex

from shapestudy.evaluation.metrics import METRICS


def test_the_experiments_section_the_appendix_and_every_table_compile(tiny_study, tmp_path):
    # The report's .tex files find the figures as ../figures/{name}.pdf and the tables as ../tables/.
    for folder in ("report", "figures", "tables"):
        shutil.copytree(tiny_study / "results" / folder, tmp_path / folder)
    tables = "\n".join(f"\\input{{../tables/{name}}}" for name in (*METRICS, "claims"))
    log = compile_latex(tmp_path / "report", f"\\input{{experiments}}\n\\input{{appendix}}\n{tables}")
    assert "Missing character" not in log and "Undefined control sequence" not in log
    assert "../figures/summary.pdf" in log  # the figures were included, not left out
