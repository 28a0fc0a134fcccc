"""A small OpenAI-compatible chat server on 127.0.0.1 for the LLM coder's tests: real HTTP, deterministic answers.

It answers POST /v1/chat/completions the way a careful model would answer the coder's prompt, read from the
prompt itself: the sentence between the markers of the user message; a position word in it ("oppose", "reject",
"against"; "support", "welcome", "need") on the issue a keyword names ("tax", "surveillance"/"encryption",
"ITU"/"multi-stakeholder"), held by the speaker or by an actor named before "wants"/"supports"/"opposes"; the
evidence is the clause that says it. A test can script other answers for sentences containing a phrase (bad JSON,
an evidence span that is not in the text, an invented actor), refuse `json_schema` like servers without
structured output, delay answers, or fail. Every request is kept for the test to check.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SENTENCE = re.compile(r"<<<\n(.*)\n>>>", re.DOTALL)
ISSUES = {"taxation": re.compile(r"\btax", re.I), "surveillance": re.compile(r"surveillance|encrypt", re.I),
          "control": re.compile(r"\bITU\b|multi-?stakeholder", re.I)}
OPPOSE = re.compile(r"\b(?:oppose[sd]?|reject|against)\b", re.I)
SUPPORT = re.compile(r"\b(?:supports?|welcome|need|must)\b", re.I)
REPORTED = re.compile(r"^(?:Meanwhile, )?(?P<who>[A-Z][\w ]+?) (?:wants?|supports?|opposes?)\b")

Script = str | Callable[[str, dict[str, Any]], str]


@dataclass
class ChatServer:
    """`with ChatServer() as server:` serves on `server.url` (an OpenAI-compatible base URL ending in /v1)."""

    refuse_json_schema: bool = False
    delay: float = 0.0
    status: int = 200  # answer every request with this status (e.g. 500, 401) when not 200
    scripts: dict[str, Script] = field(default_factory=dict)  # phrase in the sentence -> reply content
    requests: list[dict[str, Any]] = field(default_factory=list)
    max_in_flight: int = 0
    _in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> ChatServer:
        handler = type("Handler", (_Handler,), {"chat": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def sentences(self) -> list[str]:
        """The sentence of each request, in order."""
        return [sentence_of(r["body"]) for r in self.requests]

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        fmt = (body.get("response_format") or {}).get("type")
        if self.refuse_json_schema and fmt == "json_schema":
            return 400, {"error": {"message": "response_format type json_schema is not supported", "code": 400}}
        if self.status != 200:
            return self.status, {"error": {"message": f"scripted failure {self.status}"}}
        sentence = sentence_of(body)
        content = next((s(sentence, body) if callable(s) else s for phrase, s in self.scripts.items()
                        if phrase in sentence), None)
        if content is None:
            content = json.dumps({"stances": read(sentence)})
        prompt_words = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
        return 200, {
            "id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": prompt_words, "completion_tokens": len(content.split()),
                      "total_tokens": prompt_words + len(content.split())},
        }


def sentence_of(body: dict[str, Any]) -> str:
    for message in body.get("messages", []):
        if message.get("role") == "user":
            found = SENTENCE.search(str(message.get("content", "")))
            if found:
                return found.group(1)
    return ""


def read(sentence: str) -> list[dict[str, Any]]:
    """The deterministic reading: one position per issue a keyword names, where a position word says which way."""
    side = "oppose" if OPPOSE.search(sentence) else "support" if SUPPORT.search(sentence) else None
    if side is None:
        return []
    reported = REPORTED.match(sentence)
    holder = reported.group("who").split(" and ")[0] if reported else "speaker"
    clause = re.split(r"[,;]", sentence.rstrip("."))[0]
    return [{"holder": holder, "issue": issue, "position": side, "evidence": clause, "confidence": 0.8}
            for issue, pattern in ISSUES.items() if pattern.search(sentence)]


class _Handler(BaseHTTPRequestHandler):
    chat: ChatServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:  # noqa: N802 - the http.server hook's name
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send(404, {"error": {"message": f"no route {self.path}"}})
            return
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        chat = self.chat
        with chat._lock:
            chat.requests.append({"body": body, "headers": {k.lower(): v for k, v in self.headers.items()}})
            chat._in_flight += 1
            chat.max_in_flight = max(chat.max_in_flight, chat._in_flight)
        try:
            if chat.delay:
                time.sleep(chat.delay)
            self._send(*chat.answer(body))
        finally:
            with chat._lock:
                chat._in_flight -= 1

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
