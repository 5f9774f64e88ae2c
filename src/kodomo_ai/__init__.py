"""kodomo-ai: offline-first consultation system for Japanese child and childcare policy."""

__version__ = "0.1.0"
