"""Ingestion: load files, normalise, chunk, and keep the index in step with a manifest."""
