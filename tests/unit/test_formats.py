"""The one renderer of Markdown, LaTeX and HTML tables: every LaTeX and HTML special character escaped."""

import pandas as pd

from shapestudy.reporting import formats, tables


def test_every_latex_special_character_is_escaped():
    text = r"a_b & 50% $5 #1 {x} ~y ^z \w ± β σ ≥ ² –"
    escaped = formats.latex_escape(text)
    assert escaped == (r"a\_b \& 50\% \$5 \#1 \{x\} \textasciitilde{}y \textasciicircum{}z \textbackslash{}w "
                       r"$\pm$ $\beta$ $\sigma$ $\geq$ $^2$ --")


def test_latex_table_escapes_caption_and_cells_and_keeps_the_note():
    lines = formats.latex_table(["n_runs", "mse"], [("3", "0.1 ± 0.01")], "R(σ) & D", label="tab:x", note=r"\small{ok}")
    text = "\n".join(lines)
    assert r"\caption{R($\sigma$) \& D}" in text and r"\label{tab:x}" in text
    assert r"n\_\allowbreak{}runs & mse \\" in text and r"3 & 0.1 $\pm$ 0.01 \\" in text
    assert text.count(r"\begin{tabular}{ll}") == 1 and r"\small{ok}" in lines


def test_markdown_table_has_a_header_rule_and_a_line_per_row():
    assert formats.markdown_table(["a", "b"], [("1", "2"), ("3", "4")]) == ["| a | b |", "|---|---|", "| 1 | 2 |", "| 3 | 4 |"]


def test_html_table_escapes_caption_cells_and_note():
    lines = formats.html_table(["a<b", "mse"], [("x & y", "0.1 ± 0.01")], caption="R(σ) <D>", note="†: \"not\" converged")
    text = "\n".join(lines)
    assert "<caption>R(σ) &lt;D&gt;</caption>" in text and "<th>a&lt;b</th><th>mse</th>" in text
    assert "<tr><td>x &amp; y</td><td>0.1 ± 0.01</td></tr>" in text and "†: &quot;not&quot; converged" in text
    page = formats.html_page("A & B", lines)
    assert page.startswith("<!DOCTYPE html>") and "<title>A &amp; B</title>" in page and text in page


def test_a_table_with_special_characters_renders_in_every_format(tmp_path):
    table = pd.DataFrame({"model": ["ae", "vae"], "arch": ["mlp", "mlp"], "latent_dim": [2, 2], "beta": [0.0, 1.0],
                          "sampler": ["prior", "prior"], "note": ["50%_a", "50%_a"], "n": [3, 3],
                          "mse_mean": [0.1, 0.2], "mse_sd": [0.01, 0.02]})
    outputs = {ext: tmp_path / f"errors.{ext}" for ext in ("csv", "md", "tex", "html")}
    tables.write_table(table, ["mse"], outputs, "Errors & 100% of it")
    markdown, latex, html = (outputs[ext].read_text() for ext in ("md", "tex", "html"))
    assert markdown.startswith("### Errors & 100% of it") and "| ae | mlp | 2 |  | 3 | 0.1 ± 0.01 |" in markdown
    assert r"\caption{Errors \& 100\% of it}" in latex and r"note = 50\%\_a" in latex
    # The AE has no beta: its cell is blank, the VAE's shows its value.
    assert r"ae & mlp & 2 &  & 3 & 0.1 $\pm$ 0.01 \\" in latex and r"vae & mlp & 2 & 1.0 & 3" in latex
    assert "<caption>Errors &amp; 100% of it</caption>" in html and "note = 50%_a" in html
    assert "<tr><td>ae</td><td>mlp</td><td>2</td><td></td><td>3</td><td>0.1 ± 0.01</td></tr>" in html
