"""Why a recommendation was picked, and a ranker's result."""

from __future__ import annotations

from dataclasses import dataclass, field

# How each signal reads in "because you … “title”".
VERBS = {
    "upvoted": "upvoted",
    "saved": "saved",
    "collected": "collected",
    "read": "read",
}


@dataclass(slots=True)
class Reason:
    """Why a paper was picked; `text` is what pages and mails show."""

    because_paper_id: int | None = None
    because_title: str | None = None
    because_kind: str | None = None  # "upvoted" | "saved" | "collected" | "read"
    similarity: float = 0.0
    words: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        parts = []
        if self.because_title:
            verb = VERBS.get(self.because_kind or "", self.because_kind)
            parts.append(f"because you {verb} “{self.because_title}”")
        if self.words:
            parts.append("words that weighed most: " + ", ".join(self.words))
        return "; ".join(parts) or "close to what you liked"

    def as_dict(self) -> dict:
        return {
            "because_paper_id": self.because_paper_id,
            "because_title": self.because_title,
            "because_kind": self.because_kind,
            "similarity": round(self.similarity, 4),
            "words": self.words,
            "text": self.text,
        }


@dataclass(slots=True)
class Recommendations:
    """A ranker's result: (paper_ids, scores), best first, and one reason per pick."""

    paper_ids: list[int]
    scores: list[float]
    reasons: list[Reason]

    def __iter__(self):  # noqa: ANN204 - lets callers unpack (paper_ids, scores)
        return iter((self.paper_ids, self.scores))
