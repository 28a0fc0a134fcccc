"""Talking to an OpenAI-compatible chat endpoint (Ollama, llama.cpp's server, vLLM, a hosted API) for the LLM coder.

The `openai` client does the HTTP: timeouts, and retries with exponential backoff of connection errors, timeouts,
rate limits and server errors (`max_retries`). Here: structured output with the best `response_format` the server
accepts (a JSON schema, else a JSON object, else plain text; the first that is not refused is kept), a per-run
budget of requests, and one clear error when the endpoint cannot be used, naming the URL and what to check.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from igtracker.errors import TrackerError

# Best first: OpenAI's JSON schema (vLLM, Ollama, llama.cpp's own server, hosted APIs); llama-cpp-python's server's
# JSON object constrained by a schema; any JSON object; plain text (the prompt asks for JSON and the reply is checked).
FORMATS = ("json_schema", "json_object_schema", "json_object", "plain")
MAX_ANSWER_TOKENS = 800  # an answer for one sentence needs a few hundred at most; a rambling model is cut off


class LLMError(TrackerError):
    """The LLM coder cannot go on (endpoint down or refusing, budget spent); what is coded so far stays."""


class LLMUnavailableError(LLMError):
    pass


class LLMBudgetError(LLMError):
    pass


@dataclass
class Usage:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, other: Usage) -> None:
        self.calls += other.calls
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens


@dataclass(frozen=True)
class Reply:
    content: str
    usage: Usage


class Budget:
    """Requests one run may still send (thread-safe)."""

    def __init__(self, max_calls: int) -> None:
        self.max_calls = max_calls
        self.used = 0
        self._lock = threading.Lock()

    def take(self) -> None:
        with self._lock:
            if self.used >= self.max_calls:
                raise LLMBudgetError(
                    f"the llm coder has sent the {self.max_calls} requests this run may send "
                    "(TRACKER_LLM_MAX_CALLS); the documents coded so far are kept: run again to go on, or raise "
                    "the budget")
            self.used += 1

    def reset(self) -> None:
        with self._lock:
            self.used = 0


class ChatEndpoint:
    """One model on one OpenAI-compatible server."""

    def __init__(self, url: str, model: str, api_key: str | None = None, *, timeout: float = 60.0,
                 retries: int = 3) -> None:
        try:
            from openai import OpenAI
        except ImportError as exc:
            raise LLMError("the llm coder needs the openai client: pip install 'igtracker[llm]'") from exc

        self.url = url.rstrip("/")
        self.model = model
        # Local servers want no key, but the client insists on one: any placeholder will do for them.
        self.client = OpenAI(base_url=self.url, api_key=api_key or "unused", timeout=timeout, max_retries=retries)
        self.format = FORMATS[0]
        self._lock = threading.Lock()

    def complete(self, messages: list[dict[str, str]], schema: dict[str, Any]) -> Reply:
        """The model's reply to `messages`, asked for JSON in the best way the server accepts."""
        import openai

        while True:
            mode = self.format
            try:
                response = self.client.chat.completions.create(
                    model=self.model, messages=messages, temperature=0,  # type: ignore[arg-type]
                    max_tokens=MAX_ANSWER_TOKENS,
                    **_response_format(mode, schema))
            except openai.APIStatusError as exc:
                # Servers refuse a response_format they do not know with 400, 422 or even 500.
                if mode != FORMATS[-1] and exc.status_code in (400, 422, 500) and _about_format(exc):
                    self._downgrade(mode)
                    continue
                if isinstance(exc, (openai.BadRequestError, openai.UnprocessableEntityError)):
                    raise LLMUnavailableError(f"the LLM endpoint {self.url} refused the request for model "
                                              f"{self.model!r}: {_message(exc)}") from exc
                raise self._unavailable(exc) from exc
            except openai.APIError as exc:
                raise self._unavailable(exc) from exc
            usage = response.usage
            content = response.choices[0].message.content if response.choices else None
            return Reply(content or "", Usage(1, getattr(usage, "prompt_tokens", 0) or 0,
                                              getattr(usage, "completion_tokens", 0) or 0))

    def _downgrade(self, mode: str) -> None:
        with self._lock:
            if self.format == mode:
                self.format = FORMATS[FORMATS.index(mode) + 1]

    def _unavailable(self, exc: Exception) -> LLMUnavailableError:
        import openai

        where = f"the LLM endpoint {self.url}"
        if isinstance(exc, openai.APITimeoutError):
            what = "timed out (TRACKER_LLM_TIMEOUT); is the server overloaded, or the model too large for it?"
        elif isinstance(exc, openai.APIConnectionError):
            what = "does not answer: check TRACKER_LLM_URL and that the server is running"
        elif isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
            what = "refused the API key: check TRACKER_LLM_API_KEY"
        elif isinstance(exc, openai.NotFoundError):
            what = (f"has no model {self.model!r} or is not an OpenAI-compatible base URL (it usually ends in "
                    f"/v1): check TRACKER_LLM_MODEL and TRACKER_LLM_URL")
        elif isinstance(exc, openai.RateLimitError):
            what = "kept refusing requests as too many (rate limit); try later or lower TRACKER_LLM_CONCURRENCY"
        else:
            what = f"failed: {_message(exc)}"
        return LLMUnavailableError(f"{where} {what}; the other coders are not affected")


def _response_format(mode: str, schema: dict[str, Any]) -> dict[str, Any]:
    if mode == "json_schema":
        return {"response_format": {"type": "json_schema",
                                    "json_schema": {"name": "stances", "schema": schema, "strict": True}}}
    if mode == "json_object_schema":
        return {"response_format": {"type": "json_object", "schema": schema}}
    if mode == "json_object":
        return {"response_format": {"type": "json_object"}}
    return {}


def _about_format(exc: Exception) -> bool:
    """Whether a refused request was refused for its response_format (servers that do not support it)."""
    text = _message(exc).lower()
    return any(word in text for word in ("response_format", "json_schema", "json_object", "response format",
                                         "structured", "grammar", "schema"))


def _message(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:300]
        if isinstance(inner, str):
            return inner[:300]
    return str(exc)[:300]
