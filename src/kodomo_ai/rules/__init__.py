"""Judgment logic (マスタ) as code plus YAML tables: certification, free childcare, child allowance, 利用調整."""
