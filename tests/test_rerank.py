import json

import numpy as np
import pytest

from assistant import Assistant, Settings, rerank
from assistant.errors import BadSetting
from assistant.retrieve import Retriever
from tests.fakes import HashEmbedding

ARTICLES = {
    "wall.txt": "Harbour wall funding approved\n\nThe council approved 4 million for the harbour wall on Tuesday. "
                "Mayor Ines Carrow said the work would start in May.\n",
    "ferry.txt": "Ferry timetable changes\n\nThe ferry to the harbour will run twice a day from May. The council "
                 "said the wall of the old pier is closed.\n",
    "school.txt": "School roof repaired\n\nThe school roof was repaired over the summer, the council said.\n",
}


@pytest.fixture
def harbour(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in ARTICLES.items():
        (corpus / name).write_text(text, encoding="utf-8")
    a = Assistant(settings=Settings(store=tmp_path / "store"), embedder=HashEmbedding())
    a.ingest([corpus])
    yield a
    a.close()


def _features(a: Assistant, question: str) -> dict[str, dict[str, float]]:
    fused, dense, lexical = a.retriever.fused(question)
    X = a.retriever.rerank_features(question, fused, dense, lexical)
    return {hit.node.metadata["title"]: dict(zip(rerank.FEATURES, row)) for hit, row in zip(fused, X)}


def test_features_credit_the_passage_holding_the_question_terms_names_and_headline(harbour):
    f = _features(harbour, "How much did the council approve for the Harbour wall funding?")
    wall, ferry = f["Harbour wall funding approved"], f["Ferry timetable changes"]
    assert wall["coverage"] > ferry["coverage"]
    assert wall["sentence_coverage"] > ferry["sentence_coverage"]
    assert wall["headline"] > ferry["headline"]
    assert wall["names"] == 1.0
    assert max(row["dense"] for row in f.values()) == 0.0  # measured from the best candidate


def test_search_orders_passages_by_the_reranker_score(harbour):
    weights = np.zeros(len(rerank.FEATURES))
    weights[rerank.FEATURES.index("headline")] = 1.0
    retriever = Retriever(harbour.store, harbour.embedder, rerank.Reranker(weights))
    results = retriever.search("school council summer harbour", k=3)
    assert results[0].title == "School roof repaired"  # the only headline holding a question term
    assert [p.rank for p in results] == [1, 2, 3]
    assert results[0].score >= results[1].score


def test_load_reads_weights_fitted_for_this_embedder_only(tmp_path):
    path = tmp_path / "rerank.json"
    path.write_text(json.dumps({"embedder": "minilm-int8", "weights": {"dense": 2.0, "headline": 0.5}}))
    loaded = rerank.load("minilm-int8", path)
    assert loaded.weights[rerank.FEATURES.index("dense")] == 2.0
    assert loaded.weights[rerank.FEATURES.index("lead")] == 0.0
    assert rerank.load("e5-small-int8", path) is None  # cosines of another model are on another scale
    assert rerank.load("minilm-int8", tmp_path / "missing.json") is None


def test_shipped_weights_load_for_the_default_embedder():
    assert rerank.load(Settings().embedder) is not None


def test_rerank_setting_reads_on_and_off():
    assert Settings.from_env({}).rerank is True
    assert Settings.from_env({"ASSISTANT_RERANK": "off"}).rerank is False
    assert Settings.from_env({"ASSISTANT_RERANK": "ON"}).rerank is True
    with pytest.raises(BadSetting, match="ASSISTANT_RERANK"):
        Settings.from_env({"ASSISTANT_RERANK": "sometimes"})
