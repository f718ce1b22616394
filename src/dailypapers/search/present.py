"""Showing search results: highlighted snippets (escaped first, then marked) and hit cards."""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup, escape

from dailypapers.search import analysis


def highlight(text: str | None, stems: Iterable[str], names: Iterable[str] = ()) -> Markup:
    """`text` HTML-escaped, with the words whose stem (or name token) is wanted in <mark>."""
    text = text or ""
    spans = analysis.highlight_spans(text, set(stems), set(names))
    out: list[str] = []
    position = 0
    for start, end in spans:
        out.append(str(escape(text[position:start])))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    out.append(str(escape(text[position:])))
    return Markup("".join(out))  # noqa: S704 - every piece of user text was escaped above


def snippet(
    text: str | None, stems: Iterable[str], names: Iterable[str] = (), length: int = 320
) -> Markup:
    """About `length` characters of `text` around its first match, escaped and highlighted."""
    text = " ".join((text or "").split())
    if len(text) > length:
        spans = analysis.highlight_spans(text, set(stems), set(names))
        start = max(0, spans[0][0] - length // 4) if spans else 0
        if start:
            start = text.find(" ", start) + 1 or start
        end = min(len(text), start + length)
        if end < len(text):
            end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
        text = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    return highlight(text, stems, names)
