"""arXiv identifiers: parse ids and URLs into (id without version, version)."""

from __future__ import annotations

import re
import unicodedata

from dailypapers.errors import BadArxivId

# New style (0704.0001 … 2405.15738) and old style (hep-th/9901001, math.GT/0309136).
_ID = r"(?P<id>\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v(?P<v>\d+))?"
_BARE = re.compile(rf"^(?:arxiv:)?{_ID}$", re.IGNORECASE)
_URL = re.compile(
    rf"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/{_ID}(?:\.pdf)?/?(?:[?#].*)?$",
    re.IGNORECASE,
)
_HF_URL = re.compile(
    rf"^(?:https?://)?(?:www\.)?huggingface\.co/papers/{_ID}/?(?:[?#].*)?$", re.IGNORECASE
)


def parse_arxiv_id(text: str) -> tuple[str, int | None]:
    """Return (arxiv id without version, version or None) for an id or an arXiv/HF URL."""
    # NFKC: ids typed with full-width digits or punctuation (２４０５．１５７３８) are the same id.
    candidate = unicodedata.normalize("NFKC", text or "").strip()
    for pattern in (_BARE, _URL, _HF_URL):
        match = pattern.match(candidate)
        if match:
            raw = match.group("id")
            # Old-style archive names are lower case; keep the subject class as written.
            arxiv_id = raw if "/" not in raw else raw[0].lower() + raw[1:]
            version = int(match.group("v")) if match.group("v") else None
            return arxiv_id, version
    raise BadArxivId(f"not an arXiv id or URL: {candidate[:80]!r}")


def is_arxiv_id(text: str) -> bool:
    """True when `text` is an arXiv id or URL."""
    try:
        parse_arxiv_id(text)
    except BadArxivId:
        return False
    return True


def abs_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


def pdf_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/pdf/{arxiv_id}"
