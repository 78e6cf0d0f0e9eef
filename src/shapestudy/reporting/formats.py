"""Tables as Markdown, LaTeX and HTML text: the one renderer of the study's tables and report."""

from __future__ import annotations

import base64
import dataclasses
from html import escape

import pandas as pd

from shapestudy.files import write_atomic

# Characters special to LaTeX, and the non-ASCII symbols the study's text uses, as LaTeX.
_LATEX = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
    "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "±": r"$\pm$", "β": r"$\beta$",
    "σ": r"$\sigma$", "≥": r"$\geq$", "≤": r"$\leq$", "²": r"$^2$", "–": "--", "×": r"$\times$", "†": r"\dag{}",
    "μ": r"$\mu$", "“": "``", "”": "''",
}


def latex_escape(text: str) -> str:
    return "".join(_LATEX.get(character, character) for character in str(text))


def markdown_table(columns, rows) -> list[str]:
    """Lines of a Markdown table of string cells."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


# The LaTeX packages every table and report file needs: graphicx (figures, \resizebox), longtable
# (tables that run over pages) and lscape (landscape pages for long, wide tables).
LATEX_PACKAGES = ("graphicx", "longtable", "lscape")
LONG_ROWS = 40  # more rows than this: a longtable that breaks over pages instead of a float
WIDE_CHARACTERS = 110  # wider than this (cells and gaps, at \scriptsize): shrunk to the line, or a landscape page


def _width(columns, rows) -> int:
    cells = [columns, *rows]
    return sum(max(len(str(row[i])) for row in cells) + 2 for i in range(len(columns)))


def latex_table(columns, rows, caption: str, size: str = r"\small", label: str | None = None,
                note: str | None = None) -> list[str]:
    """Lines of a LaTeX table of string cells (LATEX_PACKAGES); caption and cells are escaped,
    `note` (set below the table) is LaTeX already. A table of more than LONG_ROWS rows breaks over
    pages (longtable, its header repeated), on landscape pages if it is wide; a shorter wide table
    is shrunk to the line's width."""
    rows = [tuple(row) for row in rows]
    header = " & ".join(latex_escape(c) for c in columns) + r" \\"
    body = [" & ".join(latex_escape(v) for v in row) + r" \\" for row in rows]
    caption_line = f"\\caption{{{latex_escape(caption)}}}" + (f"\\label{{{label}}}" if label else "")
    wide = _width(columns, rows) > WIDE_CHARACTERS
    if len(rows) > LONG_ROWS:
        lines = [r"\begin{landscape}"] if wide else []
        lines += [f"{{{size}", f"\\begin{{longtable}}{{{'l' * len(columns)}}}", caption_line + r" \\", r"\hline", header,
                  r"\hline", r"\endhead", *body, r"\hline", r"\end{longtable}"]
        lines += [note, "}"] if note else ["}"]
        return lines + ([r"\end{landscape}"] if wide else []) + [""]
    tabular = [f"\\begin{{tabular}}{{{'l' * len(columns)}}}", r"\hline", header, r"\hline", *body, r"\hline",
               r"\end{tabular}"]
    if wide:
        tabular = [r"\resizebox{\linewidth}{!}{%", *tabular, "}"]
    lines = [r"\begin{table}[t]", r"\centering", size, caption_line, *tabular]
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


def write_table(outputs: dict, frame: pd.DataFrame, title: str, columns, rows, note: str, label: str | None = None,
                latex_note: str | None = None) -> None:
    """A table in its four files: `frame` in full as CSV (for machines), and the string cells as
    Markdown, LaTeX and an HTML page, each with its title and the note below (`latex_note`: the
    note as LaTeX already, where it holds math)."""
    rows = [tuple(row) for row in rows]
    write_atomic(outputs["csv"], frame.to_csv(index=False, float_format="%.6g").encode())
    write_atomic(outputs["md"], "\n".join([f"### {title}", "", *markdown_table(columns, rows), "", note, ""]).encode())
    latex = latex_note if latex_note is not None else latex_escape(note)
    write_atomic(outputs["tex"], "\n".join(latex_table(columns, rows, title, label=label,
                                                        note=f"\\footnotesize{{{latex}}}")).encode())
    write_atomic(outputs["html"], html_page(title, html_table(columns, rows, caption=title, note=note)).encode())


