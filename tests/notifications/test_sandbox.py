"""The sandbox SMS gateway itself, over real HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from motcua.sandbox.sms import SmsSandbox

KEY = "sandbox-key"


@pytest.fixture
def sandbox():
    with SmsSandbox(api_key=KEY) as running:
        yield running


def call(url, *, method="GET", payload=None, headers=None):
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            body = response.read()
            return response.status, json.loads(body) if body else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def send(sandbox, *, to="0912345678", text="Xin chào", key=KEY, idempotency_key=None):
    headers = {"Content-Type": "application/json", "X-API-Key": key}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    return call(sandbox.send_url, method="POST", payload={"to": to, "text": text}, headers=headers)


def test_accepts_and_lists_messages(sandbox):
    status, answer = send(sandbox, text="Hồ sơ đã được tiếp nhận")
    assert status == 202
    assert answer == {"id": "sbx-1", "status": "accepted"}
    status, listing = call(f"{sandbox.base_url}/messages")
    assert status == 200
    [message] = listing["messages"]
    assert message["to"] == "0912345678"
    assert message["text"] == "Hồ sơ đã được tiếp nhận"
    assert message == sandbox.messages[0]


def test_refuses_a_wrong_api_key_and_echoes_it(sandbox):
    status, answer = send(sandbox, key="wrong")
    assert status == 401
    assert "wrong" in answer["error"]
    assert sandbox.messages == []


def test_refuses_what_is_not_a_mobile_number(sandbox):
    assert send(sandbox, to="1234")[0] == 422
    assert (
        call(sandbox.send_url, method="POST", payload={"to": "0912345678"}, headers={"X-API-Key": KEY})[0]
        == 400
    )
    assert sandbox.messages == []


def test_a_repeated_idempotency_key_is_recorded_once(sandbox):
    first = send(sandbox, idempotency_key="k1")
    second = send(sandbox, idempotency_key="k1")
    third = send(sandbox, idempotency_key="k2")
    assert first == (202, {"id": "sbx-1", "status": "accepted"})
    assert second == (200, {"id": "sbx-1", "status": "duplicate"})
    assert third[1]["id"] == "sbx-2"
    assert len(sandbox.messages) == 2


def test_injected_failures_are_answered_and_not_recorded(sandbox):
    sandbox.fail_next(2, status=503)
    assert send(sandbox)[0] == 503
    assert send(sandbox)[0] == 503
    assert send(sandbox)[0] == 202
    assert len(sandbox.messages) == 1


def test_delete_forgets_everything(sandbox):
    send(sandbox)
    assert call(f"{sandbox.base_url}/messages", method="DELETE") == (204, None)
    assert sandbox.messages == []


def test_restart_on_the_same_port_keeps_what_was_received(sandbox):
    send(sandbox)
    port = sandbox.port
    sandbox.stop()
    assert not sandbox.running
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
    sandbox.start()
    assert sandbox.port == port
    assert call(f"{sandbox.base_url}/health") == (200, {"status": "ok"})
    assert len(sandbox.messages) == 1
