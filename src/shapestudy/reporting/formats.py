"""Tables as Markdown, LaTeX and HTML text: the one renderer of the study's tables and report."""

from __future__ import annotations

from html import escape

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


def html_table(columns, rows, caption: str | None = None, note: str | None = None) -> list[str]:
    """Lines of an HTML table of string cells; caption, cells and the note below are escaped."""
    lines = ["<table>"] + ([f"<caption>{escape(caption)}</caption>"] if caption else [])
    lines += ["<thead><tr>" + "".join(f"<th>{escape(str(c))}</th>" for c in columns) + "</tr></thead>", "<tbody>"]
    lines += ["<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in rows]
    lines += ["</tbody>", "</table>"]
    return lines + ([f'<p class="note">{escape(note)}</p>'] if note else [])


# A plain style that reads in a browser and in the Snakemake report's frame.
_STYLE = ("body{font-family:sans-serif;margin:1.5em;max-width:90em;line-height:1.4}"
          "table{border-collapse:collapse;font-size:.85em;margin:.5em 0}"
          "th,td{border-bottom:1px solid #ccc;padding:.2em .6em;text-align:left;white-space:nowrap}"
          "caption{font-weight:bold;text-align:left;padding:.4em 0}.note{font-size:.85em}"
          "img{max-width:100%}figure{margin:1em 0}")


def html_page(title: str, body: list[str]) -> str:
    """A self-contained HTML page (no external files) of the given body lines, which are HTML already."""
    head = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
            f"<title>{escape(title)}</title>", f"<style>{_STYLE}</style>", "</head>", "<body>"]
    return "\n".join([*head, *body, "</body>", "</html>", ""])
