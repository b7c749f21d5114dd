"""report.html and index.html (nnexp.html): markdown as nnexp writes it, read back with the
standard library's HTML parser, on folders built by hand: no training, no subprocess."""

from __future__ import annotations

import base64
import struct
import zlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

from nnexp.html import page, write_html, write_index


def png(width: int = 1, height: int = 1) -> bytes:
    """A valid grey PNG, written by hand (no matplotlib to import)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


class Parsed(HTMLParser):
    """What a page shows: its tags with their attributes, its text, and its tables' rows of cells."""

    def __init__(self, text: str):
        super().__init__()
        self.tags, self.text, self.tables, self._cell = [], [], [], None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def all(self, tag: str) -> list[dict]:
        return [attrs for name, attrs in self.tags if name == tag]


REPORT = """# nnexp report

Sweep: `python -m nnexp.run -m model=perceptron,two_layer`

Read from: outputs
Runs: 2 finished, 0 failed.

## At a glance

- **perceptron**: learned at 0 of 5 seeds
- **two_layer**: learned at 5 of 5 seeds
  rerun just it: `python -m nnexp.run model=two_layer`

### Comparison

| model | hidden | final_error_mean |
|---|---|---|
| perceptron | [] | 0.5 |
| two_layer | [4] | 0.002939 |

![error curves](error_curves.png)
"""


def test_headings_paragraphs_lists_and_tables_become_html(tmp_path):
    (tmp_path / "error_curves.png").write_bytes(png())
    html = page(REPORT, tmp_path, "my sweep")
    parsed = Parsed(html)
    names = [name for name, _ in parsed.tags]
    assert '<meta charset="utf-8">' in html and "<title>my sweep</title>" in html
    assert "<h1>nnexp report</h1>" in html and "<h2>At a glance</h2>" in html and "<h3>Comparison</h3>" in html
    assert names.count("li") == 2 and "<strong>perceptron</strong>" in html
    assert "<code>python -m nnexp.run model=two_layer</code>" in html  # the indented line stays in its item
    assert parsed.tables == [[["model", "hidden", "final_error_mean"], ["perceptron", "[]", "0.5"],
                              ["two_layer", "[4]", "0.002939"]]]
    assert '<td class="num">0.002939</td>' in html and "<td>[4]</td>" in html  # numbers right-aligned
    assert 'class="table"' in html and "overflow-x: auto" in html  # a wide table scrolls in its own box
    assert "Read from: outputs<br>" in html  # a statement a line, not run together
    assert "<script" not in html and "http" not in html  # nothing to run, nothing to fetch


def test_a_picture_is_embedded_as_a_data_uri_of_the_files_bytes(tmp_path):
    picture = png(3, 2)
    (tmp_path / "error_curves.png").write_bytes(picture)
    [image] = Parsed(page(REPORT, tmp_path, "report")).all("img")
    prefix = "data:image/png;base64,"
    assert image["src"].startswith(prefix) and image["alt"] == "error curves"
    assert base64.b64decode(image["src"][len(prefix):]) == picture


def test_a_missing_or_broken_picture_is_noted_and_the_page_still_written(tmp_path):
    (tmp_path / "broken.png").write_bytes(b"not a png")
    path = write_html("# r\n\n![a](gone.png)\n\n![b](broken.png)\n\nafter\n", tmp_path)
    html = path.read_text(encoding="utf-8")
    assert path == tmp_path / "report.html" and not Parsed(html).all("img")
    assert "picture missing: gone.png" in html and "picture missing: broken.png" in html
    assert "<p>after</p>" in html and html.rstrip().endswith("</html>")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.png", "report.html"]  # no temporary left


def test_text_is_shown_as_typed_never_interpreted(tmp_path):
    name = "<script>alert('x')</script> & \"co\""
    markdown = (f"# {name}\n\n- **{name}**: `{name}`\n\n| model |\n|---|\n| {name} |\n\n{name}\n\n"
                f"[click](javascript:alert(1))\n\n![{name}](gone.png)\n")
    html = page(markdown, tmp_path, name)
    parsed = Parsed(html)
    assert "<script" not in html and "javascript:" not in "".join(a.get("href", "") for a in parsed.all("a"))
    assert not parsed.all("script")
    shown = "".join(parsed.text)
    assert shown.count(name) == 6  # title, heading, bold, code, cell, paragraph
    assert parsed.tables == [[["model"], [name]]]
    assert "&lt;script&gt;" in html and "&amp;" in html and "&quot;co&quot;" in html


def test_a_name_written_like_a_link_is_shown_as_typed_not_linked(tmp_path):
    # data.name='[click](//example.org/a)': a name in the report's text, never a link to follow.
    html = page("- **[click](//example.org/a)**: learned\n", tmp_path, "report")
    assert not Parsed(html).all("a") and "[click](//example.org/a)" in "".join(Parsed(html).text)


