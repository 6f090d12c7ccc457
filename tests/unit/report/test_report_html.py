"""The report page is one self-contained file: data URIs only, no network, PNGs beside it."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from fedprune.report import Table, load_run, write_report
from fedprune.report.html import Image, render_html
from fedprune.report.plots import PLOTS


class Links(HTMLParser):
    """Every tag and every src/href attribute of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [v or "" for k, v in attrs if k in ("src", "href")]


def parse(page: str) -> Links:
    links = Links()
    links.feed(page)
    return links


def test_the_page_embeds_every_png_and_loads_nothing_from_outside(
    run_dir: Callable[..., Path], tmp_path: Path
) -> None:
    runs = [load_run(run_dir("a", epsilon=0.3)), load_run(run_dir("b"))]
    out = tmp_path / "site" / "report.html"

    written = write_report(runs=runs, out=out)

    page = out.read_text()
    links = parse(page)
    images = [link for link in links.links if link.startswith("data:image/png;base64,")]
    assert len(images) == len(PLOTS) == len(links.links)  # nothing but embedded PNGs
    assert "link" not in links.tags and "iframe" not in links.tags
    assert not re.search(r"<script[^>]*\bsrc=", page)
    assert not re.search(r"url\(", page)  # no CSS fetches either
    for path, uri in zip(written[1:], images, strict=True):
        assert path.parent == out.parent and path.name.startswith("report-")
        assert base64.b64decode(uri.split(",", 1)[1]) == path.read_bytes()


def test_tables_are_escaped_and_a_missing_plot_is_named(
    run_dir: Callable[..., Path], tmp_path: Path
) -> None:
    run = load_run(run_dir("r"), label="<b>&run")
    extra = Table(caption="variants", header=["name"], rows=[["<script>x</script>"]])

    write_report(runs=[run], out=tmp_path / "r.html", tables=[extra])

    page = (tmp_path / "r.html").read_text()
    assert "&lt;b&gt;&amp;run" in page and "<b>&run" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert "Not drawn (no data in these runs): Privacy budget ε over rounds." in page
    assert "<th>ε</th>" not in page  # no ε column without ε


def test_the_page_checks_itself_for_script_and_image_errors() -> None:
    page = render_html(title="t", tables=[], figures=[Image(title="x", png=b"not a png")])

    assert 'id="page-status"' in page and 'data-state="static"' in page
    assert "window.addEventListener('error'" in page
    assert "naturalWidth" in page
