"""The LLM coder end to end against a real local inference server: llama-cpp-python's OpenAI-compatible server.

Runs where llama-cpp-python's server is installed (in this interpreter, or the one TRACKER_TEST_LLAMA_PYTHON
names) and is skipped with the reason elsewhere: it builds llama.cpp from source (about 15 minutes on 2 cores),
too slow for every CI run. No GGUF model is on the package index: without TRACKER_TEST_LLAMA_GGUF the test makes a
tiny random-weight model (tests/tiny_gguf.py), which checks the contract (a real server, real HTTP, JSON
constrained by the schema, nothing unverified kept); with a real instruct model it also checks the reading.

    python -m venv /tmp/llama && /tmp/llama/bin/pip install 'llama-cpp-python[server]' gguf
    TRACKER_TEST_LLAMA_PYTHON=/tmp/llama/bin/python pytest -q tests/test_coding_llm_llamacpp.py
    # and with a real model, e.g. Qwen2.5-1.5B-Instruct Q4_K_M (~1 GB) from its publisher:
    TRACKER_TEST_LLAMA_GGUF=/path/to/model.gguf TRACKER_TEST_LLAMA_PYTHON=/tmp/llama/bin/python pytest -q ...
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from igtracker.coding import CodingContext, code_with, load_codebook
from igtracker.coding.coder import default_lexicon
from igtracker.coding.llm import LLMCoder
from igtracker.config import load_settings

GGUF = os.environ.get("TRACKER_TEST_LLAMA_GGUF")
LLAMA_PYTHON = os.environ.get("TRACKER_TEST_LLAMA_PYTHON")
STARTUP_SECONDS = 180
TEXT = ("We firmly oppose the proposed tax on Internet traffic. "
        "Our association will defend end-to-end encryption against any backdoor.")


def _has_server() -> bool:
    if LLAMA_PYTHON:
        return Path(LLAMA_PYTHON).is_file()
    return importlib.util.find_spec("llama_cpp") is not None


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not _has_server(), reason="llama-cpp-python's server is not installed (pip install "
                       "'llama-cpp-python[server]' gguf, or TRACKER_TEST_LLAMA_PYTHON=a python that has it)"),
    pytest.mark.skipif(bool(GGUF) and not Path(GGUF or "").is_file(),
                       reason="TRACKER_TEST_LLAMA_GGUF does not name a GGUF model file"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    python = LLAMA_PYTHON or sys.executable
    model = GGUF
    if not model:
        model = str(tmp_path_factory.mktemp("gguf") / "tiny.gguf")
        subprocess.run([python, str(Path(__file__).with_name("tiny_gguf.py")), model], check=True, timeout=120)
    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"  # llama.cpp logs a lot: a file, not a pipe to fill up
    process = subprocess.Popen(
        [python, "-m", "llama_cpp.server", "--model", model, "--host", "127.0.0.1", "--port", str(port),
         "--n_ctx", "16384" if not GGUF else "4096", "--model_alias", "local"],
        stdout=subprocess.DEVNULL, stderr=log.open("wb"),
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"llama_cpp.server exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(1)
        else:
            pytest.fail(f"llama_cpp.server did not start within {STARTUP_SECONDS} s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _code(url: str, tmp_path: Path) -> tuple[LLMCoder, list]:
    settings = load_settings(llm_url=url, llm_model="local", llm_timeout=600, llm_concurrency=1, llm_retries=0,
                             database_url=f"sqlite:///{tmp_path / 'none.db'}")
    coder = LLMCoder(settings)
    stances = code_with(coder, TEXT, CodingContext(("Internet Users Association",), default_lexicon(), "en"),
                        load_codebook())
    return coder, stances


def test_the_contract_with_a_real_inference_server(llama_server: str, tmp_path: Path) -> None:
    """Whatever the model says, the coder gets an answer per sentence through the schema and keeps only what it can
    verify: every stance rests on a span copied from the text."""
    coder, stances = _code(llama_server, tmp_path)
    assert coder.counts["sent"] == 2
    # llama-cpp-python's server refuses OpenAI's json_schema but takes a schema with json_object (as a grammar)
    assert coder.endpoint.format == "json_object_schema"
    if coder.counts["invalid"] == 2:  # the random model rambles past the answer's token cap: no stance from that
        assert stances == []
    for stance in stances:
        span = stance.trace.split('"')[1]
        assert span in TEXT and stance.issue_id in load_codebook().issue_ids


@pytest.mark.skipif(not GGUF, reason="a real instruct model is needed to read (TRACKER_TEST_LLAMA_GGUF)")
def test_a_local_model_reads_an_explicit_statement(llama_server: str, tmp_path: Path) -> None:
    coder, stances = _code(llama_server, tmp_path)
    readings = {(s.holder, s.issue_id, s.position) for s in stances}
    assert ("speaker", "taxation", "oppose") in readings, (readings, coder.counts)
