"""A paper as Markdown (`GET /papers/{id}.md`): for reading in a terminal or feeding a model."""

from __future__ import annotations

from dailypapers.feed.papers import PaperDetail


def _escape(text: str) -> str:
    """Keep titles and names from turning into Markdown markup."""
    return "".join("\\" + c if c in "\\`*_[]<>#|" else c for c in text)


def paper_markdown(detail: PaperDetail, *, site: str) -> str:
    paper, card = detail.paper, detail.card
    hf = card.hf
    lines = [f"# {_escape(paper.title)}", ""]
    names = [a.name for a in hf.authors] if hf and hf.authors else list(paper.authors)
    if names:
        lines += [f"**Authors:** {_escape(', '.join(names))}", ""]
    facts = [f"- arXiv: [{paper.arxiv_id}](https://arxiv.org/abs/{paper.arxiv_id})"]
    if paper.published_at:
        facts.append(f"- Published: {paper.published_at.date().isoformat()}")
    if card.listed_on:
        facts.append(f"- Featured: {card.listed_on.isoformat()}")
    facts.append(f"- Upvotes: {card.upvotes}")
    if hf and hf.submitter:
        facts.append(f"- Submitted by: {_escape(hf.submitter.display)} ({hf.submitter.name})")
    if hf and hf.organization:
        facts.append(f"- Organization: {_escape(hf.organization.display)}")
    if paper.code_url:
        stars = f" ({hf.github_stars} stars)" if hf and hf.github_stars is not None else ""
        facts.append(f"- Code: <{paper.code_url}>{stars}")
    if paper.project_url:
        facts.append(f"- Project page: <{paper.project_url}>")
    for url in (hf.media_urls if hf else [])[:4]:
        facts.append(f"- Media: <{url}>")
    facts.append(f"- Page: <{site}/papers/{paper.arxiv_id}>")
    lines += [*facts, ""]
    if hf and hf.ai_summary:
        model = f" ({hf.ai_summary_model})" if hf.ai_summary_model else ""
        lines += [f"## AI summary{model}", "", hf.ai_summary, ""]
    if hf and hf.ai_keywords:
        lines += [f"**Keywords:** {_escape(', '.join(hf.ai_keywords))}", ""]
    lines += ["## Abstract", "", paper.abstract or "No abstract available.", ""]
    return "\n".join(lines)
