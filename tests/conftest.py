import pytest

from assistant import Assistant, Settings
from tests.fakes import HashEmbedding


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """Keep every test's store and settings away from the user's environment."""
    for name in ("ASSISTANT_STORE", "ASSISTANT_CHROMA_URL", "ASSISTANT_COLLECTION", "ASSISTANT_EMBEDDER",
                 "ASSISTANT_LLM_URL", "ASSISTANT_LLM_MODEL", "ASSISTANT_LLM_API_KEY", "ASSISTANT_LLM_PROVIDER",
                 "ASSISTANT_LLM_TIMEOUT", "ASSISTANT_RERANK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ASSISTANT_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture
def fake_assistant(tmp_path):
    """An Assistant over a real Chroma store in tmp_path, with the fake embedder."""
    a = Assistant(settings=Settings(store=tmp_path / "fake-store"), embedder=HashEmbedding())
    yield a
    a.close()


@pytest.fixture(scope="session")
def seeded_assistant(tmp_path_factory):
    """An Assistant over the bundled seeds with the real embedding model (ingested once per session)."""
    a = Assistant(settings=Settings(store=tmp_path_factory.mktemp("seeded")))
    a.ingest()
    yield a
    a.close()
