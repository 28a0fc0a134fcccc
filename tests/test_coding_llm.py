"""The LLM coder against a real OpenAI-compatible HTTP server on 127.0.0.1 (tests/llm_server.py), through the CLI.

What an analyst relies on: nothing is sent unless configured; only the issue detector's sentences are sent, with a
JSON schema; an answer whose evidence is not in the text, or whose holder the registry does not know, gives no
stance; invalid JSON is asked again and then recorded as an error; answers are cached in the store so recoding
costs nothing; a dead endpoint is one clear error and the other coders go on; `tracker status` shows the cost.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from igtracker.coding import CodingContext, code_with, load_codebook
from igtracker.coding.coder import default_lexicon
from igtracker.coding.coders import REGISTRY
from igtracker.coding.llm import JSON_ATTEMPTS, LLMCoder, relevant_sentences
from igtracker.config import load_settings
from igtracker.db import session_scope
from igtracker.models import Actor, Document, LLMResponse, Stance
from tests.cli import tracker
from tests.llm_server import ChatServer

FORUM_TEXT = """Digital Rights Forum statement on the treaty talks

We reject any proposal that would give the ITU control over the Internet's core resources.
The meeting took place in a large hall with a view of the sea.

Meanwhile, Brazil supports a new tax on Internet traffic to fund networks.
We oppose the social media tax, which is a tax on speech.
"""
RELEVANT = [
    "We reject any proposal that would give the ITU control over the Internet's core resources.",
    "Meanwhile, Brazil supports a new tax on Internet traffic to fund networks.",
    "We oppose the social media tax, which is a tax on speech.",
]


def new_process() -> None:
    """The registry keeps one coder per process: the next `tracker` call starts afresh, as a new command would
    (with its settings, and with nothing but the store to remember earlier answers by)."""
    REGISTRY._instances.pop("llm", None)


@pytest.fixture(autouse=True)
def fresh_coder() -> Iterator[None]:
    new_process()
    yield
    new_process()


@pytest.fixture
def server() -> Iterator[ChatServer]:
    with ChatServer() as chat:
        yield chat


def _store(engine: Engine) -> None:
    with session_scope(engine) as session:
        forum = Actor(slug="digital-rights-forum", name="Digital Rights Forum", kind="ngo", aliases=["DRF"])
        brazil = Actor(slug="brazil", name="Brazil", kind="state", country="BRA", aliases=[])
        session.add_all([forum, brazil])
        session.flush()
        session.add(Document(canonical_url="https://drf.example/treaty", url="https://drf.example/treaty",
                             actor_id=forum.id, title="Statement", published_at=datetime(2026, 3, 2, tzinfo=UTC),
                             fetched_at=datetime(2026, 3, 3, tzinfo=UTC), text=FORUM_TEXT, meta={},
                             content_hash=hashlib.sha256(FORUM_TEXT.encode()).hexdigest()))


def _env(database_url: str, chat: ChatServer | None = None, **more: str) -> dict[str, str]:
    env = {"TRACKER_DATABASE_URL": database_url, "TRACKER_LLM_RETRIES": "0", "TRACKER_LLM_TIMEOUT": "5"}
    if chat is not None:
        env |= {"TRACKER_LLM_URL": chat.url, "TRACKER_LLM_MODEL": "test-model"}
    return env | more


def _llm_stances(engine: Engine) -> list[tuple[str, str, str]]:
    with session_scope(engine) as session:
        rows = session.execute(select(Actor.slug, Stance.issue_id, Stance.position).join(Stance.actor)
                               .where(Stance.coder == "llm").order_by(Actor.slug, Stance.issue_id)).all()
    return [tuple(r) for r in rows]


def test_nothing_is_sent_unless_configured(engine: Engine, database_url: str) -> None:
    _store(engine)
    outcome = tracker("code", "--coder", "llm", env=_env(database_url))
    assert outcome.exit_code == 1 and not outcome.crashed
    assert "set TRACKER_LLM_URL" in outcome.stderr and "nothing is sent" in outcome.stderr
    listed = tracker("code", "coders", env=_env(database_url), width=400)
    assert "llm" in listed.stdout and "unavailable: the llm coder is not configured" in listed.stdout
    status = tracker("status", env=_env(database_url), width=300)
    assert "llm coder   not configured" in status.stdout
    wrong = tracker("code", "--coder", "llm", env=_env(database_url, TRACKER_LLM_URL="localhost:11434",
                                                         TRACKER_LLM_MODEL="m"))
    assert wrong.exit_code == 1 and "TRACKER_LLM_URL 'localhost:11434' is not an http(s) URL" in wrong.stderr
    assert tracker("code", "--coder", "rules", env=_env(database_url)).exit_code == 0


def test_codes_the_store_from_relevant_sentences_and_caches_the_answers(
        engine: Engine, database_url: str, server: ChatServer) -> None:
    _store(engine)
    env = _env(database_url, server, TRACKER_LLM_API_KEY="sk-test-123")
    outcome = tracker("code", "--coder", "llm", env=env)
    assert outcome.exit_code == 0, (outcome.stdout, outcome.stderr)
    assert "llm coder" in outcome.stdout and "1 documents coded" in outcome.stdout
    assert "sent 4" in outcome.stdout and "cached" not in outcome.stdout  # what the run asked
    # Only the detector's sentences went out (not the sea view, not the headline), each once, with the schema.
    assert sorted(server.sentences) == sorted(RELEVANT + ["Digital Rights Forum statement on the treaty talks"])
    body = server.requests[0]["body"]
    assert body["model"] == "test-model" and body["temperature"] == 0 and body["max_tokens"] == 800
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["stances"]["items"]["properties"]["issue"]["enum"] == ["taxation", "surveillance",
                                                                                       "control"]
    assert server.requests[0]["headers"]["authorization"] == "Bearer sk-test-123"
    assert "Internet-governance" in body["messages"][0]["content"]  # the codebook's prompt
    # The forum's own positions, and Brazil's reported one given to Brazil (a registry actor the sentence names).
    assert _llm_stances(engine) == [("brazil", "taxation", "support"), ("digital-rights-forum", "control", "oppose"),
                                    ("digital-rights-forum", "taxation", "oppose")]
    with session_scope(engine) as session:
        stance = session.scalar(select(Stance).where(Stance.coder == "llm", Stance.issue_id == "control"))
        assert stance is not None and stance.evidence == RELEVANT[0] and stance.coder_kind == "model"
        assert FORUM_TEXT[stance.evidence_start : stance.evidence_end] == RELEVANT[0]
        rows = list(session.scalars(select(LLMResponse)))
        assert len(rows) == 4 and {r.status for r in rows} == {"ok"} and sum(r.calls for r in rows) == 4
        assert all(r.prompt_tokens > 500 and r.model == "test-model" for r in rows)
    # Recoding the document asks nothing again: every answer comes from the store.
    sent = len(server.requests)
    new_process()
    again = tracker("code", "--coder", "llm", "--document", "1", env=env)
    assert again.exit_code == 0 and len(server.requests) == sent and "cached 4" in again.stdout
    assert len(_llm_stances(engine)) == 3
    status = tracker("status", env=env, width=300)
    assert "llm coder   test-model at " + server.url in status.stdout
    assert "4 requests" in status.stdout and "for 4 sentences (0 without a valid answer)" in status.stdout
    assert "sk-test-123" not in status.stdout
    as_json = json.loads(tracker("status", "--json", env=env).stdout)
    assert as_json["llm"]["calls"] == 4 and as_json["llm"]["configured"] is True


def test_evidence_not_in_the_text_and_invented_actors_give_no_stance(server: ChatServer, tmp_path: Path) -> None:
    def answer(holder: str, evidence: str, issue: str = "surveillance") -> str:
        return json.dumps({"stances": [{"holder": holder, "issue": issue, "position": "oppose",
                                        "evidence": evidence, "confidence": 0.9}]})

    server.scripts = {
        "backdoors": answer("speaker", "we will never accept encryption backdoors"),  # not what the text says
        "Atlantis": answer("Atlantis", "mass surveillance"),  # named in the text, but no actor anyone knows
        "chat control": answer("the European Commission", "oppose chat control"),  # not named in the sentence
        "client-side": answer("speaker", "client-side scanning", issue="spam"),  # not a codebook issue
        "mass surveillance of": answer("France", "oppose mass surveillance"),  # a country the sentence names
        "data retention": answer("Germany and Austria", "reject data retention"),  # two of them: both hold it
    }
    text = ("We will not accept encryption backdoors. Atlantis wants mass surveillance, and we oppose it. "
            "We oppose chat control. We oppose client-side scanning. "
            "France and we oppose mass surveillance of citizens. Germany and Austria reject data retention.")
    coder = LLMCoder(load_settings(llm_url=server.url, llm_model="m", llm_retries=0,
                                   database_url=f"sqlite:///{tmp_path / 'none.db'}"))
    context = CodingContext(("Digital Rights Forum",), default_lexicon(), "en")
    stances = code_with(coder, text, context, load_codebook())
    assert [(s.holder, s.issue_id, s.position) for s in stances] == [
        ("country:FRA", "surveillance", "oppose"), ("country:DEU", "surveillance", "oppose"),
        ("country:AUT", "surveillance", "oppose")]
    assert coder.counts["rejected: evidence"] == 1 and coder.counts["rejected: holder"] == 2
    assert coder.counts["rejected: unknown"] == 1


def test_invalid_json_is_asked_again_then_recorded_as_an_error(
        engine: Engine, database_url: str, server: ChatServer) -> None:
    _store(engine)
    server.scripts = {"social media tax": "Sure! The speaker opposes the tax."}
    outcome = tracker("code", "--coder", "llm", env=_env(database_url, server))
    assert outcome.exit_code == 0, outcome.stderr
    retried = [r for r in server.requests if "social media tax" in json.dumps(r["body"])]
    assert len(retried) == JSON_ATTEMPTS
    assert "not valid" in retried[-1]["body"]["messages"][-1]["content"]  # told what was wrong
    assert ("digital-rights-forum", "taxation", "oppose") not in _llm_stances(engine)  # never a stance
    with session_scope(engine) as session:
        bad = session.scalar(select(LLMResponse).where(LLMResponse.status != "ok"))
        assert bad is not None and bad.status == "invalid" and bad.calls == JSON_ATTEMPTS
        assert "no valid answer after 3 attempts" in (bad.error or "")
    status = tracker("status", env=_env(database_url, server), width=300)
    assert "(1 without a valid answer)" in status.stdout


def test_a_server_without_json_schema_gets_a_json_object_request(server: ChatServer, tmp_path: Path) -> None:
    server.refuse_json_schema = True
    coder = LLMCoder(load_settings(llm_url=server.url, llm_model="m", llm_retries=0, llm_concurrency=1,
                                   database_url=f"sqlite:///{tmp_path / 'none.db'}"))
    stances = code_with(coder, RELEVANT[2], CodingContext((), default_lexicon(), "en"), load_codebook())
    assert [(s.issue_id, s.position) for s in stances] == [("taxation", "oppose")]
    assert [r["body"]["response_format"]["type"] for r in server.requests] == ["json_schema", "json_object"]
    assert "stances" in server.requests[1]["body"]["response_format"]["schema"]["properties"]  # llama-cpp-python's way


def test_a_dead_endpoint_is_one_clear_error_and_the_rules_go_on(engine: Engine, database_url: str) -> None:
    _store(engine)
    with ChatServer() as chat:
        url = chat.url  # a port nobody listens on once the server is gone
    env = _env(database_url) | {"TRACKER_LLM_URL": url, "TRACKER_LLM_MODEL": "m"}
    outcome = tracker("code", "--coder", "llm", env=env)
    assert outcome.exit_code == 1 and not outcome.crashed
    assert f"the LLM endpoint {url} does not answer" in outcome.stderr
    assert "TRACKER_LLM_URL" in outcome.stderr
    assert tracker("code", "--coder", "rules", env=env).exit_code == 0
    with session_scope(engine) as session:
        assert session.scalar(select(Stance).where(Stance.coder == "rules")) is not None


def test_a_failing_server_and_a_wrong_key_are_named(server: ChatServer, tmp_path: Path) -> None:
    settings = load_settings(llm_url=server.url, llm_model="m", llm_retries=1,
                             database_url=f"sqlite:///{tmp_path / 'none.db'}")
    context = CodingContext((), default_lexicon(), "en")
    for status, expected in ((401, "refused the API key: check TRACKER_LLM_API_KEY"),
                             (500, "failed: scripted failure 500")):
        server.status = status
        with pytest.raises(Exception, match=expected):
            code_with(LLMCoder(settings), RELEVANT[2], context, load_codebook())
    assert sum(1 for r in server.requests) == 1 + 2  # 401 is not retried; 500 is, once (TRACKER_LLM_RETRIES=1)


def test_the_budget_stops_the_run_and_keeps_what_was_paid_for(
        engine: Engine, database_url: str, server: ChatServer) -> None:
    _store(engine)
    env = _env(database_url, server, TRACKER_LLM_MAX_CALLS="2", TRACKER_LLM_CONCURRENCY="1")
    outcome = tracker("code", "--coder", "llm", env=env)
    assert outcome.exit_code == 1 and "sent the 2 requests this run may send (TRACKER_LLM_MAX_CALLS)" in \
        outcome.stderr
    assert len(server.requests) == 2
    with session_scope(engine) as session:
        assert len(list(session.scalars(select(LLMResponse)))) == 2  # the answers paid for are kept
    new_process()
    finish = tracker("code", "--coder", "llm", env=_env(database_url, server, TRACKER_LLM_MAX_CALLS="2"))
    assert finish.exit_code == 0 and len(server.requests) == 4  # the next run asks only the other two


def test_requests_in_flight_stay_within_the_concurrency_limit(server: ChatServer, tmp_path: Path) -> None:
    server.delay = 0.2
    coder = LLMCoder(load_settings(llm_url=server.url, llm_model="m", llm_concurrency=2,
                                   database_url=f"sqlite:///{tmp_path / 'none.db'}"))
    text = " ".join(f"We oppose the Internet tax of {i} cents per gigabyte." for i in range(6))
    code_with(coder, text, CodingContext((), default_lexicon(), "en"), load_codebook())
    assert len(server.requests) == 6 and server.max_in_flight == 2


def test_eval_and_compare_with_the_llm_coder(server: ChatServer, tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    rows = [
        {"id": "a", "text": RELEVANT[2], "actor": "Digital Rights Forum", "labels": {"taxation": "oppose"}},
        {"id": "b", "text": "We support the proposal for a tax on streaming traffic.", "actor": "Telco",
         "labels": {"taxation": "support"}},
        {"id": "c", "text": "We reject the ITU's plan, and we need the multi-stakeholder model.", "actor": "ISOC",
         "labels": {"control": "oppose"}},
    ]
    gold.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    env = _env(f"sqlite:///{tmp_path / 'store.db'}", server)
    assert tracker("db", "upgrade", env=env).exit_code == 0
    scored = tracker("eval", str(gold), "--coder", "llm", "--format", "json", env=env)
    assert scored.exit_code == 0, scored.stderr
    result = json.loads(scored.stdout)
    assert result["coder"] == "llm" and result["n"] == 3 and result["macro_f1"] == 1.0
    compared = tracker("code", "compare", str(gold), "--coder", "llm", "--coder", "rules", env=env, width=400)
    assert compared.exit_code == 0, compared.stderr
    assert "llm against rules: 3 statements, 9 statement-issue pairs" in compared.stdout
    assert "kappa" in compared.stdout and "disagreements" in compared.stdout
    data = json.loads(tracker("code", "compare", str(gold), "--coder", "llm", "--coder", "rules", "--format",
                              "json", env=env).stdout)
    assert data["pairs"] == 9 and -1 <= (data["kappa"] or 0) <= 1
    assert len(data["disagreements"]) == 9 - round(data["agreement"] * 9)
    sent = len(server.requests)
    new_process()
    assert tracker("eval", str(gold), "--coder", "llm", env=env).exit_code == 0
    assert len(server.requests) == sent  # the store's cache answered


def test_relevant_sentences_are_the_issue_detectors() -> None:
    codebook = load_codebook()
    found = [s.text for s in relevant_sentences(FORUM_TEXT, codebook)]
    assert found[1:] == RELEVANT and "sea" not in " ".join(found)
    euphemism = "Journalists will no longer be able to protect their sources online."  # a consequence, no target
    assert [s.text for s in relevant_sentences(euphemism, codebook)] == [euphemism]
    assert relevant_sentences(euphemism, codebook, "targets") == []
