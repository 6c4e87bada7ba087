"""`pubsub serve --tls-cert … --tls-key …`: Microsoft's SDKs and our own verbs over https:// and
wss:// with a certificate this test makes (its own CA), and the mistakes a user can make with the
files, each a clear error."""

import datetime
import ipaddress
import socket
import ssl
import subprocess
import threading

import pytest
from azure.messaging.webpubsubclient import WebPubSubClient, WebPubSubClientCredential
from azure.messaging.webpubsubclient.models import CallbackType
from azure.messaging.webpubsubservice import WebPubSubServiceClient
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from conftest import LocalService, _binary
from sdk_helpers import hub_name, make_client
from tcp_proxy import TCPProxy

WAIT = 20


def _name(common):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """A CA, and a certificate it signed for localhost and 127.0.0.1: (ca, cert, key, other_key) paths."""
    folder = tmp_path_factory.mktemp("tls")
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("pubsub test CA"))
        .issuer_name(_name("pubsub test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = {name: folder / f"{name}.pem" for name in ("ca", "cert", "key", "other_key")}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(_pem(key))
    paths["other_key"].write_bytes(_pem(ec.generate_private_key(ec.SECP256R1())))
    return paths


@pytest.fixture
def secure(certificates, monkeypatch):
    """The service over TLS; Python's TLS (requests, websocket-client) trusts the test CA."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificates["ca"]))
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates["ca"]))
    local = LocalService(_binary(), "--tls-cert", str(certificates["cert"]), "--tls-key", str(certificates["key"]))
    yield local
    assert local.stop() == 0, local.process.stderr.read()


def test_the_printed_connection_string_and_urls_say_https_and_wss(certificates):
    local = LocalService(_binary(), "--tls-cert", str(certificates["cert"]), "--tls-key", str(certificates["key"]))
    try:
        assert local.connection_string.startswith("Endpoint=https://localhost:")
        assert local.banner[0].startswith("pubsub serve: listening on https://127.0.0.1:")
        assert local.banner[2].startswith(f"Client URL: wss://localhost:{local.port}/client/hubs/")
    finally:
        assert local.stop() == 0


def test_the_service_sdk_publishes_over_https_to_the_client_sdk_over_wss(secure):
    hub = hub_name()
    server = WebPubSubServiceClient.from_connection_string(secure.connection_string, hub=hub)
    url = server.get_client_access_token(roles=["webpubsub.joinLeaveGroup"])["url"]
    assert url.startswith("wss://localhost:")
    client = WebPubSubClient(credential=WebPubSubClientCredential(client_access_url_provider=lambda: url))
    arrived = threading.Event()
    received = []

    def on_server_message(event):
        received.append(event.data)
        arrived.set()

    client.subscribe("server-message", on_server_message)
    with client:
        server.send_to_all("Hello over TLS", content_type="text/plain")
        assert arrived.wait(WAIT)
    assert received == ["Hello over TLS"]


def test_our_verbs_publish_and_subscribe_over_tls_with_ca_file(secure, certificates):
    hub = hub_name()
    env = {"PATH": "/usr/bin:/bin", "WebPubSubConnectionString": secure.connection_string}
    subscriber = subprocess.Popen(
        [str(_binary()), "subscribe", "--hub", hub, "--count", "1", "--timeout", "20s", "--ca-file", str(certificates["ca"]), "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    # Published until the subscriber has it (it may not be connected yet when the first goes out).
    ended = None
    for _ in range(200):
        published = subprocess.run(
            [str(_binary()), "publish", "Hello World", "--hub", hub, "--ca-file", str(certificates["ca"])],
            capture_output=True,
            text=True,
            env=env,
            timeout=WAIT,
        )
        assert published.returncode == 0, published.stderr
        try:
            ended = subscriber.wait(timeout=0.1)
            break
        except subprocess.TimeoutExpired:
            continue
    assert ended == 0, subscriber.stderr.read()
    assert subscriber.stdout.read() == "Hello World\n"


def test_plain_http_on_the_tls_port_gets_a_400_that_says_to_use_tls_and_the_service_goes_on(secure):
    with socket.create_connection(("127.0.0.1", secure.port), timeout=WAIT) as plain:
        plain.sendall(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        answer = b""
        while chunk := plain.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400")
    assert b"this port speaks TLS: use https:// or wss://" in answer
    # A request with a body still being sent when the answer goes out gets the answer whole (the
    # service reads the rest instead of resetting the connection).
    with socket.create_connection(("127.0.0.1", secure.port), timeout=WAIT) as plain:
        plain.sendall(b"POST /api/hubs/h/:send HTTP/1.1\r\nHost: localhost\r\nContent-Length: 300000\r\n\r\n" + b"x" * 300_000)
        plain.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := plain.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400") and answer.endswith(b"use https:// or wss://\n"), answer[:200]
    # A TLS client that does not trust the certificate fails its own handshake; the service goes on.
    with pytest.raises(ssl.SSLCertVerificationError):
        with socket.create_connection(("127.0.0.1", secure.port), timeout=WAIT) as raw:
            ssl.create_default_context(cafile=None, capath="/nonexistent").wrap_socket(raw, server_hostname="localhost")
    server = WebPubSubServiceClient.from_connection_string(secure.connection_string, hub=hub_name())
    server.send_to_all("still serving", content_type="text/plain")


def test_tls_file_mistakes_are_clear_errors_with_exit_65_or_64(certificates, tmp_path):
    def serve(*arguments):
        return subprocess.run([str(_binary()), "serve", "--port", "0", *arguments], capture_output=True, text=True, timeout=WAIT)

    mismatched = serve("--tls-cert", str(certificates["cert"]), "--tls-key", str(certificates["other_key"]))
    assert mismatched.returncode == 65, mismatched.stderr
    assert "does not belong to the certificate" in mismatched.stderr
    missing = serve("--tls-cert", str(tmp_path / "absent.pem"), "--tls-key", str(certificates["key"]))
    assert missing.returncode == 65 and "cannot read a PEM certificate from --tls-cert" in missing.stderr, missing.stderr
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("hello")
    garbage_key = serve("--tls-cert", str(certificates["cert"]), "--tls-key", str(not_pem))
    assert garbage_key.returncode == 65 and "cannot read a PEM private key from --tls-key" in garbage_key.stderr, garbage_key.stderr
    alone = serve("--tls-cert", str(certificates["cert"]))
    assert alone.returncode == 64 and "--tls-cert and --tls-key go together" in alone.stderr, alone.stderr


def test_serve_sse_serves_https_to_an_eventsource_reader_from_a_tls_hub(secure, certificates):
    """serve-sse with the same flags: its upstream is the TLS service (trusted with --ca-file) and its
    readers get https://."""
    hub = hub_name()
    gateway = subprocess.Popen(
        [
            str(_binary()), "serve-sse", "--hub", hub, "--port", "0", "--ca-file", str(certificates["ca"]),
            "--tls-cert", str(certificates["cert"]), "--tls-key", str(certificates["key"]),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PATH": "/usr/bin:/bin", "WebPubSubConnectionString": secure.connection_string},
    )
    try:
        listening = gateway.stdout.readline()
        assert listening.startswith("pubsub serve-sse: listening on https://127.0.0.1:"), listening + gateway.stderr.read()
        port = int(listening.rsplit(":", 1)[1])
        server = WebPubSubServiceClient.from_connection_string(secure.connection_string, hub=hub)
        token = server.get_client_access_token()["token"]
        context = ssl.create_default_context(cafile=str(certificates["ca"]))
        with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as reader:
                reader.sendall(f"GET /events?access_token={token} HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n".encode())
                seen = b""
                while b"\r\n\r\n" not in seen:
                    seen += reader.recv(4096)
                assert seen.startswith(b"HTTP/1.1 200"), seen
                # Published until it arrives (the gateway's upstream may still be joining).
                for _ in range(100):
                    server.send_to_all("Hello SSE over TLS", content_type="text/plain")
                    reader.settimeout(0.2)
                    try:
                        seen += reader.recv(65536)
                    except TimeoutError:
                        pass
                    if b"data: Hello SSE over TLS" in seen:
                        break
                assert b"data: Hello SSE over TLS" in seen
    finally:
        gateway.terminate()
        assert gateway.wait(timeout=WAIT) == 0, gateway.stderr.read()


def test_the_reliable_client_sdk_recovers_through_a_tls_connection_cut(secure):
    """Microsoft's client SDK over wss:// through a proxy that resets the TLS connection mid-stream:
    it recovers the same connection (a new TLS handshake) and nothing is lost or repeated."""
    hub = hub_name()
    rest = WebPubSubServiceClient.from_connection_string(secure.connection_string, hub=hub)
    proxy = TCPProxy(secure.port)
    try:
        client, events = make_client(secure, hub, user="tls-recovery", url_port=proxy.port)
        client.open()
        client.join_group("stream")
        events.wait_count(CallbackType.CONNECTED, 1)
        connection_id = events.of(CallbackType.CONNECTED)[0].connection_id
        total = 200
        for index in range(total):
            rest.send_to_group("stream", str(index), content_type="text/plain")
            if index == total // 3:
                proxy.cut()
        events.wait_count(CallbackType.GROUP_MESSAGE, total, timeout=45)
        received = events.messages()
        assert sorted(received, key=int) == [str(i) for i in range(total)], "none lost, none repeated"
        assert proxy.accepted >= 2, "the TLS connection was really cut and a new one made"
        assert len(events.of(CallbackType.CONNECTED)) == 1, "recovery keeps the connection"
        assert rest.connection_exists(connection_id)
        client.close()
    finally:
        proxy.close()
