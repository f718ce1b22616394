"""Small normalisers every importer shares: text, author names, dates, withdrawals, listings."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from dailypapers.store.records import ListingRecord, PaperRecord
from dailypapers.timeutil import daily_date, parse_datetime

# authors_parsed writes hyphenated initials as "C. -P."; the paper says "C.-P.".
_SPLIT_INITIAL = re.compile(r"\.\s+-(?=\w)")
# arXiv marks a withdrawal in the comments (and often replaces the abstract) of the last version.
_WITHDRAWN = re.compile(
    r"\b(?:(?:paper|article|submission|manuscript|preprint|work)\s+(?:has\s+been|is|was)\s+"
    r"withdrawn|withdrawn\s+by\s+(?:the\s+)?(?:authors?|arxiv|admin)|paper\s+withdrawn)",
    re.IGNORECASE,
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}


def clean_text(value: object) -> str | None:
    """Collapse runs of whitespace (arXiv wraps lines at ~80 columns); empty means unknown."""
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    text = " ".join(value.split())  # str.split() is the fastest way over ~1 KB abstracts
    return text or None


@lru_cache(maxsize=1)
def _latex() -> object:
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)


def delatex(text: str) -> str:
    """Turn LaTeX accents and braces in a name (`Bal\\'azs`, `M{\\"u}ller`) into Unicode."""
    if "\\" not in text and "{" not in text and "~" not in text:
        return text
    try:
        converted = _latex().latex_to_text(text)  # type: ignore[attr-defined]
    except Exception:  # pylatexenc is lenient, but a broken name must not stop an import
        return text
    return clean_text(converted) or text


# Inline and display math, kept exactly as written (readers and MathJax-like tools read it).
_MATH = re.compile(r"(\$\$.+?\$\$|\$[^$]+\$|\\\(.+?\\\)|\\\[.+?\\\])")
# The markup most abstracts carry, replaced directly: pylatexenc costs ~1 ms a text, too much
# for a bulk import of millions, so it only sees text with other macros (accents, \\emph…).
_SIMPLE = re.compile(r"\\([%&#_$])|---|--|``|''")
_SIMPLE_TEXT = {"---": "\u2014", "--": "\u2013", "``": "\u201c", "''": "\u201d"}
_MACRO = re.compile(r"\\(?:[A-Za-z]+|[\"'^`~=.])")
# In prose, these are characters, not LaTeX: `%` would start a comment and swallow the rest,
# `&` an alignment tab, `~` a non-breaking space ("~10%" means "about 10%").
_BARE_SPECIALS = re.compile(r"(?<!\\)([%&#])")
_TILDE = "\ue000"  # a private-use stand-in, put back after decoding
# What LaTeX text markup looks like; text without any of these is returned as it is (fast path).
_PROSE_MARKUP = ("\\", "--", "``")


def prose(value: object) -> str | None:
    """A title or abstract as readers see it: whitespace collapsed, LaTeX text markup decoded.

    `97.3\\%` becomes `97.3%`, `identity--layout` `identity–layout`, ``` ``quoted'' ``` “quoted”,
    accents letters; math (`$O(n^2)$`, `$\\phi$`) stays exactly as written. Every importer calls
    this once, so pages, the API, feeds, mail and the search index all get the same text.
    """
    text = clean_text(value)
    if text is None or not any(mark in text for mark in _PROSE_MARKUP):
        return text
    parts = _MATH.split(text)  # odd indexes are math
    for index in range(0, len(parts), 2):
        parts[index] = _prose_segment(parts[index])
    return clean_text("".join(parts)) or text


_NAMED_MACRO = re.compile(r"\\([A-Za-z]+)(\s?)")


@lru_cache(maxsize=4096)
def _known_macro(name: str) -> bool:
    from pylatexenc.latex2text import get_default_latex_context_db

    return get_default_latex_context_db().get_macro_spec(name) is not None


@lru_cache(maxsize=4096)
def _plain_macro_text(name: str) -> str | None:
    """What an argument-less text macro (`\\pi`, `\\ldots`, `\\LaTeX`) reads as, else None."""
    from pylatexenc.latexwalker import get_default_latex_context_db

    if not _known_macro(name):
        return None
    spec = get_default_latex_context_db().get_macro_spec(name)
    if spec is not None and getattr(spec.args_parser, "argspec", ""):
        return None  # takes arguments (`\\cite{…}`, `\\url{…}`): pylatexenc's whole parse
    try:
        return _latex().latex_to_text(f"\\{name}{{}}")  # type: ignore[attr-defined]
    except Exception:  # a macro whose text needs arguments the walker does not know of
        return None


_PLAIN_MACRO = re.compile(r"\\([A-Za-z]+)(?![A-Za-z])(?:\{\})?")


def _plain_macros(text: str) -> str:
    """Argument-less macros replaced one by one (cached): the usual rest of an abstract's LaTeX
    (`\\pi`, `\\sim`, `\\ldots`), so pylatexenc's ~5 ms parse only sees macros with arguments."""

    def replace(match: re.Match[str]) -> str:
        plain = _plain_macro_text(match.group(1))
        return match.group(0) if plain is None else plain

    return _PLAIN_MACRO.sub(replace, text)


def _only_unknown_macros(text: str) -> bool:
    """Every macro left is one pylatexenc does not know (so it would keep them as written)."""
    names = _NAMED_MACRO.findall(text)
    rest = _MACRO.sub("", _NAMED_MACRO.sub("", text))
    return "\\" not in rest and all(not _known_macro(name) for name, _ in names)


