"""assistant: answers questions from news articles, citing a verbatim passage for every claim."""

from .answer import Answer, Citation
from .core import Assistant, IngestReport, SearchResult
from .errors import AssistantError
from .retrieve import Passage
from .settings import Settings

__all__ = ["Assistant", "Answer", "Citation", "IngestReport", "Passage", "SearchResult", "Settings", "AssistantError"]
