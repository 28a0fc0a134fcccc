"""The optional LLM coder (`--coder llm`): a language model behind any OpenAI-compatible endpoint, checked against the
text it quotes.

Off unless TRACKER_LLM_URL and TRACKER_LLM_MODEL are set: nothing is sent anywhere otherwise. Only the sentences the
codebook's issue detector marks as relevant (a target phrase of an issue in the sentence, or a shared one next to
an issue's) are sent, one per request, and every answer is kept in the store by (sentence hash, model, prompt
version, codebook version) so that recoding asks nothing again (`igtracker.coding.llm_cache`).

The model's answer is not trusted: an answer that is not valid JSON of the schema is asked again a bounded number
of times and then recorded as invalid, never as a stance; a stance whose evidence is not found verbatim in the
sentence, on an issue the codebook does not have, or held by anyone but the speaker or an actor the sentence names
and the lexicon (registry aliases, country names) knows, is rejected. Quoted and reported voices then go through
the attribution step every coder shares (`code_with`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import ValidationError
from sqlalchemy import Engine, select

from igtracker.coding.attribution import ActorLexicon, SpeakerNames, resolve_holder
from igtracker.coding.codebook import Codebook, CompiledCodebook
from igtracker.coding.coder import SPEAKER_KEY, CodedStance, default_lexicon
from igtracker.coding.llm_cache import Cached, CacheKey, ResponseCache, sentence_hash
from igtracker.coding.llm_client import Budget, ChatEndpoint, LLMError, Usage
from igtracker.coding.llm_prompt import (
    PROMPT_VERSION,
    SPEAKER,
    LLMAnswer,
    LLMStance,
    answer_schema,
    prompt_version,
    system_prompt,
    user_message,
)
from igtracker.coding.rules import find_targets, normalise
from igtracker.coding.sentences import Sentence, split_sentences
from igtracker.config import Settings, get_settings
from igtracker.errors import TrackerError
from igtracker.language import detect_language

if TYPE_CHECKING:
    from igtracker.coding.coders import CodingContext

log = logging.getLogger(__name__)

MAX_SENTENCE_CHARS = 2000  # a "sentence" longer than this (a table, a list run together) is sent cut short
JSON_ATTEMPTS = 3  # an answer that is not valid JSON of the schema is asked for again, at most this often in all
# The detector reads the codebook's target phrases, which are English: other languages send nothing yet.
DETECTOR_LANGUAGES = frozenset({"en"})
SPEAKER_WORDS = {SPEAKER, "the speaker", "we", "i", "us", "our", "the author", "author"}


SCOPES = ("domain", "targets")


def relevant_sentences(text: str, codebook: Codebook, scope: str = "domain") -> list[Sentence]:
    """The sentences the issue detector marks as relevant.

    `targets`: an issue's target phrase is in the sentence, or a shared one (such as "the open Internet") next to a
    sentence that names an issue's: what the rules can read. `domain` (the default) adds the sentences that name
    an issue's anchors ("Internet", "encryption", "ICANN"): positions worded unlike any target, a consequence named
    instead of the policy, need them. Measured on the dev split's English statements: `targets` sends 82 of 215
    sentences and reaches 60 of the 96 statements that hold a position; `domain` sends 169 and reaches 94.
    """
    if scope not in SCOPES:
        raise TrackerError(f"unknown sentence scope {scope!r}; use one of {', '.join(SCOPES)}")
    sentences = split_sentences(text)
    compiled = codebook.compiled()
    bodies = [normalise(s.text) for s in sentences]
    windows = [" ".join(bodies[max(0, i - 1) : i + 2]) for i in range(len(bodies))]
    own = [{issue for hit in find_targets(body, compiled, windows[i], set()) for issue in hit.issues}
           for i, body in enumerate(bodies)]
    out = []
    for i, sentence in enumerate(sentences):
        nearby = set().union(*own[max(0, i - 1) : i + 2])
        if (own[i] or (nearby and find_targets(bodies[i], compiled, windows[i], nearby))
                or (scope == "domain" and _in_domain(bodies[i], compiled))):
            out.append(sentence)
    return out


def _in_domain(body: str, compiled: CompiledCodebook) -> bool:
    return any(anchor.search(body) for anchors in compiled.anchors.values() for anchor in anchors)


@dataclass(frozen=True)
class Verdict:
    """A stance the model read, after checking: its holders (speaker or actor keys), or why it was rejected."""

    stance: LLMStance
    holders: tuple[str, ...] = ()
    rejected: str | None = None


def verify(stance: LLMStance, sentence: str, codebook: Codebook, speaker: SpeakerNames,
           lexicon: ActorLexicon) -> Verdict:
    """Whether a stance the model read stands: evidence verbatim in the sentence, a known issue, a real holder.

    The holder is the speaker, or the actors a phrase of the sentence names ("Brazil and India": both) that the
    lexicon knows; a phrase the sentence does not contain, or one naming no known actor, is rejected.
    """
    if stance.issue not in codebook.issue_ids:
        return Verdict(stance, rejected=f"unknown issue {stance.issue!r}")
    evidence = " ".join(stance.evidence.split())
    if not evidence or evidence not in " ".join(sentence.split()):
        return Verdict(stance, rejected="evidence not in the text")
    phrase = stance.holder.strip()
    if phrase.lower() in SPEAKER_WORDS:
        return Verdict(stance, (SPEAKER_KEY,))
    if phrase.lower() not in sentence.lower():
        return Verdict(stance, rejected=f"holder {phrase!r} not named in the sentence")
    ref = resolve_holder(phrase, speaker, lexicon)
    if ref.kind == "speaker":
        return Verdict(stance, (SPEAKER_KEY,))
    if ref.kind == "actors" and ref.keys:
        return Verdict(stance, ref.keys)
    return Verdict(stance, rejected=f"holder {phrase!r} is not an actor the registry knows")


class LLMCoder:
    """Stances read by a language model, sentence by sentence, verified against the text."""

    name = "llm"
    kind = "model"
    languages: frozenset[str] | None = DETECTOR_LANGUAGES

    def __init__(self, settings: Settings | None = None, *, engine: Engine | None = None,
                 endpoint: ChatEndpoint | None = None) -> None:
        settings = settings or get_settings()
        if not settings.llm_configured:
            raise TrackerError("the llm coder is not configured: set TRACKER_LLM_URL (an OpenAI-compatible base "
                               "URL, e.g. http://localhost:11434/v1) and TRACKER_LLM_MODEL; nothing is sent "
                               "anywhere until then")
        assert settings.llm_url is not None and settings.llm_model is not None
        if urlsplit(settings.llm_url).scheme not in ("http", "https"):
            raise TrackerError(f"TRACKER_LLM_URL {settings.llm_url!r} is not an http(s) URL; give the server's "
                               "OpenAI-compatible base URL, e.g. http://localhost:11434/v1")
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        self.endpoint = endpoint or ChatEndpoint(settings.llm_url, settings.llm_model, key,
                                                 timeout=settings.llm_timeout, retries=settings.llm_retries)
        self.model = settings.llm_model
        self.scope = settings.llm_sentences
        self.version = f"p{PROMPT_VERSION}-{self.scope}+{self.model}"[:40]
        self.concurrency = settings.llm_concurrency
        self.budget = Budget(settings.llm_max_calls)
        self.settings = settings
        self._engine = engine
        self._cache: ResponseCache | None = ResponseCache(engine) if engine is not None else None
        self.counts: Counter[str] = Counter()  # this process: sent, cached, invalid, rejected: <reason>
        self._counted: set[CacheKey] = set()  # sentences already counted as sent or cached in this process

    # --- the coder seam -------------------------------------------------------------------------------------

    def code(self, text: str, context: CodingContext, codebook: Codebook) -> list[CodedStance]:
        sentences = relevant_sentences(text, codebook, self.scope)
        answers = self._answers([s.text for s in sentences], codebook)
        lexicon = context.lexicon if context.lexicon is not None else default_lexicon()
        speaker = SpeakerNames.from_names(list(context.speaker_names))
        _, version, _ = self._prompt(codebook)
        out: list[CodedStance] = []
        for sentence in sentences:
            cached = answers.get(self._key(sentence.text, codebook))
            if cached is None or cached.status != "ok":
                continue
            for item in LLMAnswer.model_validate(cached.answer).stances:
                verdict = verify(item, sentence.text, codebook, speaker, lexicon)
                if verdict.rejected:
                    self.counts[f"rejected: {verdict.rejected.split(' ', 1)[0]}"] += 1
                    log.info("llm stance rejected (%s): %s", verdict.rejected, sentence.text[:120])
                    continue
                trace = f'{self.model} read "{" ".join(item.evidence.split())[:200]}" (prompt {version})'
                out.extend(CodedStance(
                    item.issue, item.position, key, "speaker" if key == SPEAKER_KEY else lexicon.labels.get(key, key),
                    round(item.confidence, 3), sentence.text, sentence.start, sentence.end, "llm", trace,
                    coder_kind="model") for key in verdict.holders)
        return out

    # --- hooks for coding the store in batches (igtracker.coding.batches) --------------------------------------

    def start_run(self) -> None:
        """A new coding run: a fresh budget of requests."""
        self.budget.reset()

    def prepare(self, engine: Engine, codebook: Codebook, document_ids: Sequence[int]) -> None:
        """Ask about the relevant sentences of these documents before they are coded, in parallel and outside the
        coding transaction; `code` then finds every answer in the cache."""
        from igtracker.db import session_scope
        from igtracker.models import Document

        if self._cache is None or self._engine is not engine:
            self._engine, self._cache = engine, ResponseCache(engine)
        with session_scope(engine) as session:
            texts = list(session.scalars(select(Document.text).where(Document.id.in_(list(document_ids)))))
        wanted = [s.text for text in texts if text and detect_language(text) in DETECTOR_LANGUAGES
                  for s in relevant_sentences(text, codebook, self.scope)]
        self._answers(wanted, codebook)

    # --- asking ---------------------------------------------------------------------------------------------

    def _prompt(self, codebook: Codebook) -> tuple[str, str, dict[str, Any]]:
        """System prompt, prompt version and answer schema for a codebook (built once per codebook)."""
        found = codebook.__dict__.get("_llm_prompt")
        if found is None:
            found = (system_prompt(codebook), prompt_version(codebook), answer_schema(codebook))
            codebook.__dict__["_llm_prompt"] = found
        return found

    def _key(self, sentence: str, codebook: Codebook) -> CacheKey:
        return CacheKey(sentence_hash(sentence), self.model, self._prompt(codebook)[1], codebook.version)

    def _store_cache(self) -> ResponseCache:
        """The store's cache where there is a store (eval and explain open it; without one, memory only)."""
        if self._cache is None:
            from igtracker.store import open_existing_store

            try:
                self._engine = open_existing_store(self.settings)
            except TrackerError as exc:
                log.warning("llm answers are not kept (no store: %s)", exc)
                self._engine = None
            self._cache = ResponseCache(self._engine)
        return self._cache

    def _answers(self, sentences: list[str], codebook: Codebook) -> dict[CacheKey, Cached]:
        """Answers for `sentences`: from the cache, else asked (at most `concurrency` at a time) and kept."""
        cache = self._store_cache()
        keyed = {self._key(s, codebook): s for s in sentences}
        found = cache.lookup(list(keyed))
        self.counts["cached"] += len(found.keys() - self._counted)
        self._counted |= found.keys()
        todo = {k: s for k, s in keyed.items() if k not in found}
        if not todo:
            return found
        asked: dict[CacheKey, Cached] = {}
        error: BaseException | None = None
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="llm") as pool:
            futures: dict[Future[Cached], CacheKey] = {pool.submit(self._ask, s, codebook): k
                                                       for k, s in todo.items()}
            _, pending = wait(futures, return_when=FIRST_EXCEPTION)
            for future in pending:  # the first error stops the run: what has not started is not sent
                future.cancel()
        for future, key in futures.items():  # the pool has finished what was running
            if future.cancelled():
                continue
            exc = future.exception()
            if exc is None:
                asked[key] = future.result()
            elif error is None or not isinstance(error, LLMError):
                error = exc
        cache.record(asked)  # what was paid for is kept, even when the run stops here
        self._counted |= asked.keys()
        self.counts["sent"] += len(asked)
        self.counts["invalid"] += sum(1 for c in asked.values() if c.status != "ok")
        if error is not None:
            raise error
        return {**found, **asked}

    def _ask(self, sentence: str, codebook: Codebook) -> Cached:
        """One sentence's answer: asked again (with the reason) while it is not valid JSON of the schema."""
        system, _, schema = self._prompt(codebook)
        messages = [{"role": "system", "content": system},
                    {"role": "user", "content": user_message(sentence[:MAX_SENTENCE_CHARS])}]
        usage = Usage()
        problem = ""
        for _ in range(JSON_ATTEMPTS):
            self.budget.take()
            reply = self.endpoint.complete(messages, schema)
            usage.add(reply.usage)
            try:
                answer = LLMAnswer.model_validate_json(_json_part(reply.content))
                return Cached("ok", answer.model_dump(), None, usage)
            except ValidationError as exc:
                problem = _first_error(exc)
            messages = [*messages, {"role": "assistant", "content": reply.content[:2000]},
                        {"role": "user", "content": f"That answer is not valid ({problem}). Answer again with "
                                                    'the JSON object only: {"stances": [...]}.'}]
        log.warning("llm answer invalid after %d attempts (%s): %s", JSON_ATTEMPTS, problem, sentence[:120])
        return Cached("invalid", {}, f"no valid answer after {JSON_ATTEMPTS} attempts: {problem}"[:500], usage)


def _json_part(content: str) -> str:
    """The JSON object in a reply (plain-text servers may wrap it in a code fence or a sentence)."""
    start, end = content.find("{"), content.rfind("}")
    return content[start : end + 1] if 0 <= start < end else content


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error.get("loc", ()))
    return f"{where}: {error.get('msg')}" if where else str(error.get("msg"))


__all__ = ["LLMCoder", "LLMError", "relevant_sentences", "verify"]
