"""The tantivy index's schema and documents: which fields, analysed how."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import tantivy

from dailypapers.search import analysis
from dailypapers.search.lexical.base import BODY_TITLE_COPIES, IndexDoc

SCHEMA_VERSION = 3  # bump when fields or analysers change: the index is then rebuilt
# The marker document (id 0, hidden, never a search hit) holds the change sequence number the
# index has applied: written in the same commit as the documents, so it never runs ahead.
MARKER_ID = 0


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", indexed=True, fast=True)
    builder.add_text_field("arxiv_id", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("title", tokenizer_name=analysis.TEXT)
    builder.add_text_field("authors", tokenizer_name=analysis.NAME)
    builder.add_text_field("abstract", tokenizer_name=analysis.TEXT)
    # Ranked by single words only: counts, no positions.
    builder.add_text_field("body", tokenizer_name=analysis.TEXT, index_option="freq")
    builder.add_text_field("categories", tokenizer_name=analysis.KEYWORD, index_option="basic")
    builder.add_date_field("day", indexed=True, fast=True)
    builder.add_boolean_field("has_code", indexed=True, fast=True)
    builder.add_boolean_field("withdrawn", indexed=True, fast=True)
    builder.add_boolean_field("hidden", indexed=True, fast=True)
    builder.add_integer_field("votes", fast=True)
    builder.add_integer_field("applied_seq", fast=True)
    return builder.build()


SCHEMA = build_schema()


def open_index(path: Path) -> tantivy.Index:
    path.mkdir(parents=True, exist_ok=True)
    index = tantivy.Index(SCHEMA, str(path), reuse=True)
    for name in (analysis.TEXT, analysis.NAME, analysis.KEYWORD):
        index.register_tokenizer(name, analysis.analyzer(name))
    return index


def document_of(doc: IndexDoc) -> tantivy.Document:
    document = tantivy.Document()
    document.add_integer("id", doc.id)
    document.add_text("arxiv_id", doc.arxiv_id)
    document.add_text("title", doc.title)
    # A gap of punctuation keeps one author's last name from running into the next one's.
    document.add_text("authors", " ; ".join(doc.authors))
    document.add_text("abstract", doc.abstract)
    document.add_text("body", " . ".join([doc.title] * BODY_TITLE_COPIES + [doc.abstract]))
    for category in doc.categories:
        document.add_text("categories", category)
    if doc.day is not None:
        document.add_date("day", datetime(doc.day.year, doc.day.month, doc.day.day))
    document.add_boolean("has_code", doc.has_code)
    document.add_boolean("withdrawn", doc.withdrawn)
    document.add_boolean("hidden", doc.hidden)
    document.add_integer("votes", doc.votes)
    return document


def marker_of(applied_seq: int) -> tantivy.Document:
    """The document that records the applied change sequence number (see MARKER_ID)."""
    document = tantivy.Document()
    document.add_integer("id", MARKER_ID)
    document.add_boolean("hidden", True)
    document.add_integer("applied_seq", applied_seq)
    return document
