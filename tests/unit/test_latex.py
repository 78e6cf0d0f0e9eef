"""The LaTeX the study writes compiles with a real LaTeX engine (pdflatex, from Debian's
texlive-latex-base: `bash setup.sh --tests`): tables of every shape the formats produce, and every
symbol the captions and reporting text use. tests/workflow/test_latex_report.py compiles a study's
own Experiments section, appendix and tables."""

from harness import ROOT, compile_latex

from shapestudy.reporting import formats


def test_every_caption_and_symbol_escapes_to_ascii():
    texts = [path.read_text() for path in (ROOT / "workflow" / "report").glob("*.rst")]
    texts += [path.read_text() for path in (ROOT / "src" / "shapestudy" / "reporting").glob("*.py")]
    for text in texts:
        escaped = formats.latex_escape(text)
        assert escaped.isascii(), sorted({c for c in escaped if not c.isascii()})


def test_short_wide_and_long_tables_compile(tmp_path):
    short = formats.latex_table(["a", "b"], [("1 ± 0.1", "β = 4, σ = 0.1")], "A short table", label="tab:short")
    wide_columns = [f"column {i}" for i in range(14)]
    wide = formats.latex_table(wide_columns, [tuple(f"0.{i}12 ± 0.0{i}" for i in range(14))] * 3, "A wide table")
    long = formats.latex_table(["x", "y"], [(str(i), "†") for i in range(120)], "A long table", note="A note.")
    long_wide = formats.latex_table(wide_columns, [tuple("0.123 ± 0.045" for _ in range(14))] * 90, "Long and wide")
    assert any(r"\resizebox" in line for line in wide) and any("longtable" in line for line in long)
    assert r"\begin{landscape}" in long_wide and r"\begin{landscape}" not in long
    log = compile_latex(tmp_path, "\n".join([*short, *wide, *long, *long_wide]))
    assert "Missing character" not in log
