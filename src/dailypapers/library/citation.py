"""What every export format needs from a paper: a citation key, split names, the date.

Keys follow the Google Scholar habit, `lastnameYEARfirstword` (`vaswani2017attention`), folded
to ASCII letters and digits so biber, BibTeX and every reference manager take them; a second
paper with the same key in one file gets `a`, `b`, … appended.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from dailypapers.store.models import Paper

# Words a key should not start from (as Google Scholar skips them).
SKIP = frozenset("a an the on of in for and to with towards toward is are via do does".split())
PARTICLES = frozenset("van von der den de del della di da du le la dos das ter ten".split())


def ascii_fold(text: str) -> str:
    """Letters without accents (ß → ss, ø → o), dropping what has no ASCII form."""
    text = text.replace("ß", "ss").replace("ø", "o").replace("Ø", "O").replace("ł", "l")
    text = text.replace("æ", "ae").replace("Æ", "AE").replace("đ", "d").replace("ı", "i")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def split_name(name: str) -> tuple[str, str]:
    """(family, given) of a name written "Given Family"; particles stay with the family."""
    name = " ".join((name or "").split())
    if "," in name:  # already "Family, Given"
        family, _, given = name.partition(",")
        return family.strip(), given.strip()
    parts = name.split(" ")
    if len(parts) == 1:
        return parts[0], ""
    start = len(parts) - 1
    while start > 1 and parts[start - 1].lower() in PARTICLES:
        start -= 1
    return " ".join(parts[start:]), " ".join(parts[:start])


@dataclass(slots=True)
class Citation:
    key: str
    paper: Paper

    @property
    def year(self) -> int | None:
        return self.paper.published_at.year if self.paper.published_at else None

    @property
    def names(self) -> list[tuple[str, str]]:
        return [split_name(a) for a in self.paper.authors or [] if a and a.strip()]

    @property
    def primary_class(self) -> str | None:
        paper = self.paper
        return paper.primary_category or (paper.categories[0] if paper.categories else None)

    @property
    def url(self) -> str:
        return self.paper.abs_url or f"https://arxiv.org/abs/{self.paper.arxiv_id}"

    @property
    def doi(self) -> str | None:
        # arXiv's own DOI (10.48550/arXiv.<id>) when the paper has no journal DOI
        return self.paper.doi or f"10.48550/arXiv.{self.paper.arxiv_id}"


def base_key(paper: Paper) -> str:
    family = split_name(paper.authors[0])[0] if paper.authors else ""
    family = re.sub(r"[^a-z0-9]", "", ascii_fold(family).lower()) or "anon"
    year = str(paper.published_at.year) if paper.published_at else ""
    words = re.findall(r"[a-z0-9]+", ascii_fold(paper.title or "").lower())
    # the first word that starts with a letter (a number after the year would read as one)
    first = next((w for w in words if w not in SKIP and w[0].isalpha()), words[0] if words else "")
    return f"{family}{year}{first}"


def citations(papers: Iterable[Paper]) -> list[Citation]:
    """One citation per paper, keys unique within the list."""
    seen: dict[str, int] = {}
    out = []
    for paper in papers:
        key = base_key(paper)
        count = seen.get(key, 0)
        seen[key] = count + 1
        if count:
            key = f"{key}{_suffix(count)}"
        out.append(Citation(key, paper))
    return out


def _suffix(n: int) -> str:
    letters = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters
