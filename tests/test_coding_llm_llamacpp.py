"""The LLM coder end to end against a real local inference server: llama-cpp-python's OpenAI-compatible server with
a small GGUF model. Runs where both are installed; skipped with the reason elsewhere (no GGUF model is on the
package index, and building llama.cpp takes a while). To run it:

    pip install 'llama-cpp-python[server]'      # builds llama.cpp (CPU); ~10 minutes on 2 cores
    # a small instruct model in GGUF, e.g. Qwen2.5-1.5B-Instruct Q4_K_M (~1 GB) from its publisher
    TRACKER_TEST_LLAMA_GGUF=/path/to/model.gguf pytest -q tests/test_coding_llm_llamacpp.py
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

from tracker.coding import CodingContext, code_with, load_codebook
from tracker.coding.coder import default_lexicon
from tracker.coding.llm import LLMCoder
from tracker.config import load_settings

GGUF = os.environ.get("TRACKER_TEST_LLAMA_GGUF")
STARTUP_SECONDS = 180

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None,
                       reason="llama-cpp-python is not installed (pip install 'llama-cpp-python[server]')"),
    pytest.mark.skipif(not GGUF or not Path(GGUF).is_file(),
                       reason="TRACKER_TEST_LLAMA_GGUF does not name a GGUF model file (a small instruct model)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server() -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(GGUF), "--host", "127.0.0.1", "--port", str(port),
         "--n_ctx", "4096", "--model_alias", "local"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"llama_cpp.server exited: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
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


def test_a_local_model_codes_an_explicit_statement_with_verified_evidence(llama_server: str, tmp_path: Path) -> None:
    settings = load_settings(llm_url=llama_server, llm_model="local", llm_timeout=300, llm_concurrency=1,
                             database_url=f"sqlite:///{tmp_path / 'none.db'}")
    coder = LLMCoder(settings)
    text = ("We firmly oppose the proposed tax on Internet traffic. "
            "Our association will defend end-to-end encryption against any backdoor.")
    stances = code_with(coder, text, CodingContext(("Internet Users Association",), default_lexicon(), "en"),
                        load_codebook())
    assert coder.counts["sent"] == 2
    readings = {(s.holder, s.issue_id, s.position) for s in stances}
    assert ("speaker", "taxation", "oppose") in readings, (readings, coder.counts)
    for stance in stances:  # every stance kept rests on a span the model copied from the text
        span = stance.trace.split('"')[1]
        assert span in text
