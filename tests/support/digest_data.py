"""Papers and subscribers for digest tests, made through the public write paths."""

from __future__ import annotations

from datetime import UTC, date, datetime

from dailypapers.digest import subscriptions as subs
from dailypapers.store.db import Store
from dailypapers.store.records import ListingRecord, PaperRecord
from dailypapers.store.upsert import save_papers

# Mon 17 – Fri 21 August 2026, then the next Monday. A daily digest sent on Tue 18 covers Mon 17.
MON, TUE, WED, THU, FRI = (date(2026, 8, d) for d in (17, 18, 19, 20, 21))
NEXT_MON = date(2026, 8, 24)

PAPERS = [
    # (arxiv id, listed on, upvotes, title, abstract, categories)
    (
        "2608.00001",
        MON,
        90,
        "Diffusion Transformers for Video Generation",
        "We scale diffusion transformers to long video generation with temporal attention.",
        ["cs.CV"],
    ),
    (
        "2608.00002",
        MON,
        70,
        "Reasoning Language Models with Reinforcement Learning",
        "Reinforcement learning from verifiable rewards improves reasoning in language models.",
        ["cs.CL", "cs.LG"],
    ),
    (
        "2608.00003",
        MON,
        50,
        "Sparse Mixture of Experts at Scale",
        "A sparse mixture of experts language model trained on ten trillion tokens.",
        ["cs.LG"],
    ),
    (
        "2608.00004",
        MON,
        30,
        "Image Editing with Latent Diffusion",
        "Instruction-guided image editing with latent diffusion models and masks.",
        ["cs.CV"],
    ),
    (
        "2608.00005",
        MON,
        10,
        "Speech Recognition for Low-Resource Languages",
        "Self-supervised speech recognition for low-resource languages.",
        ["cs.CL", "eess.AS"],
    ),
    (
        "2608.00006",
        TUE,
        80,
        "Video Diffusion Models Learn Physics",
        "Video diffusion models trained at scale learn intuitive physics of rigid bodies.",
        ["cs.CV"],
    ),
    (
        "2608.00007",
        TUE,
        40,
        "Retrieval-Augmented Generation Benchmarks",
        "A benchmark of retrieval-augmented generation for question answering.",
        ["cs.CL"],
    ),
    (
        "2608.00008",
        WED,
        60,
        "Agents that Browse the Web",
        "Language model agents browse the web to complete tasks with tools.",
        ["cs.AI"],
    ),
    (
        "2608.00009",
        FRI,
        55,
        "Text-to-Video Generation with Flow Matching",
        "Flow matching for efficient text-to-video generation at high resolution.",
        ["cs.CV"],
    ),
    (
        "2608.00010",
        FRI,
        20,
        "Protein Structure Prediction with Language Models",
        "Protein language models predict structure without alignments.",
        ["q-bio.BM"],
    ),
]


def seed_papers(store: Store) -> dict[str, int]:
    """Save the papers above; arXiv id -> paper id."""
    records = [
        PaperRecord(
            arxiv_id=arxiv_id,
            title=title,
            abstract=abstract,
            authors=["Ada Lovelace", "Alan Turing"],
            categories=categories,
            published_at=datetime(day.year, day.month, day.day, tzinfo=UTC),
            upvotes=upvotes,
            source="test",
            listing=ListingRecord(date=day, source="hf"),
        )
        for arxiv_id, day, upvotes, title, abstract, categories in PAPERS
    ]
    save_papers(store, records)
    from sqlalchemy import select

    from dailypapers.store.models import Paper

    with store.session() as session:
        return {
            arxiv_id: pid for arxiv_id, pid in session.execute(select(Paper.arxiv_id, Paper.id))
        }


def add_confirmed(
    store: Store, emails: list[str], *, frequency: str = "daily", topics: list[str] | None = None
) -> list[int]:
    with store.session() as session:
        created, _ = subs.add_subscribers(
            session, emails, frequency=frequency, topics=topics, confirmed=True
        )
        return [s.id for s in created]
