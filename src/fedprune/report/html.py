"""One self-contained HTML page: inline CSS, PNGs as base64 data URIs, no network at all.

A small inline script records script errors and images that fail to decode into the page's
footer (``#page-status``), so a headless browser's DOM dump tells whether the page is sound.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from fedprune.report.table import Table

__all__ = ["Image", "render_html"]


@dataclass(frozen=True)
class Image:
    """A rendered figure: its heading and PNG bytes."""

    title: str
    png: bytes


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
caption { font-weight: bold; text-align: left; padding: 0.3em 0; }
img { max-width: 100%; border: 1px solid #eee; }
footer { margin-top: 3em; color: #888; font-size: 0.8em; }
"""

# Recorded before anything else loads; capture phase also sees <img> load failures.
_CHECK = """
(function () {
  var errors = [];
  window.addEventListener('error', function (e) {
    var t = e.target;
    errors.push(e.message || ('failed to load ' + ((t && t.tagName) || 'resource')));
  }, true);
  var original = console.error;
  console.error = function () {
    errors.push(Array.prototype.join.call(arguments, ' '));
    return original.apply(console, arguments);
  };
  window.addEventListener('load', function () {
    var images = document.images, good = 0;
    for (var i = 0; i < images.length; i++) {
      if (images[i].complete && images[i].naturalWidth > 0) { good++; }
      else { errors.push('image not decoded: ' + images[i].alt); }
    }
    var status = document.getElementById('page-status');
    status.setAttribute('data-state', 'loaded');
    status.setAttribute('data-errors', String(errors.length));
    status.setAttribute('data-images', String(good));
    status.textContent = 'page check: ' + errors.length + ' error(s), ' + good + ' image(s)' +
      (errors.length ? ': ' + errors.join('; ') : '');
  });
})();
"""


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in table.header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in table.rows
    )
    return (
        f"<table><caption>{escape(table.caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _image(fig: Image) -> str:
    data = base64.b64encode(fig.png).decode("ascii")
    title = escape(fig.title)
    return f'<h2>{title}</h2>\n<img alt="{title}" src="data:image/png;base64,{data}">'


def render_html(
    *, title: str, tables: Sequence[Table], figures: Sequence[Image], notes: Sequence[str] = ()
) -> str:
    """The page: title, tables, then each figure under its heading, then ``notes``."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title>",
        f"<script>{_CHECK}</script>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        *(_table(t) for t in tables),
        *(_image(f) for f in figures),
        *(f"<p>{escape(n)}</p>" for n in notes),
        '<footer id="page-status" data-state="static">page check did not run</footer>',
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
