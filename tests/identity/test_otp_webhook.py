"""The SMS/e-mail gateway sender: codes reach the gateway over one kept connection; a failing gateway is a 503."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansinh.identity.otp import OtpDeliveryUnavailable, OutgoingMessage, WebhookSender


class Gateway(ThreadingHTTPServer):
    """A local stand-in gateway: records the bodies it accepts and how many TCP connections it was opened."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.bodies: list[dict[str, str]] = []
        self.authorizations: list[str | None] = []
        self.connections = 0
        super().__init__(("127.0.0.1", 0), GatewayHandler)

    def get_request(self):  # type: ignore[no-untyped-def]
        self.connections += 1
        return super().get_request()


class GatewayHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real gateways do

    def do_POST(self) -> None:
        gateway: Gateway = self.server  # type: ignore[assignment]
        body = self.rfile.read(int(self.headers["Content-Length"]))
        gateway.bodies.append(json.loads(body))
        gateway.authorizations.append(self.headers.get("Authorization"))
        self.send_response(gateway.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        return


@pytest.fixture
def gateway(request: pytest.FixtureRequest) -> Iterator[Gateway]:
    server = Gateway(getattr(request, "param", 200))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def url_of(gateway: Gateway) -> str:
    return f"http://127.0.0.1:{gateway.server_address[1]}/sms"


async def test_codes_reach_the_gateway_over_one_kept_connection(gateway: Gateway) -> None:
    sender = WebhookSender(url_of(gateway), token="gateway-token")
    for n in range(3):
        await sender.send(OutgoingMessage("sms", "0901000001", f"AnSinh: ma {n}"))
    await sender.close()
    assert [b["text"] for b in gateway.bodies] == ["AnSinh: ma 0", "AnSinh: ma 1", "AnSinh: ma 2"]
    assert gateway.bodies[0] == {"channel": "sms", "to": "0901000001", "text": "AnSinh: ma 0"}
    assert gateway.authorizations == ["Bearer gateway-token"] * 3
    assert gateway.connections == 1  # not a new client (and TLS context) per code


async def test_the_sender_reopens_after_close(gateway: Gateway) -> None:
    sender = WebhookSender(url_of(gateway))
    await sender.send(OutgoingMessage("sms", "0901000001", "first"))
    await sender.close()
    await sender.send(OutgoingMessage("sms", "0901000001", "second"))
    await sender.close()
    assert [b["text"] for b in gateway.bodies] == ["first", "second"]
    assert gateway.authorizations == [None, None]


@pytest.mark.parametrize("gateway", [500], indirect=True)
async def test_a_failing_gateway_means_delivery_unavailable(gateway: Gateway) -> None:
    sender = WebhookSender(url_of(gateway))
    with pytest.raises(OtpDeliveryUnavailable):
        await sender.send(OutgoingMessage("sms", "0901000001", "code"))
    await sender.close()
