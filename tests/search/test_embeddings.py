"""The shipped embedding models: load offline, unit vectors, meaning-aware, long inputs kept."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dailypapers.search.embed.models import (
    MAX_TOKENS,
    MODEL_NAMES,
    UnknownModel,
    get_embedder,
    paper_text,
)

ABSTRACT = (
    "We introduce a method for generating short videos from text prompts with a latent "
    "diffusion model, adding temporal attention layers to a pretrained image model."
)
PARAPHRASE = "Text-to-video synthesis using latent diffusion with temporal attention."
UNRELATED = "A survey of crop rotation practices and soil nitrogen in smallholder farms."


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    # Nothing may reach a model hub: the models ship in the package.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_shipped_model_gives_unit_vectors(name):
    embedder = get_embedder(name)
    vectors = embedder.embed([ABSTRACT, PARAPHRASE, UNRELATED, ""])
    assert vectors.dtype == np.float32
    assert vectors.shape == (4, embedder.dim)
    np.testing.assert_allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, atol=1e-5)
    assert np.all(np.isfinite(vectors))  # an empty text gives a vector, never NaN


def test_minilm_is_384_dimensional():
    assert get_embedder("minilm").dim == 384


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_paraphrase_is_nearer_than_unrelated_text(name):
    abstract, paraphrase, unrelated = get_embedder(name).embed([ABSTRACT, PARAPHRASE, UNRELATED])
    assert abstract @ paraphrase > abstract @ unrelated + 0.2


def test_batching_keeps_vectors(sample_data):
    texts = []
    with (sample_data / "hf_daily_papers.jsonl").open() as lines:
        for line in lines:
            row = json.loads(line)
            if row.get("abstract"):
                texts.append(paper_text(row["title"], row["abstract"]))
            if len(texts) == 24:
                break
    embedder = get_embedder("minilm")
    together = embedder.embed(texts, batch_size=8)
    one_by_one = np.vstack([embedder.embed([t]) for t in texts])
    # Dynamic int8 quantises activations per run, so batch-mates move a vector a hair (about
    # as much as int8 differs from the fp32 model: cosine ~0.995).
    assert np.min((together * one_by_one).sum(axis=1)) > 0.99


def test_minilm_reads_256_tokens_not_128():
    embedder = get_embedder("minilm")
    assert embedder.tokenizer.truncation["max_length"] == MAX_TOKENS == 256
    base = " ".join(["alpha"] * 150)
    assert len(embedder.tokenizer.encode(base).ids) == 152  # [CLS] 150 × alpha [SEP]
    # Text that differs only after token 150 must give a different vector (cut at 128 it
    # would not); text that differs only after token 256 gives the same one.
    a, b = embedder.embed([base + " quantum chromodynamics", base + " medieval troubadour songs"])
    assert a @ b < 0.999
    long = " ".join(["alpha"] * 300)
    c, d = embedder.embed([long + " cats", long + " spacecraft propulsion"])
    assert c @ d == pytest.approx(1.0, abs=1e-5)


def test_unknown_model_is_a_clear_error():
    with pytest.raises(UnknownModel, match="minilm"):
        get_embedder("bert-huge")


def test_paper_text_joins_title_and_abstract():
    assert paper_text("Title", "Abstract.") == "Title. Abstract."
    assert paper_text("Title", None) == "Title"


def test_a_missing_model_is_one_clear_error(tmp_path, monkeypatch):
    from dailypapers.search.embed import models as embeddings

    monkeypatch.setattr(embeddings, "MODELS_DIR", tmp_path)
    embeddings.get_embedder.cache_clear()
    try:
        with pytest.raises(embeddings.ModelUnavailable, match="cannot be loaded"):
            embeddings.get_embedder(embeddings.MINILM)
    finally:
        embeddings.get_embedder.cache_clear()
