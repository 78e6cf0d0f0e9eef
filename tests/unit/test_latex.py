"""The LaTeX the study writes sets cleanly in the report's own format, IEEEtran in two columns
(pdflatex and Debian's texlive-publishers: `bash setup.sh --tests`; harness.compile_latex fails on
an error, an overfull box over 5 pt or an unresolved reference): tables of every shape the formats
produce, and every symbol the captions and reporting text use. tests/workflow/test_latex_report.py
sets a study's own Experiments section, appendix and tables."""

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
    text = [f"cell with a long text to wrap, number {i}" for i in range(3)]
    wrapped = formats.latex_table(["what", "value"], [(t * 5, "0.1") for t in text], "Wrapped text", label="tab:w")
    assert short[0] == r"\begin{table}[t]" and wide[0] == r"\begin{table*}[t]"  # a column, or both
    assert "p{" in "".join(wrapped) and "p{" not in "".join(short)  # long text wraps instead of shrinking
    assert long[0] == r"\onecolumn" and any("longtable" in line for line in long)  # long tables: one-column pages
    assert not any("resizebox" in line for table in (short, wide, long, long_wide, wrapped) for line in table)
    # Too wide even for a landscape page: in parts, each with the row's key column.
    names = [f"a_long_score_name_{i}" for i in range(40)]
    widest = formats.latex_table(["model", *names], [("vae", *("0.123 ± 0.045" for _ in names))] * 5, "Widest",
                                 label="tab:widest")
    assert sum(r"\caption{Widest (part" in line for line in widest) > 1
    log = compile_latex(tmp_path, "\n".join([*short, *wide, *long, *long_wide, *wrapped, *widest,
                                             "See Tables~\\ref{tab:w} and \\ref{tab:widest}."]))
    assert "Missing character" not in log
