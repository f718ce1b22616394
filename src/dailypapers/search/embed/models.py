"""Text embeddings without torch: the int8 ONNX MiniLM and a static (model2vec) fast path.

Both models ship inside the package (see `models/*/SOURCE.md` for how they were made). Vectors
are float32 and L2-normalised, so a dot product is the cosine. The two models' vectors live in
different spaces: an index records the model that built it and queries use that same model.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from dailypapers.errors import DailyPapersError

MODELS_DIR = Path(__file__).parents[1] / "models"
MINILM = "minilm"
STATIC = "static"
MODEL_NAMES = (MINILM, STATIC)
# all-MiniLM-L6-v2 was trained with 256-token inputs; the bundled tokenizer.json says 128,
# which would silently cut abstracts in half.
MAX_TOKENS = 256


class UnknownModel(DailyPapersError):
    """An embedding model name we do not ship."""


class ModelUnavailable(DailyPapersError):
    """A shipped embedding model whose files are missing or damaged."""


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of one fixed dimension."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    np.maximum(norms, 1e-12, out=norms)
    return (matrix / norms).astype(np.float32, copy=False)


def _threads() -> int:
    # Leave a core for the web server / database on small machines.
    return max(1, min(4, (os.cpu_count() or 2)))


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 as a fused, per-channel int8 ONNX graph: mean pooling + L2 norm."""

    name = MINILM
    dim = 384

    def __init__(self, model_dir: Path | None = None, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        model_dir = model_dir or MODELS_DIR / "minilm-int8"
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the batch's longest
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or _threads()
        options.inter_op_num_threads = 1
        # Busy-waiting worker threads starve the web server and database on a small shared
        # machine (and slow this session down when cores are oversubscribed).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(
            str(model_dir / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self.inputs = {i.name for i in self.session.get_inputs()}
        self._lock = threading.Lock()  # tokenizer padding state is per object

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        # Sorting by length keeps padding (wasted work) small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            with self._lock:
                encodings = self.tokenizer.encode_batch([texts[i] or "" for i in chunk])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self.inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self.session.run(None, feeds)[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            out[chunk] = _normalise(pooled)
        return out


class StaticEmbedder:
    """A model2vec static model: the mean of per-token vectors (no transformer at run time).

    Same arithmetic as model2vec's `StaticModel.encode` (checked by scripts/distill_static.py),
    without its extra dependencies.
    """

    name = STATIC
    max_tokens = 512

    def __init__(self, model_dir: Path | None = None) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        model_dir = model_dir or MODELS_DIR / "static"
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(self.max_tokens)
        tensors = load_file(str(model_dir / "model.safetensors"))
        self.vectors = tensors["embeddings"].astype(np.float32)
        self.weights = tensors.get("weights")
        self.mapping = tensors.get("mapping")
        config = json.loads((model_dir / "config.json").read_text())
        self.normalize = bool(config.get("normalize", True))
        self.dim = int(self.vectors.shape[1])
        self.unk = self.tokenizer.token_to_id("[UNK]")
        vocab = self.tokenizer.get_vocab()
        # model2vec cuts each text to max_tokens × the median token length before tokenizing.
        self.max_chars = self.max_tokens * int(np.median([len(t) for t in vocab]))

    def _vector(self, ids: list[int]) -> np.ndarray:
        rows = self.mapping[ids] if self.mapping is not None else ids
        emb = self.vectors[rows]
        if self.weights is not None:
            emb = emb * self.weights[ids][:, None]
        return emb.mean(axis=0)

    def embed(self, texts: Sequence[str], batch_size: int = 1024) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            chunk = [(t or "")[: self.max_chars] for t in texts[start : start + batch_size]]
            encodings = self.tokenizer.encode_batch_fast(chunk, add_special_tokens=False)
            for row, encoding in enumerate(encodings):
                ids = [i for i in encoding.ids if i != self.unk]
                if ids:
                    out[start + row] = self._vector(ids)
        return _normalise(out) if self.normalize else out


@lru_cache(maxsize=4)
def get_embedder(name: str) -> Embedder:
    """The shipped embedder called `name` (loaded once per process)."""
    loaders = {MINILM: MiniLMEmbedder, STATIC: StaticEmbedder}
    if name in loaders:
        try:
            return loaders[name]()
        except Exception as exc:  # missing or damaged files: tokenizers/onnxruntime raise plainly
            raise ModelUnavailable(
                f"the shipped embedding model {name!r} cannot be loaded from {MODELS_DIR}: "
                f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__} "
                "(reinstall dailypapers)"
            ) from exc
    raise UnknownModel(
        f"unknown embedding model {name!r} (choose one of: {', '.join(MODEL_NAMES)})"
    )


def paper_text(title: str | None, abstract: str | None) -> str:
    """The text embedded for a paper: title and abstract."""
    title = (title or "").strip()
    abstract = (abstract or "").strip()
    return f"{title}. {abstract}" if abstract else title
