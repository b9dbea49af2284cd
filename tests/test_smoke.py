def test_ask_fake_embedder_cites_verbatim(fake_assistant):
    fake_assistant.ingest()
    answer = fake_assistant.ask("How many protesters did HRANA say were killed?")
    assert not answer.abstained
    assert answer.citations
    for c in answer.citations:
        assert fake_assistant.store.article_text(c.doc_id)[c.start : c.end] == c.quote
