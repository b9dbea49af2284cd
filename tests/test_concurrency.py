"""The page over HTTP: `assistant serve` from the command line, and ten API clients asking at once."""

import os
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

from assistant.app import build_app, launch
from assistant.settings import EVALS_DIR
from tests.test_browser import free_port

gradio_client = pytest.importorskip("gradio_client", reason="install the test extra: pip install -e '.[test]'")

pytestmark = pytest.mark.e2e
CLIENTS = 10


@pytest.fixture(scope="module")
def url(seeded_assistant):
    app = build_app(seeded_assistant)
    yield launch(app, "127.0.0.1", free_port())
    app.close()


def test_ten_clients_at_once_each_get_their_own_answer(url, seeded_assistant):
    questions = [q["question"] for q in yaml.safe_load((EVALS_DIR / "rubio.yaml").read_text())["questions"]]
    questions = questions[: CLIENTS - 1] + ["Who won the 1998 football World Cup?"]  # one to abstain on
    expected = {q: seeded_assistant.ask(q).to_dict() for q in questions}

    def ask(question: str) -> dict:
        client = gradio_client.Client(url, verbose=False)
        return client.predict(question, api_name="/ask")

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = list(pool.map(ask, questions))
    print(f"\n{CLIENTS} concurrent clients answered in {time.perf_counter() - started:.2f}s")

    for question, got in zip(questions, answers):
        assert got["question"] == question
        assert got == expected[question]
        for c in got["citations"]:
            assert seeded_assistant.store.article_text(c["doc_id"])[c["start"] : c["end"]] == c["quote"]
    assert sum(a["abstained"] for a in answers) >= 1
    assert sum(not a["abstained"] for a in answers) >= CLIENTS // 2


def test_api_follow_up_takes_earlier_questions(url):
    client = gradio_client.Client(url, verbose=False)
    got = client.predict("And what did Iran say about that?",
                         ["What topics did Rubio say talks with Iran must include?"], api_name="/ask")
    assert not got["abstained"]
    assert any(p in c["quote"] for c in got["citations"] for p in ("solely", "not subject to negotiation"))


def test_api_refuses_an_empty_question_with_a_structured_error(url):
    client = gradio_client.Client(url, verbose=False)
    got = client.predict("   ", api_name="/ask")
    assert got["error"]["type"] == "BadQuestion" and got["error"]["exit_code"] == 2
    assert got["error"]["message"].startswith("The question is empty")


def test_serve_command_seeds_the_store_and_serves_the_page(tmp_path):
    port = free_port()
    env = {**os.environ, "ASSISTANT_STORE": str(tmp_path / "store"), "ASSISTANT_PORT": str(port)}
    server = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1"], env=env,
                              stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in server.stderr:  # the seeding notice, then the address once the page is up
            lines.append(line)
            if "Ctrl+C" in line:
                break
        assert any("ingesting the bundled articles" in line for line in lines), lines
        assert f"http://127.0.0.1:{port}/" in lines[-1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
            assert b"News assistant" in page.read()
        got = gradio_client.Client(f"http://127.0.0.1:{port}/", verbose=False).predict(
            "What topics did Rubio say talks with Iran must include?", api_name="/ask")
        assert "missile" in got["answer"].lower() and got["citations"]
    finally:
        server.terminate()
        server.wait(timeout=20)