def _keep_unknown(match: re.Match[str]) -> str:
    name, space = match.groups()
    if not _known_macro(name):
        return "\\textbackslash{}" + name + space
    # LaTeX eats the space after a control word (`\\pi outside` -> "πoutside"); prose keeps it.
    return f"\\{name}{{}}{space}" if space else match.group(0)


_ACCENT = re.compile(r"""\\(['"`^~=.])\s*(?:\{\s*([A-Za-z])\s*\}|([A-Za-z]))""")
_COMBINING = {"'": "\u0301", '"': "\u0308", "`": "\u0300", "^": "\u0302", "~": "\u0303"}
_COMBINING.update({"=": "\u0304", ".": "\u0307"})
_STYLE = re.compile(r"\\(?:emph|textit|textbf|textsc|textrm|textsf|texttt|textup)\{([^{}\\]*)\}")
_BRACED_WORD = re.compile(
    r"(?<![A-Za-z\\])\{([^{}\\$\s]+)\}"
)  # `{\\"o}` -> `{ö}` -> `ö`; `{GPT}` -> `GPT`


def _accented(match: re.Match[str]) -> str:
    letter = match.group(2) or match.group(3)
    return unicodedata.normalize("NFC", letter + _COMBINING[match.group(1)])


def _prose_segment(text: str) -> str:
    quotes = "``" in text
    text = _SIMPLE.sub(
        lambda m: (
            m.group(1)
            or (m.group(0) if m.group(0) == "''" and not quotes else _SIMPLE_TEXT[m.group(0)])
        ),
        text,
    )
    if "\\" not in text or not _MACRO.search(text):
        return text
    # Accents and text styles, the usual macros in prose, directly: pylatexenc takes ~5 ms on
    # a whole abstract, so it only sees what is left after these.
    text = _ACCENT.sub(_accented, text)
    text = _STYLE.sub(r"\1", text)
    text = _BRACED_WORD.sub(r"\1", text)
    if "\\" not in text or not _MACRO.search(text):
        return text
    text = _BRACED_WORD.sub(r"\1", _plain_macros(text))
    if "\\" not in text or not _MACRO.search(text) or _only_unknown_macros(text):
        return text
    guarded = _BARE_SPECIALS.sub(r"\\\1", text).replace("~", _TILDE)
    # A macro pylatexenc does not know (an author's own `\\aka`) would vanish: keep it as written.
    guarded = _NAMED_MACRO.sub(_keep_unknown, guarded)
    try:
        converted = _latex().latex_to_text(guarded)  # type: ignore[attr-defined]
    except Exception:  # a macro pylatexenc cannot take apart: keep the text as written
        return text
    return converted.replace(_TILDE, "~")


def author_name(parts: list[str] | tuple[str, ...]) -> str | None:
    """`[last, first, suffix, …]` from `authors_parsed` as "First Last Suffix"."""
    if not parts:
        return None
    last = parts[0] or ""
    first = (parts[1] or "") if len(parts) > 1 else ""
    suffix = (parts[2] or "") if len(parts) > 2 else ""
    if ". -" in first:
        first = _SPLIT_INITIAL.sub(".-", first)
    name = " ".join(f"{first} {last} {suffix}".split())
    if not name:
        return None
    if "\\" in name or "{" in name or "~" in name:  # rare: LaTeX left in authors_parsed
        name = delatex(name)
    return name


_AFFILIATION = re.compile(r"\([^()]*\)")
_AUTHOR_SEPARATORS = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*;\s*", re.IGNORECASE)


def split_authors(raw: str) -> list[str]:
    """A raw arXiv author string ("A. One, B. Two and C. Three (Univ)") as a list of names."""
    text = delatex(clean_text(raw) or "")
    while _AFFILIATION.search(text):  # nested parentheses: strip innermost first
        text = _AFFILIATION.sub("", text)
    names = (clean_text(n) for n in _AUTHOR_SEPARATORS.split(text))
    return [n for n in names if n and n.lower().rstrip(".") not in ("et al", "others")]


def parse_rfc2822(text: str) -> datetime:
    """arXiv's version dates ("Mon, 2 Apr 2007 19:18:42 GMT"); fast path for the usual shape."""
    parts = text.split()
    if len(parts) == 6 and parts[5] in ("GMT", "UTC", "+0000") and parts[2] in _MONTHS:
        try:
            hour, minute, second = parts[4].split(":")
            return datetime(
                int(parts[3]),
                _MONTHS[parts[2]],
                int(parts[1]),
                int(hour),
                int(minute),
                int(second),
                tzinfo=UTC,
            )
        except ValueError:
            pass
    return parse_datetime(text)


def parse_moment(value: object) -> datetime | None:
    """An ISO 8601 or RFC 2822 date-time as aware UTC; None when absent."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a date-time: {value!r}")
    return parse_datetime(value)


def looks_withdrawn(*texts: str | None) -> bool:
    """True when arXiv's comments or abstract say the paper was withdrawn."""
    # The substring test first: the regex over every abstract would cost more than parsing it.
    return any(
        text and ("ithdraw" in text or "ITHDRAW" in text) and _WITHDRAWN.search(text)
        for text in texts
    )


def feature_listing(
    record: PaperRecord, zone: ZoneInfo, source: str = "arxiv"
) -> ListingRecord | None:
    """List a paper on the daily date of its first submission (for sources with no listing)."""
    if record.published_at is None:
        return None
    return ListingRecord(
        date=daily_date(record.published_at, zone), source=source, listed_at=record.published_at
    )
