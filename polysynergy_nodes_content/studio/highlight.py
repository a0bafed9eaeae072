"""SQL with syntax highlighting (Pygments), risky lines marked."""

from __future__ import annotations

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PostgresLexer

from .pages import mark_bidi

RISKY_PREFIXES = ("-- DESTRUCTIVE", "-- ERROR", "-- WARNING")


def risky_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), start=1) if line.lstrip().startswith(RISKY_PREFIXES)]


def sql_html(text: str) -> Markup:
    """Highlighted HTML of ``text``; Pygments escapes every character of the input, and
    bidi controls (from labels in comments) are shown as visible markers."""
    formatter = HtmlFormatter(cssclass="sql", hl_lines=risky_lines(text), linenos=False)
    return mark_bidi(highlight(text or "", PostgresLexer(), formatter))


def stylesheet() -> str:
    return HtmlFormatter(style="friendly").get_style_defs(".sql")