# Documents: the Experiments section and its appendix, a list of blocks.
SECTIONS = ("Experiments", "Conclusion", "Appendix")  # top-level headings; the others are subsections


@dataclasses.dataclass
class Block:
    kind: str  # heading, paragraph, table, figure
    text: str = ""  # a heading or paragraph; a table's or figure's caption
    name: str = ""  # a table's or figure's name (its label)
    columns: list[str] = dataclasses.field(default_factory=list)
    rows: list[tuple[str, ...]] = dataclasses.field(default_factory=list)
    note: str = ""  # below a table


def to_markdown(blocks: list[Block]) -> str:
    lines = []
    for number, block in _numbered(blocks):
        if block.kind == "heading":
            lines += [f"## {block.text}" if block.text in SECTIONS else f"### {block.text}", ""]
        elif block.kind == "paragraph":
            lines += [block.text, ""]
        elif block.kind == "table":
            lines += [f"**Table {number}: {block.text}**", "", *markdown_table(block.columns, block.rows), ""]
            lines += [block.note, ""] if block.note else []
        elif block.kind == "figure":
            lines += [f"![{block.name}](../figures/{block.name}.png)", "", f"*Figure {block.name}.* {block.text}", ""]
    return "\n".join(lines)


def to_latex(blocks: list[Block]) -> str:
    """LaTeX for a document with the graphicx package, compiled from results/report/."""
    lines = []
    for _, block in _numbered(blocks):
        if block.kind == "heading":
            command = "section" if block.text in SECTIONS else "subsection"
            lines += [f"\\{command}{{{latex_escape(block.text)}}}", ""]
        elif block.kind == "paragraph":
            lines += [latex_escape(block.text), ""]
        elif block.kind == "table":
            note = f"\\footnotesize{{{latex_escape(block.note)}}}" if block.note else None
            lines += latex_table(block.columns, block.rows, block.text, size=r"\scriptsize",
                                         label=f"tab:{block.name}", note=note)
        elif block.kind == "figure":
            lines += [r"\begin{figure}[t]", r"\centering",
                      f"\\includegraphics[width=\\linewidth]{{../figures/{block.name}.pdf}}",
                      f"\\caption{{{latex_escape(block.text)}}}", f"\\label{{fig:{block.name}}}",
                      r"\end{figure}", ""]
    return "\n".join(lines)


def to_html(blocks: list[Block], title: str, images: dict[str, bytes]) -> str:
    """The blocks as one self-contained web page, its figures (PNG bytes by name) embedded, so that
    it reads the same from the file and inside the HTML report."""
    lines = []
    for number, block in _numbered(blocks):
        if block.kind == "heading":
            tag = "h1" if block.text in SECTIONS else "h2"
            lines.append(f"<{tag}>{escape(block.text)}</{tag}>")
        elif block.kind == "paragraph":
            lines.append(f"<p>{escape(block.text)}</p>")
        elif block.kind == "table":
            lines += html_table(block.columns, block.rows, caption=f"Table {number}: {block.text}",
                                        note=block.note or None)
        elif block.kind == "figure":
            source = "data:image/png;base64," + base64.b64encode(images[block.name]).decode()
            lines += ["<figure>", f'<img src="{source}" alt="{block.name}">',
                      f"<figcaption><i>Figure {block.name}.</i> {escape(block.text)}</figcaption>", "</figure>"]
    return html_page(title, lines)


def _numbered(blocks: list[Block]):
    """Each block with its table number (1, 2, ... in order; 0 for other blocks)."""
    number = 0
    for block in blocks:
        if block.kind == "table":
            number += 1
        yield (number if block.kind == "table" else 0), block


def write_document(blocks: list[Block], title: str, outputs: dict, images: dict[str, bytes]) -> None:
    """A document's blocks as Markdown, LaTeX and one self-contained HTML page (outputs md, tex, html)."""
    write_atomic(outputs["md"], to_markdown(blocks).encode())
    write_atomic(outputs["tex"], to_latex(blocks).encode())
    write_atomic(outputs["html"], to_html(blocks, title, images).encode())
