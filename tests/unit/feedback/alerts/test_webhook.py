"""Alert webhooks against a real local HTTP server: delivered, retried, given up on, never blocking."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from feedback.access import Actor
from feedback.alerts import (
    AlertPolicy,
    AlertRecord,
    Delivery,
    deliver,
    deliver_with,
    list_alerts,
    post_json,
    save_alert_policy,
)
from feedback.intake import ingest_predictions
from feedback.worker import wait_for_deliveries

ADMIN = Actor("tester", "admin")  # the acting user of calls that need an admin


class _Endpoint:
    """A local webhook endpoint that answers with the given statuses in turn (the last one repeats),
    or hangs until released."""

    def __init__(self, statuses=(200,), hang=False):
        self.statuses, self.hang = list(statuses), hang
        self.bodies: list[dict] = []
        self.release = threading.Event()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                endpoint.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                if endpoint.hang:
                    endpoint.release.wait(10)
                status = endpoint.statuses[min(len(endpoint.bodies), len(endpoint.statuses)) - 1]
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint():
    """``endpoint(statuses=(200,), hang=False)``: start a local webhook server (stopped after the test)."""
    started = []

    def start(**kwargs) -> _Endpoint:
        started.append(_Endpoint(**kwargs))
        return started[-1]

    yield start
    for server in started:
        server.close()
    wait_for_deliveries(timeout=10)


def _raise_alert(ws, write_drifted, url, **settings) -> float:
    """Configure the webhook, ingest a drifting batch (which raises one drift alert); return the ingest's seconds."""
    save_alert_policy(ws, AlertPolicy(webhook_url=url, webhook_backoff=0.05, **settings), actor=ADMIN)
    started = time.perf_counter()
    ingest_predictions(ws, write_drifted(100))
    return time.perf_counter() - started


def _delivered_alert(ws) -> AlertRecord:
    assert wait_for_deliveries(timeout=20)
    [alert] = list_alerts(ws)
    return alert


def test_a_new_alert_is_posted_once_as_json(ws, write_drifted, endpoint):
    server = endpoint()
    _raise_alert(ws, write_drifted, server.url)
    alert = _delivered_alert(ws)
    [body] = server.bodies
    assert (body["id"], body["metric"], body["message"], body["state"]) == (
        alert.id,
        "drift_share",
        alert.message,
        "open",
    )
    assert body["text"].startswith(f"Feedback loop alert {alert.id}: batch ")
    assert alert.delivery_status == "delivered"
    assert (alert.delivery["attempts"], alert.delivery["http_status"]) == (1, 200)


def test_a_500_is_retried(ws, write_drifted, endpoint):
    server = endpoint(statuses=(500, 200))
    _raise_alert(ws, write_drifted, server.url, webhook_retries=3)
    alert = _delivered_alert(ws)
    assert len(server.bodies) == 2 and server.bodies[0] == server.bodies[1]
    assert (alert.delivery_status, alert.delivery["attempts"]) == ("delivered", 2)


def test_it_gives_up_after_the_retry_limit(ws, write_drifted, endpoint):
    server = endpoint(statuses=(503,))
    _raise_alert(ws, write_drifted, server.url, webhook_retries=2)
    alert = _delivered_alert(ws)
    assert len(server.bodies) == 3, "the first attempt and two retries"
    assert alert.delivery_status == "failed"
    assert alert.delivery["attempts"] == 3 and alert.delivery["error"].startswith("HTTP 503")


def test_a_hanging_endpoint_blocks_neither_the_ingest_nor_the_check(ws, write_drifted, endpoint):
    server = endpoint(hang=True)
    seconds = _raise_alert(ws, write_drifted, server.url, webhook_timeout=3.0, webhook_retries=0)
    assert seconds < 3.0, f"the ingest waited {seconds:.1f}s for the webhook"
    assert list_alerts(ws)[0].delivery_status == "pending"
    alert = _delivered_alert(ws)
    assert alert.delivery_status == "failed" and "timed out" in alert.delivery["error"]


def test_post_json_does_not_retry_a_client_error_and_backs_off_between_retries(endpoint):
    rejected = endpoint(statuses=(404,))
    outcome = post_json(rejected.url, {"a": 1}, retries=3, backoff=0)
    assert (outcome["status"], outcome["attempts"], outcome["http_status"]) == ("failed", 1, 404)
    waits = []
    failing = endpoint(statuses=(500,))
    post_json(failing.url, {"a": 1}, retries=3, backoff=0.5, sleep=waits.append)
    assert waits == [0.5, 1.0, 2.0]
    refused = post_json("http://127.0.0.1:9/nothing-listens-here", {}, retries=1, backoff=0, timeout=1)
    assert refused["status"] == "failed" and refused["attempts"] == 2 and refused["http_status"] is None


def test_without_a_deliverer_wired_the_caller_posts_and_records(endpoint):
    server = endpoint(statuses=(500, 200))
    recorded = []
    delivery = Delivery(
        server.url,
        ({"id": 1}, {"id": 2}),
        lambda payload, outcome: recorded.append((payload["id"], outcome["attempts"], threading.current_thread())),
        backoff=0,
    )
    previous = deliver_with(None)  # the library alone: the app and the CLI wire a background deliverer at start
    try:
        deliver(delivery)
    finally:
        deliver_with(previous)
    assert recorded == [(1, 2, threading.current_thread()), (2, 1, threading.current_thread())]
    assert server.bodies == [{"id": 1}, {"id": 1}, {"id": 2}]
