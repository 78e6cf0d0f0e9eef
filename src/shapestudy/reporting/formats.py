"""Tables as Markdown, LaTeX and HTML text: the one renderer of the study's tables and report."""

from __future__ import annotations

import base64
import dataclasses
import re
from html import escape

import pandas as pd

from shapestudy.files import write_atomic

# Characters special to LaTeX, and the non-ASCII symbols the study's text uses, as LaTeX.
_LATEX = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
    "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "±": r"$\pm$", "β": r"$\beta$",
    "σ": r"$\sigma$", "≥": r"$\geq$", "≤": r"$\leq$", "²": r"$^2$", "–": "--", "×": r"$\times$", "†": r"\dag{}",
    "μ": r"$\mu$", "γ": r"$\gamma$", "λ": r"$\lambda$", "“": "``", "”": "''", "½": r"$\frac{1}{2}$", "ε": r"$\varepsilon$",
}


def latex_escape(text: str) -> str:
    return "".join(_LATEX.get(character, character) for character in str(text))


def markdown_table(columns, rows) -> list[str]:
    """Lines of a Markdown table of string cells."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


# The LaTeX packages every table and report file needs: graphicx (figures), longtable (tables that
# run over pages), array (wrapped text columns) and lscape (landscape pages for the widest long
# tables). The layout is the report's own format, an IEEE conference paper (IEEEtran): two columns
# of COLUMN_PT, a page of PAGE_PT by PAGE_HEIGHT_PT.
LATEX_PACKAGES = ("graphicx", "longtable", "array", "lscape")
COLUMN_PT, PAGE_PT, PAGE_HEIGHT_PT = 252.0, 516.0, 672.0
# The width of a digit (half an em) at each size: text averages 0.42 em, digits and signs are wider.
CHARACTER_PT = {r"\scriptsize": 3.5, r"\footnotesize": 4.0, r"\small": 4.5}
GAP_PT = 12.0  # 2 \tabcolsep around every column
WRAP_CHARACTERS = 16  # a column whose cells are longer than this may wrap
MIN_WRAP_CHARACTERS, MIN_WRAP_PT = 6, 20.0  # failing that, any longer column wraps, to no less than this
LONG_ROWS = 40  # more rows than this: a longtable on one-column pages instead of a float


def _columns(columns, rows, size: str, room: float) -> tuple[list[str], float, bool]:
    """Column specifications for `room` points, the natural width, and whether they fit:
    left-aligned columns where they fit; else the longest text columns wrapped to share what the
    others leave; else every column but the shortest wrapped. A wrapped column is never narrower
    than its longest word."""
    cells = [columns, *rows]
    lengths = [max(len(str(row[i])) for row in cells) for i in range(len(columns))]
    words = [max(len(word) for row in cells for word in str(row[i]).replace("_", " ").split() or [""])
             for i in range(len(columns))]
    natural = [length * CHARACTER_PT[size] + GAP_PT for length in lengths]
    least = [max(n * CHARACTER_PT[size], MIN_WRAP_PT) + GAP_PT for n in words]
    specs = ["l"] * len(columns)
    if sum(natural) <= room:
        return specs, sum(natural), True
    for shortest in (WRAP_CHARACTERS, MIN_WRAP_CHARACTERS):
        widths = _shares(natural, least, room, [i for i, n in enumerate(lengths) if n > shortest])
        if widths:
            for i, width in widths.items():
                specs[i] = f">{{\\raggedright\\arraybackslash}}p{{{width - GAP_PT:.0f}pt}}"
            return specs, sum(natural), True
    return specs, sum(natural), False


def _shares(natural, least, room: float, wrapped: list[int]) -> dict[int, float]:
    """Widths (with their gaps) of the wrapped columns that make the table `room` wide, by
    water-filling: a common cap for all, a column that needs less keeps its natural width (and is
    left out), one whose longest word needs more gets that; {} if even that does not fit."""
    at_least = {}
    while True:
        left = room - sum(natural[i] for i in range(len(natural)) if i not in wrapped) - sum(at_least.values())
        waiting = sorted((i for i in wrapped if i not in at_least), key=lambda i: natural[i])
        while waiting and natural[waiting[0]] <= left / len(waiting):
            left -= natural[waiting.pop(0)]
        if not waiting:
            return at_least if at_least and left >= 0 else {}
        cap = left / len(waiting)
        short = [i for i in waiting if least[i] > cap]
        if not short:
            return {**at_least, **{i: cap for i in waiting}}
        at_least.update({i: least[i] for i in short})


def latex_table(columns, rows, caption: str, size: str = r"\footnotesize", label: str | None = None,
                note: str | None = None, keys: int = 1) -> list[str]:
    """Lines of a LaTeX table of string cells (LATEX_PACKAGES); caption and cells are escaped,
    `note` (set below the table) is LaTeX already. A table that fits a column is a float in it, a
    wider one spans both columns (table*), its longest text columns wrapped if it is wider still; a
    table of more than LONG_ROWS rows, or one too wide for a page, breaks over one-column pages
    (longtable, its header repeated; landscape when wider than the page). One too wide even for a
    landscape page is set in parts, each with the first `keys` columns (the row's identity)."""
    rows = [tuple(row) for row in rows]
    parts = _parts(columns, rows, size, keys)
    if len(parts) > 1:
        lines = []
        for i, part in enumerate(parts):
            title = f"{caption} (part {i + 1} of {len(parts)})"
            lines += _table([columns[c] for c in part], [tuple(row[c] for c in part) for row in rows], title, size,
                            label if i == 0 else None, note if i == len(parts) - 1 else None)
        return lines
    return _table(columns, rows, caption, size, label, note)


def _parts(columns, rows, size: str, keys: int) -> list[list[int]]:
    """The columns in groups that each fit a landscape page, the first `keys` in every group."""
    parts, part = [], list(range(min(keys, len(columns))))
    for c in range(len(part), len(columns)):
        tried = [*part, c]
        if len(tried) > keys + 1 and not _columns([columns[i] for i in tried], [[r[i] for i in tried] for r in rows],
                                                  size, PAGE_HEIGHT_PT)[2]:
            parts.append(part)
            tried = [*range(min(keys, len(columns))), c]
        part = tried
    return [*parts, part]


def _cell(text) -> str:
    """A cell escaped, a line break allowed after each underscore (long score names)."""
    return latex_escape(text).replace(r"\_", r"\_\allowbreak{}")


def _table(columns, rows, caption: str, size: str, label: str | None, note: str | None) -> list[str]:
    header = " & ".join(_cell(c) for c in columns) + r" \\"
    body = [" & ".join(_cell(v) for v in row) + r" \\" for row in rows]
    caption_line = f"\\caption{{{latex_escape(caption)}}}" + (f"\\label{{{label}}}" if label else "")
    specs, natural, fits = _columns(columns, rows, size, PAGE_PT)
    if len(rows) > LONG_ROWS or not fits:
        if not fits:  # a landscape page, its height the table's width
            specs, _, _ = _columns(columns, rows, size, PAGE_HEIGHT_PT)
        # The caption and label on the first page only; the header row on every page.
        lines = [r"\onecolumn", *([] if fits else [r"\begin{landscape}"]), f"{{{size}",
                 f"\\begin{{longtable}}{{{''.join(specs)}}}", caption_line + r" \\", r"\hline", header, r"\hline",
                 r"\endfirsthead", r"\hline", header, r"\hline", r"\endhead", *body, r"\hline", r"\end{longtable}"]
        return lines + ([note] if note else []) + ["}", *([] if fits else [r"\end{landscape}"]), r"\twocolumn", ""]
    environment = "table" if natural <= COLUMN_PT else "table*"  # fits a column: all left-aligned already
    lines = [f"\\begin{{{environment}}}[t]", r"\centering", size, caption_line,
             f"\\begin{{tabular}}{{{''.join(specs)}}}", r"\hline", header, r"\hline", *body, r"\hline", r"\end{tabular}"]
    if note:
        lines += ["", note]
    return lines + [f"\\end{{{environment}}}", ""]


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


def write_table(outputs: dict, frame: pd.DataFrame, title: str, columns, rows, note: str,
                label: str | None = None) -> None:
    """A table in its four files: `frame` in full as CSV (for machines), and the string cells as
    Markdown, LaTeX and an HTML page, each with its title and the note below."""
    rows = [tuple(row) for row in rows]
    write_atomic(outputs["csv"], frame.to_csv(index=False, float_format="%.6g").encode())
    write_atomic(outputs["md"], "\n".join([f"### {title}", "", *markdown_table(columns, rows), "", note, ""]).encode())
    write_atomic(outputs["tex"], "\n".join(latex_table(columns, rows, title, label=label,
                                                        note=f"\\footnotesize{{{latex_escape(note)}}}")).encode())
    write_atomic(outputs["html"], html_page(title, html_table(columns, rows, caption=title, note=note)).encode())


# Documents: the Experiments section and its appendix, a list of blocks.
SECTIONS = ("Experiments", "Conclusion", "Appendix")  # top-level headings; the others are subsections
# Sections that start a fresh page in LaTeX, so that the figures of the section before it are set
# first instead of floating in among its tables.
FRESH_PAGE = ("Appendix",)


@dataclasses.dataclass
class Block:
    kind: str  # heading, paragraph, table, figure
    text: str = ""  # a heading or paragraph; a table's or figure's caption
    name: str = ""  # a table's or figure's name (its label)
    columns: list[str] = dataclasses.field(default_factory=list)
    rows: list[tuple[str, ...]] = dataclasses.field(default_factory=list)
    note: str = ""  # below a table


# A paragraph refers to a table or figure of its document as {table:name} or {figure:name}:
# "Table 2" in Markdown and HTML, "Table~\\ref{tab:name}" in LaTeX.
REFERENCE = re.compile(r"\{(table|figure):(\w+)\}")


def _numbers(blocks: list[Block]) -> dict[tuple[str, str], int]:
    """(kind, name) -> its number in the document: tables and figures counted apart, in order."""
    found, counts = {}, {"table": 0, "figure": 0}
    for block in blocks:
        if block.kind in counts:
            counts[block.kind] += 1
            found[block.kind, block.name] = counts[block.kind]
    return found


def _refer(text: str, numbers: dict, latex_prefix: str | None = None) -> str:
    """A paragraph with its references resolved: numbered ("Figure 2"), or LaTeX \\ref with
    the document's label prefix (the rest of the text escaped)."""
    parts, last = [], 0
    for match in REFERENCE.finditer(text):
        plain = text[last:match.start()]
        parts.append(latex_escape(plain) if latex_prefix is not None else plain)
        kind, name = match.groups()
        word = kind.capitalize()
        if latex_prefix is not None and (kind, name) in numbers:
            parts.append(f"{word}~\\ref{{{kind[:3]}:{latex_prefix}{name}}}")
        else:
            parts.append(f"{word} {numbers.get((kind, name), name)}")
        last = match.end()
    tail = text[last:]
    parts.append(latex_escape(tail) if latex_prefix is not None else tail)
    return "".join(parts)


def to_markdown(blocks: list[Block]) -> str:
    numbers = _numbers(blocks)
    lines = []
    for block in blocks:
        number = numbers.get((block.kind, block.name))
        if block.kind == "heading":
            lines += [f"## {block.text}" if block.text in SECTIONS else f"### {block.text}", ""]
        elif block.kind == "paragraph":
            lines += [_refer(block.text, numbers), ""]
        elif block.kind == "table":
            lines += [f"**Table {number}: {block.text}**", "", *markdown_table(block.columns, block.rows), ""]
            lines += [block.note, ""] if block.note else []
        elif block.kind == "figure":
            lines += [f"![{block.name}](../figures/{block.name}.png)", "", f"*Figure {number}.* {block.text}", ""]
    return "\n".join(lines)


def to_latex(blocks: list[Block], label_prefix: str = "") -> str:
    """LaTeX for the report's document class (IEEEtran, two columns; LATEX_PACKAGES), compiled
    from results/report/. Labels are tab:{prefix}{name} and fig:{prefix}{name}: a prefix per
    document keeps them unique where the Experiments and the appendix are set together."""
    numbers = _numbers(blocks)
    lines = []
    for block in blocks:
        if block.kind == "heading":
            command = "section" if block.text in SECTIONS else "subsection"
            lines += [r"\clearpage"] if block.text in FRESH_PAGE else []
            lines += [f"\\{command}{{{latex_escape(block.text)}}}", ""]
        elif block.kind == "paragraph":
            lines += [_refer(block.text, numbers, label_prefix), ""]
        elif block.kind == "table":
            note = f"\\scriptsize{{{latex_escape(block.note)}}}" if block.note else None
            lines += latex_table(block.columns, block.rows, block.text, size=r"\scriptsize",
                                 label=f"tab:{label_prefix}{block.name}", note=note)
        elif block.kind == "figure":
            lines += [r"\begin{figure*}[t]", r"\centering",
                      f"\\includegraphics[width=\\textwidth]{{../figures/{block.name}.pdf}}",
                      f"\\caption{{{latex_escape(block.text)}}}", f"\\label{{fig:{label_prefix}{block.name}}}",
                      r"\end{figure*}", ""]
    return "\n".join(lines)


def to_html(blocks: list[Block], title: str, images: dict[str, bytes]) -> str:
    """The blocks as one self-contained web page, its figures (PNG bytes by name) embedded, so that
    it reads the same from the file and inside the HTML report."""
    numbers = _numbers(blocks)
    lines = []
    for block in blocks:
        number = numbers.get((block.kind, block.name))
        if block.kind == "heading":
            tag = "h1" if block.text in SECTIONS else "h2"
            lines.append(f"<{tag}>{escape(block.text)}</{tag}>")
        elif block.kind == "paragraph":
            lines.append(f"<p>{escape(_refer(block.text, numbers))}</p>")
        elif block.kind == "table":
            lines += html_table(block.columns, block.rows, caption=f"Table {number}: {block.text}",
                                note=block.note or None)
        elif block.kind == "figure":
            source = "data:image/png;base64," + base64.b64encode(images[block.name]).decode()
            lines += ["<figure>", f'<img src="{source}" alt="{block.name}">',
                      f"<figcaption><i>Figure {number}.</i> {escape(block.text)}</figcaption>", "</figure>"]
    return html_page(title, lines)


def write_document(blocks: list[Block], title: str, outputs: dict, images: dict[str, bytes],
                   label_prefix: str = "") -> None:
    """A document's blocks as Markdown, LaTeX and one self-contained HTML page (outputs md, tex, html)."""
    write_atomic(outputs["md"], to_markdown(blocks).encode())
    write_atomic(outputs["tex"], to_latex(blocks, label_prefix).encode())
    write_atomic(outputs["html"], to_html(blocks, title, images).encode())
