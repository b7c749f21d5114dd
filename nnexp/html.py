"""report.md as one page a browser opens from disk: report.html, the same text with its pictures
inside (base64 `data:` URIs), its tables as HTML tables, and no network or JavaScript; and
index.html, a page linking every sweep and run below a folder such as `outputs/`.

Only the markdown nnexp writes is read: `#`/`##`/`###` headings, paragraphs, `- ` lists (an
indented line continues its item), pipe tables (a `\\|` is a `|` inside its cell), pictures
`![alt](name.png)` of the same folder on a line of its own, `**bold**` and `` `code` ``. Every piece of text
is escaped, so a config called `<b>` is shown as typed.
"""

from __future__ import annotations

import base64
import os
import re
from html import escape
from pathlib import Path
from urllib.parse import quote, unquote

from nnexp.collect import read_sweep, run_folders
from nnexp.files import Unreadable, read_table
from nnexp.results import atomic_path

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       max-width: 62rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; line-height: 1.5; color: #222; }
h1, h2, h3 { line-height: 1.25; margin: 1.6em 0 0.5em; }
h1 { margin-top: 0.5em; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.9em; background: #f3f3f3;
       padding: 0.1em 0.3em; border-radius: 3px; overflow-wrap: anywhere; }
.table { overflow-x: auto; margin: 0.8em 0; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #e9edf2; vertical-align: bottom; }
tbody tr:nth-child(even) { background: #f6f7f9; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
img { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
.missing { color: #a40000; border: 1px dashed #a40000; padding: 0.3em 0.6em; display: inline-block; }
"""

# `code` and **bold**: the first that starts leftmost wins; text between is escaped. Links and
# inline pictures are not read: nnexp writes none (its pictures stand on lines of their own), and
# a data.name such as `[click](//example.org)` must show as typed, never become a link.
_INLINE = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*")
_ITEM = re.compile(r"- |\d+\. ")  # a list item: `- ` or `1. `
_HEADING = re.compile(r"(#{1,3}) +(.*)")
_PICTURE = re.compile(r"!\[(.*)\]\(([^()]+)\)")
_NUMBER = re.compile(r"[-+]?(\d[\d,]*\.?\d*|\.\d+)([eE][-+]?\d+)?%?|nan|[-+]?inf")
_PNG = b"\x89PNG\r\n\x1a\n"


def page(markdown: str, folder: Path, title: str) -> str:
    """The HTML page of `markdown`, its pictures read from `folder` and embedded."""
    lines, blocks, i = markdown.splitlines(), [], 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif heading := _HEADING.fullmatch(line):
            level = len(heading[1])
            blocks.append(f"<h{level}>{_inline(heading[2], folder)}</h{level}>")
            i += 1
        elif picture := _PICTURE.fullmatch(line.strip()):  # its own line; the alt text may hold `]`
            blocks.append(f"<p>{_image(picture[1], picture[2].strip(), folder)}</p>")
            i += 1
        elif line.startswith("|"):
            rows, i = _take(lines, i, lambda text: text.startswith("|"))
            blocks.append(_markdown_table(rows))
        elif _ITEM.match(line):
            items, i = _take(lines, i, lambda text: bool(_ITEM.match(text) or text.startswith("  "))
                             and bool(text.strip()))
            blocks.append(_list(items, folder))
        else:
            text, i = _take(lines, i, lambda text: bool(text.strip()) and not _starts_block(text))
            # nnexp writes a statement a line (`Read from: ...`, `Runs: ...`): keep its lines apart.
            blocks.append("<p>" + "<br>\n".join(_inline(part, folder) for part in text) + "</p>")
    return _document(title, "\n".join(blocks))


def write_html(markdown: str, folder: Path, title: str = "nnexp report") -> Path:
    """Write `page(markdown, folder, title)` to `folder/report.html`, atomically; return its path."""
    path = Path(folder) / "report.html"
    with atomic_path(path) as temporary:
        temporary.write_text(page(markdown, Path(folder), title), encoding="utf-8")
    return path


def write_index(paths: list[Path], folder: Path) -> Path | None:
    """Write `folder/index.html`, linking every sweep and every run outside a sweep below `paths`,
    when the first path is a folder above them (`outputs/`); None, writing nothing, when it is
    itself a run folder (`.hydra/config.yaml`) or a sweep folder (`multirun.yaml`)."""
    first, folder = Path(paths[0]), Path(folder)
    if not first.is_dir() or (first / ".hydra" / "config.yaml").is_file() or (first / "multirun.yaml").is_file():
        return None
    sweeps = list(dict.fromkeys(file.parent.resolve() for path in paths for file in Path(path).rglob("multirun.yaml")))
    sweeps.sort(key=_natural)
    runs = list(dict.fromkeys(run.resolve() for path in paths for run in run_folders(Path(path))))
    single = [run for run in runs if not any(sweep in run.parents for sweep in sweeps)]

    def link(target: Path, text: str) -> str:
        # Both resolved: a folder reached through a symlink (/tmp on macOS) still gets a short path.
        href = Path(os.path.relpath(target.resolve(), folder.resolve())).as_posix() + "/" * target.is_dir()
        return f'<a href="{escape(quote(href))}">{escape(text)}</a>'

    def name(target: Path) -> str:
        return os.path.relpath(target, first.resolve())

    rows = []
    for sweep in sweeps:
        read = read_sweep(sweep)
        command = f"<code>{escape(read.command)}</code>" if read.command else escape(read.error or "no command")
        report = next((sweep / file for file in ("report.html", "report.md") if (sweep / file).is_file()), None)
        rows.append([link(sweep, name(sweep)), command, str(len(run_folders(sweep))),
                     link(report, report.name) if report else link(sweep, "none yet: its folder")])
    body = [f"<h1>nnexp runs in {escape(str(first))}</h1>"]
    pooled = next((folder / file for file in ("report.html", "report.md") if (folder / file).is_file()), None)
    if pooled:
        body.append(f"<p>Every run below, compared in one report: {link(pooled, pooled.name)}</p>")
    body.append(f"<h2>Sweeps ({len(sweeps)})</h2>")
    body.append(_table(["sweep", "command", "runs", "report"], rows, [False, False, True, False])
                if rows else "<p>None.</p>")
    rows = []
    for run in single:
        model, data, seeds = _results(run / "results.csv")
        curve = run / "error_curve.png"
        rows.append([link(run, name(run)), model, data, seeds, link(curve, curve.name) if curve.is_file() else ""])
    body.append(f"<h2>Runs outside a sweep ({len(single)})</h2>")
    body.append(_table(["run", "model", "data", "seeds", "error curve"], rows, [False, False, False, True, False])
                if rows else "<p>None.</p>")
    path = folder / "index.html"
    with atomic_path(path) as temporary:
        temporary.write_text(_document(f"nnexp runs in {first}", "\n".join(body)), encoding="utf-8")
    return path


def _results(file: Path) -> tuple[str, str, str]:
    """A run's results.csv as (model, data, number of seeds), escaped; what is wrong with it instead."""
    try:
        table = read_table(file, ["model", "data", "seed"])
    except Unreadable as error:
        if not file.exists():
            return "no results.csv (failed, or not finished)", "", ""
        return escape(f"unreadable ({error})"), "", ""
    except Exception as error:  # anything else a corrupt file provokes: the index must still be written
        return escape(f"unreadable ({type(error).__name__})"), "", ""
    return (escape(", ".join(sorted(set(table["model"].astype(str))))),
            escape(", ".join(sorted(set(table["data"].astype(str))))), str(table["seed"].nunique()))


def _take(lines: list[str], i: int, belongs) -> tuple[list[str], int]:
    """The lines from `i` on for which `belongs` holds (at least line `i`), and the index after them."""
    end = i + 1
    while end < len(lines) and belongs(lines[end]):
        end += 1
    return lines[i:end], end


def _starts_block(line: str) -> bool:
    return line.startswith("|") or bool(_ITEM.match(line) or _HEADING.fullmatch(line))


def _list(lines: list[str], folder: Path) -> str:
    """`- ` items, or numbered ones (`1. `), as the first item is; an indented line continues the
    item above it, on a line of its own."""
    items: list[list[str]] = []
    for line in lines:
        if item := _ITEM.match(line):
            items.append([line[item.end():]])
        else:
            items[-1].append(line.strip())
    tag = "ol" if lines[0][0].isdigit() else "ul"
    return f"<{tag}>\n" + "\n".join("<li>" + "<br>".join(_inline(part, folder) for part in item) + "</li>"
                                    for item in items) + f"\n</{tag}>"


def _cells(row: str) -> list[str]:
    """A pipe table's row as its cells' text: `| a \\| b | c |` is `a | b` and `c`."""
    cells = re.split(r"(?<!\\)\|", row.strip())
    if cells and not cells[0].strip():
        cells = cells[1:]
    if cells and not cells[-1].strip():
        cells = cells[:-1]
    return [cell.strip().replace("\\|", "|") for cell in cells]


def _markdown_table(rows: list[str]) -> str:
    rows = rows[:1] + rows[2:] if len(rows) > 1 and re.fullmatch(r"[|\s:-]+", rows[1]) else rows
    header, body = _cells(rows[0]), [_cells(row) for row in rows[1:]]
    body = [row + [""] * (len(header) - len(row)) for row in body]
    numeric = [all(_NUMBER.fullmatch(row[j]) for row in body if j < len(row) and row[j]) and
               any(j < len(row) and row[j] for row in body) for j in range(len(header))]
    # A long column name may break after an underscore (final_error_/mean): more columns fit the page.
    header = [escape(cell).replace("_", "_<wbr>") for cell in header]
    return _table(header, [[escape(cell) for cell in row] for row in body], numeric)


def _table(header: list[str], rows: list[list[str]], numeric: list[bool]) -> str:
    """An HTML table of cells already HTML, in a box of its own that scrolls when too wide;
    `numeric` columns are right-aligned."""
    def cell(tag: str, j: int, text: str) -> str:
        return f'<{tag} class="num">{text}</{tag}>' if j < len(numeric) and numeric[j] else f"<{tag}>{text}</{tag}>"

    head = "<tr>" + "".join(cell("th", j, text) for j, text in enumerate(header)) + "</tr>"
    body = "\n".join("<tr>" + "".join(cell("td", j, text) for j, text in enumerate(row)) + "</tr>" for row in rows)
    return f'<div class="table"><table>\n<thead>{head}</thead>\n<tbody>\n{body}\n</tbody>\n</table></div>'


def _inline(text: str, folder: Path) -> str:
    """A line's text as HTML: `code` and **bold**; everything else escaped."""
    out, position = [], 0
    for match in _INLINE.finditer(text):
        out.append(escape(text[position:match.start()]))
        code, bold = match.groups()
        out.append(f"<code>{escape(code)}</code>" if code is not None else f"<strong>{_inline(bold, folder)}</strong>")
        position = match.end()
    return "".join(out) + escape(text[position:])


def _image(alt: str, name: str, folder: Path) -> str:
    """The picture `folder/name` as an <img> with its bytes inside; a visible note if it is
    missing, unreadable or not a PNG."""
    file = folder / name if (folder / name).is_file() else folder / unquote(name)
    try:
        data = file.read_bytes()
    except OSError:
        return f'<span class="missing">picture missing: {escape(name)}</span>'
    if not data.startswith(_PNG):
        return f'<span class="missing">picture missing: {escape(name)} (not a PNG)</span>'
    return f'<img src="data:image/png;base64,{base64.b64encode(data).decode("ascii")}" alt="{escape(alt)}">'


def _natural(path: Path) -> list:
    """Natural order, as nnexp.collect.run_folders sorts: `job 2` before `job 10`."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.as_posix())]


def _document(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")
