"""The OpenAI-compatible backend against a mock server bound to 127.0.0.1 on an ephemeral port.

The mock tokenizes text into single characters and gives character c the log-probability
−0.01 · (ord(c) mod 50 + 1), so the exact log-probability of any continuation is computed here
independently of the backend.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from llm_eval.backends import load_backend
from llm_eval.backends.openai_compat import OpenAICompatBackend, ServerError, render_chatml


def char_log_prob(character: str) -> float:
    return -0.01 * (ord(character) % 50 + 1)


class MockHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except BrokenPipeError:
            pass  # the client under test timed out and closed the connection on purpose

    def take_injected_failure(self) -> bool:
        state = self.server.state
        if state["fail_statuses"]:
            self.reply(state["fail_statuses"].pop(0), {"error": "injected"})
            return True
        if state["delay_s"]:
            time.sleep(state["delay_s"])
        return False

    def do_GET(self):
        self.server.state["requests"].append(("GET", self.path, None))
        if self.take_injected_failure():
            return
        if self.path == "/v1/models":
            self.reply(200, {"data": [{"id": "mock-model"}]})
        else:
            self.reply(404, {"error": "not found"})

    def do_POST(self):
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.state["requests"].append(("POST", self.path, payload))
        if self.take_injected_failure():
            return

        if self.path == "/v1/chat/completions":
            served = min(payload["n"], self.server.state["max_n"])
            last = payload["messages"][-1]["content"]
            choices = [
                {"index": i, "message": {"role": "assistant", "content": f"{last}|seed={payload['seed']}|{i}"}}
                for i in range(served)
            ]
            self.reply(200, {"choices": choices})
        elif self.path == "/v1/completions":
            choices = []
            for index, text in enumerate(payload["prompt"]):
                values = [None] + [char_log_prob(c) for c in text[1:]]
                logprobs = {"tokens": list(text), "token_logprobs": values, "text_offset": list(range(len(text)))}
                choices.append({"index": index, "text": text, "logprobs": logprobs})
            self.reply(200, {"choices": list(reversed(choices))})
        else:
            self.reply(404, {"error": "not found"})


@pytest.fixture()
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), MockHandler)
    httpd.state = {"requests": [], "fail_statuses": [], "delay_s": 0.0, "max_n": 100}
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def url_of(httpd) -> str:
    return f"http://127.0.0.1:{httpd.server_address[1]}/v1"


CHAT = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi there"}]


def test_model_id_from_models_listing(server):
    backend = load_backend(f"openai:{url_of(server)}")
    assert backend.model == "mock-model"
    assert backend.name == f"openai:{url_of(server)}#mock-model"


def test_sample_sends_sampling_fields(server):
    backend = load_backend(f"openai:{url_of(server)}#served")
    samples = backend.sample([CHAT, CHAT], 3, max_new_tokens=5, temperature=0.7, seed=11)

    assert samples[0] == [f"Hi there|seed=11|{i}" for i in range(3)]
    assert samples[1] == [f"Hi there|seed={11 + 1_000_003}|{i}" for i in range(3)]
    method, path, payload = server.state["requests"][0]
    assert (method, path) == ("POST", "/v1/chat/completions")
    assert payload["model"] == "served"
    assert payload["messages"] == CHAT
    assert (payload["n"], payload["max_tokens"], payload["temperature"]) == (3, 5, 0.7)


def test_sample_fills_missing_choices(server):
    server.state["max_n"] = 1
    backend = OpenAICompatBackend(url_of(server), "served")
    samples = backend.sample([CHAT], 3, max_new_tokens=4, seed=5)
    assert samples == [["Hi there|seed=5|0", "Hi there|seed=6|0", "Hi there|seed=7|0"]]


def test_log_probs_match_exact_difference(server):
    backend = OpenAICompatBackend(url_of(server), "served", batch_size=2)
    continuations = ["Hello!", "", "A longer answer with spaces."]
    result = backend.log_probs([CHAT] * 3, continuations)

    expected = np.array([sum(char_log_prob(c) for c in text) for text in continuations])
    assert result.dtype == np.float64
    assert result.shape == (3,)
    # Sums of a few dozen float64 terms in a different order agree to rounding.
    np.testing.assert_allclose(result, expected, rtol=0, atol=1e-12)

    payloads = [payload for _, path, payload in server.state["requests"] if path == "/v1/completions"]
    assert all(payload["echo"] is True and payload["max_tokens"] == 0 for payload in payloads)
    assert all(len(payload["prompt"]) <= 2 for payload in payloads)
    assert render_chatml(CHAT) in payloads[0]["prompt"]


def test_retries_transient_status(server):
    server.state["fail_statuses"] = [503, 500]
    backend = OpenAICompatBackend(url_of(server), "served", max_retries=2, backoff=0.01)
    assert backend.sample([CHAT], 1, max_new_tokens=2, seed=0) == [["Hi there|seed=0|0"]]
    assert len(server.state["requests"]) == 3


def test_gives_up_after_max_retries(server):
    server.state["fail_statuses"] = [503, 503, 503]
    backend = OpenAICompatBackend(url_of(server), "served", max_retries=1, backoff=0.01)
    with pytest.raises(ServerError, match=r"HTTP 503.*gave up after 2 attempts"):
        backend.sample([CHAT], 1, max_new_tokens=2)
    assert len(server.state["requests"]) == 2


def test_client_error_names_url_and_status(server):
    backend = OpenAICompatBackend(url_of(server) + "/wrong", "served", max_retries=3, backoff=0.01)
    with pytest.raises(ServerError, match=r"/v1/wrong/chat/completions returned HTTP 404"):
        backend.sample([CHAT], 1, max_new_tokens=2)
    assert len(server.state["requests"]) == 1


def test_timeout_is_reported(server):
    server.state["delay_s"] = 0.5
    backend = OpenAICompatBackend(url_of(server), "served", timeout=0.1, max_retries=0)
    with pytest.raises(ServerError, match="timed out"):
        backend.sample([CHAT], 1, max_new_tokens=2)


def test_invalid_url_rejected():
    with pytest.raises(ValueError, match="'ftp://127.0.0.1/v1' is invalid"):
        load_backend("openai:ftp://127.0.0.1/v1#m")
