"""Settings: one frozen dataclass, read once from the environment by the entry points."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import BadSetting

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_ROOT / "seeds"
PROMPTS_DIR = PROJECT_ROOT / "prompts"
EVALS_DIR = PROJECT_ROOT / "evals"


@dataclass(frozen=True)
class Settings:
    """Everything configurable; `from_env` maps `ASSISTANT_*` variables onto the fields."""

    store: Path = field(default_factory=lambda: Path(".assistant"))
    chroma_url: str | None = None
    collection: str = "articles"
    embedder: str = "minilm-int8"
    # The fitted second stage over the fused passages (rerank.py), for the embedder it was fitted for.
    rerank: bool = True
    max_question_chars: int = 1000
    passages_for_answer: int = 8
    max_answer_sentences: int = 3
    host: str = "127.0.0.1"
    port: int = 7860
    # Optional LLM answering (see llm.py); with no URL (OpenAI-compatible) nor provider "ollama" it is off.
    llm_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = field(default=None, repr=False)  # never printed or logged
    llm_provider: str = "openai-like"
    llm_timeout: float = 60.0

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_url) or self.llm_provider == "ollama"

    def __post_init__(self):
        object.__setattr__(self, "store", Path(self.store))

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> "Settings":
        """Build settings from `ASSISTANT_*` variables, then apply explicit overrides."""
        env = os.environ if env is None else env
        values: dict = {}
        if env.get("ASSISTANT_STORE"):
            values["store"] = Path(env["ASSISTANT_STORE"])
        if env.get("ASSISTANT_CHROMA_URL"):
            values["chroma_url"] = env["ASSISTANT_CHROMA_URL"]
        if env.get("ASSISTANT_COLLECTION"):
            values["collection"] = env["ASSISTANT_COLLECTION"]
        if env.get("ASSISTANT_EMBEDDER"):
            values["embedder"] = env["ASSISTANT_EMBEDDER"]
        if env.get("ASSISTANT_RERANK"):
            values["rerank"] = _switch("ASSISTANT_RERANK", env["ASSISTANT_RERANK"])
        if env.get("ASSISTANT_HOST"):
            values["host"] = env["ASSISTANT_HOST"]
        for key, name in (("llm_url", "ASSISTANT_LLM_URL"), ("llm_model", "ASSISTANT_LLM_MODEL"),
                          ("llm_api_key", "ASSISTANT_LLM_API_KEY"), ("llm_provider", "ASSISTANT_LLM_PROVIDER")):
            if env.get(name):
                values[key] = env[name].strip()
        if env.get("ASSISTANT_LLM_TIMEOUT"):
            values["llm_timeout"] = float(_whole_number("ASSISTANT_LLM_TIMEOUT", env["ASSISTANT_LLM_TIMEOUT"], 1, 3600))
        for key, name, low, high in (("max_question_chars", "ASSISTANT_MAX_QUESTION_CHARS", 1, 10**9),
                                     ("port", "ASSISTANT_PORT", 1, 65535)):
            if env.get(name):
                values[key] = _whole_number(name, env[name], low, high)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes) -> "Settings":
        """Return a copy with some fields changed."""
        return replace(self, **changes)


def _whole_number(name: str, value: str, low: int, high: int) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise BadSetting(f"{name} must be a whole number from {low:,} to {high:,}, not {value!r}: "
                         f"fix or unset it.")
    return number


def _switch(name: str, value: str) -> bool:
    word = value.strip().lower()
    if word not in ("on", "off", "1", "0", "true", "false", "yes", "no"):
        raise BadSetting(f"{name} must be on or off, not {value!r}: fix or unset it.")
    return word in ("on", "1", "true", "yes")
