"""User-facing errors: each message says what went wrong and what to do next."""


class AssistantError(Exception):
    """Base class for errors shown to the user without a traceback."""

    exit_code = 1


class BadQuestion(AssistantError):
    """The question is empty or too long."""

    exit_code = 2


class StoreError(AssistantError):
    """The store cannot be opened or is inconsistent."""


class ReadError(AssistantError):
    """A file or record could not be read as an article."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class UnknownArticle(AssistantError):
    """No stored article has the given id."""


class IngestInterrupted(AssistantError):
    """Ctrl+C during an ingest: what was stored stays stored."""

    exit_code = 130


class BadSetting(AssistantError):
    """An `ASSISTANT_*` variable or option has a value that cannot be used."""

    exit_code = 2


def is_chroma_failure(exc: BaseException) -> bool:
    """True when an exception (or one it was raised from) came from Chroma or its connection to a server."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, (ConnectionError, TimeoutError)) or \
                type(exc).__module__.split(".")[0] in ("chromadb", "httpx", "httpcore"):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


class BadDate(AssistantError):
    """A date (the as-of date) that cannot be read."""

    exit_code = 2
