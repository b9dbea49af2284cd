"""A scripted OpenAI-compatible chat server on loopback: the one fake of the LLM path (real HTTP, streaming or
not). Each request's reply comes from `script(request) -> Reply`; the default answers by question substring."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

ENDLESS_LIMIT = 20000  # chunks: an endless reply still ends, in case the client never hangs up


@dataclass
class Reply:
    text: str = ""
    status: int = 200
    delay: float = 0.0  # seconds before answering (a slow or hung model)
    endless: bool = False  # keeps writing until the client stops reading (or ENDLESS_LIMIT)
    chunk_words: int = 1  # words per streamed chunk


def question_of(request: dict) -> str:
    """The question in the request's last user message (after 'Question:')."""
    content = request["messages"][-1]["content"]
    found = re.search(r"^Question: (.*)$", content, re.M)
    return found.group(1).strip() if found else content


class FakeLLMServer:
    """Serves /v1/chat/completions and /v1/models on 127.0.0.1 at a free port; `url` is the base URL."""

    def __init__(self, script: Callable[[dict], Reply] | None = None):
        self.script = script
        self.replies: dict[str, Reply] = {}  # question substring -> reply, used when no script is set
        self.default = Reply("I cannot answer from these articles.")
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                self._json(200, {"object": "list", "data": [{"id": "fake", "object": "model"}]})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                server.requests.append({**body, "authorization": self.headers.get("Authorization", "")})
                reply = server.reply_for(body)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.status != 200:
                    self._json(reply.status, {"error": {"message": "scripted failure", "type": "server_error"}})
                elif body.get("stream"):
                    self._stream(reply)
                else:
                    text = reply.text if not reply.endless else "and again " * 3000
                    self._json(200, {"id": "fake-1", "object": "chat.completion", "created": 0, "model": "fake",
                                     "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                                  "finish_reason": "length" if reply.endless else "stop"}],
                                     "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

            def _json(self, status: int, data: dict) -> None:
                raw = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def _stream(self, reply: Reply) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                words = re.findall(r"\S+\s*", reply.text)
                pieces = ["".join(words[i:i + reply.chunk_words]) for i in range(0, len(words), reply.chunk_words)]
                try:
                    count = 0
                    while True:
                        if reply.endless:
                            piece = "and again "
                        elif count < len(pieces):
                            piece = pieces[count]
                        else:
                            break
                        self._event({"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]})
                        count += 1
                        if count >= ENDLESS_LIMIT:
                            break
                    self._event({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

            def _event(self, data: dict) -> None:
                chunk = {"id": "fake-1", "object": "chat.completion.chunk", "created": 0, "model": "fake", **data}
                self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                self.wfile.flush()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def reply_for(self, request: dict) -> Reply:
        if self.script is not None:
            return self.script(request)
        question = question_of(request)
        for key, reply in self.replies.items():
            if key.lower() in question.lower():
                return reply
        return self.default

    def __enter__(self) -> "FakeLLMServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
