"""Indexes: dense vectors (sentence-transformers + Chroma) and words (Sudachi BM25)."""
