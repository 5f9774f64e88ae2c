"""Japanese text handling shared by every layer: folding scripts, Sudachi words and readings."""
