"""Tables as Markdown and LaTeX text: the one renderer of the study's tables and report."""

from __future__ import annotations

# Characters special to LaTeX, and the non-ASCII symbols the study's text uses, as LaTeX.
_LATEX = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
    "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "±": r"$\pm$", "β": r"$\beta$",
    "σ": r"$\sigma$", "≥": r"$\geq$", "≤": r"$\leq$", "²": r"$^2$", "–": "--", "×": r"$\times$", "†": r"\dag{}",
}


def latex_escape(text: str) -> str:
    return "".join(_LATEX.get(character, character) for character in str(text))


def markdown_table(columns, rows) -> list[str]:
    """Lines of a Markdown table of string cells."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def latex_table(columns, rows, caption: str, size: str = r"\small", label: str | None = None,
                note: str | None = None) -> list[str]:
    """Lines of a LaTeX table float of string cells; caption and cells are escaped, `note` (set
    below the tabular) is LaTeX already."""
    lines = [r"\begin{table}[t]", r"\centering", size, f"\\caption{{{latex_escape(caption)}}}"]
    if label:
        lines.append(f"\\label{{{label}}}")
    lines += [f"\\begin{{tabular}}{{{'l' * len(columns)}}}", r"\hline",
              " & ".join(latex_escape(c) for c in columns) + r" \\", r"\hline"]
    lines += [" & ".join(latex_escape(v) for v in row) + r" \\" for row in rows]
    lines += [r"\hline", r"\end{tabular}"]
    if note:
        lines += ["", note]
    return lines + [r"\end{table}", ""]
