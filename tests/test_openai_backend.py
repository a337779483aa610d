"""The OpenAI-compatible chat backend and the eval judge against a real OpenAI-compatible server on
loopback: llama-cpp-python's own server (``python -m llama_cpp.server``) serving the packaged GGUF.
The canonical seed questions get the same checks as with the in-process model (tests/test_answers.py).
"""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from app.api import Chat, ask
from conftest import free_port, stop_server, wait_until_up
from test_answers import SEED_QUESTIONS, check_seed_answer, has_number

pytestmark = pytest.mark.slow


SERVED = "qwen2.5-coder"  # the name the server gives the packaged default model

@pytest.fixture(scope="module")
def llama_server(seed_settings, tmp_path_factory):
    """``llama_cpp.server`` on 127.0.0.1 with the packaged model and the in-process model's context size."""
    pytest.importorskip("sse_starlette", reason="llama-cpp-python's [server] extra is not installed")
    pytest.importorskip("starlette_context", reason="llama-cpp-python's [server] extra is not installed")
    from app.llm import gguf_path
    from app.runtime import server_env

    port = free_port()
    llm = seed_settings.llm
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf_path(seed_settings)),
               "--model_alias", SERVED, "--host", "127.0.0.1", "--port", str(port),
               "--n_ctx", str(llm.n_ctx), "--n_threads", str(llm.n_threads or os.cpu_count() or 2), "--seed", "0"]
    with log_path.open("wb") as log:
        # server_env: which CPU library the server's ggml loads (a dispatching build, app/runtime.py).
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=server_env())
    url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_until_up(process, lambda: httpx.get(f"{url}/models", timeout=2).status_code == 200, 180,
                      "llama_cpp.server", log_path)
        yield url
    finally:
        stop_server(process)


@pytest.fixture(scope="module")
def openai_newsdesk(seed_settings, llama_server):
    """The application with the openai backend pointed at the llama.cpp server."""
    from app.application import Newsdesk

    settings = seed_settings.with_overrides(**{"llm.backend": "openai", "llm.base_url": llama_server,
                                               "llm.model": SERVED, "llm.api_key": "not-needed"})
    with Newsdesk(settings) as newsdesk:
        yield newsdesk


@pytest.mark.parametrize("question, forms", SEED_QUESTIONS)
def test_seed_questions_through_the_openai_backend(openai_newsdesk, question, forms):
    answer = ask(question, newsdesk=openai_newsdesk)
    assert answer.model == f"openai: {SERVED}"
    check_seed_answer(answer, forms)


def test_refusal_and_follow_up_through_the_openai_backend(openai_newsdesk):
    refused = ask("What is the capital of France?", newsdesk=openai_newsdesk)
    assert refused.refused and "Paris" not in refused.text
    chat = Chat(newsdesk=openai_newsdesk)
    chat.ask("How many rockets were launched at the base?")
    follow_up = chat.ask("And how many of them hit?")
    assert follow_up.standalone_question and "rocket" in follow_up.standalone_question.lower()
    assert has_number(follow_up.text, "14", "fourteen"), follow_up.text


def test_the_eval_judge_runs_on_the_openai_compatible_server(seed_settings, llama_server):
    from app.evaluation.judge import Judge, JudgeConfig

    judge = Judge.from_config(JudgeConfig(backend="openai", model=SERVED, base_url=llama_server,
                                          api_key="not-needed"), seed_settings)
    passage = "Fourteen of the projectiles hit the target, causing minor injuries to two personnel at the base."
    supported, reply = judge.verdict("How many rockets hit the base?", "Fourteen rockets hit the base [1].", [passage])
    assert supported is True, reply
    assert judge.failures == 0