def test_an_escaped_pipe_stays_in_its_cell(tmp_path):
    markdown = "| config | n_seeds |\n|---|---|\n| a \\| b | 5 |\n| c | 6 |\n"
    assert Parsed(page(markdown, tmp_path, "r")).tables == [[["config", "n_seeds"], ["a | b", "5"], ["c", "6"]]]


def run_folder(folder: Path, results: str | None = "model,data,seed\nperceptron,xor,0\nperceptron,xor,1\n",
               curve: bool = True) -> Path:
    """A run folder as nnexp leaves it, as far as the index looks: .hydra/config.yaml, results.csv."""
    (folder / ".hydra").mkdir(parents=True)
    (folder / ".hydra" / "config.yaml").write_text("seed: 0\n")
    if results is not None:
        (folder / "results.csv").write_text(results)
    if curve:
        (folder / "error_curve.png").write_bytes(png())
    return folder


def sweep_folder(folder: Path, n_jobs: int, report: str | None = "report.html") -> Path:
    folder.mkdir(parents=True)
    (folder / "multirun.yaml").write_text(
        "hydra:\n  overrides:\n    task: ['model=perceptron,two_layer', data=xor]\n    hydra: []\n")
    for job in range(n_jobs):
        run_folder(folder / str(job))
    if report:
        (folder / report).write_text("report")
    return folder


def outputs(tmp_path: Path) -> Path:
    """outputs/ with two sweeps (one without a report yet) and three single runs, names with a
    space and a `#` among them."""
    root = tmp_path / "outputs"
    sweep_folder(root / "multirun" / "sweep #10", 2)
    sweep_folder(root / "multirun" / "sweep #2", 3, report=None)
    run_folder(root / "single run 10")
    run_folder(root / "single run 2", "model,data,seed\n" + "two_layer,and,0\ntwo_layer,and,1\ntwo_layer,and,2\n",
               curve=False)
    run_folder(root / "nested" / "run 1", results=None)
    (root / "report.html").write_text("pooled")
    return root


def test_the_index_links_every_sweep_and_every_run_outside_a_sweep(tmp_path):
    root = outputs(tmp_path)
    path = write_index([root], root)
    parsed = Parsed(path.read_text(encoding="utf-8"))
    hrefs = [a["href"] for a in parsed.all("a")]
    assert all((root / unquote(href)).exists() for href in hrefs), hrefs
    targets = [(root / unquote(href)).resolve() for href in hrefs]
    for expected in ["report.html", "multirun/sweep #2", "multirun/sweep #10/report.html", "single run 2",
                     "single run 10/error_curve.png", "nested/run 1"]:
        assert (root / expected).resolve() in targets, expected
    assert not any(target.parent.parent.name.startswith("sweep") for target in targets)  # a sweep's jobs: counted
    sweeps, runs = parsed.tables
    assert [row[0] for row in sweeps[1:]] == ["multirun/sweep #2", "multirun/sweep #10"]  # natural order
    assert sweeps[1][1] == "python -m nnexp.run -m model=perceptron,two_layer data=xor" and sweeps[1][2] == "3"
    assert [row[:4] for row in runs[1:]] == [["nested/run 1", "no results.csv (failed, or not finished)", "", ""],
                                             ["single run 2", "two_layer", "and", "3"],
                                             ["single run 10", "perceptron", "xor", "2"]]


def test_the_index_links_work_from_another_folder(tmp_path):
    root = outputs(tmp_path)
    out = tmp_path / "elsewhere" / "pooled"
    out.mkdir(parents=True)
    hrefs = [a["href"] for a in Parsed(write_index([root], out).read_text(encoding="utf-8")).all("a")]
    assert hrefs and all((out / unquote(href)).exists() for href in hrefs), hrefs


def test_no_index_for_a_sweep_folder_or_a_run_folder(tmp_path):
    sweep = sweep_folder(tmp_path / "sweep", 2)
    run = run_folder(tmp_path / "run")
    assert write_index([sweep], sweep) is None and write_index([run], run) is None
    assert not list(tmp_path.rglob("index.html"))


def test_a_corrupt_results_csv_does_not_crash_the_index(tmp_path):
    root = tmp_path / "outputs"
    run_folder(root / "a", results='model,data\n"unterminated\n')
    run_folder(root / "b", results="\0\0\0binary")
    run_folder(root / "c", results="model,data,seed\n")  # cut short: header only
    (root / "d").mkdir()
    run_folder(root / "d" / "e")
    (root / "d" / "e" / "results.csv").unlink()
    (root / "d" / "e" / "results.csv").mkdir()  # not even a file
    (root / "sweep").mkdir()
    (root / "sweep" / "multirun.yaml").write_text("hydra: {overrides: [\n")
    [[_, sweep], [_, *rows]] = Parsed(write_index([root], root).read_text(encoding="utf-8")).tables
    assert sweep[0] == "sweep" and sweep[1].startswith("multirun.yaml: not YAML") and sweep[2] == "0"
    assert [row[0] for row in rows] == ["a", "b", "c", "d/e"]
    assert all(row[1].startswith("unreadable") for row in rows), rows
