"""The client verbs over TLS (https:// and wss:// through a TLS proxy with a private CA, IP-literal
and named hosts), `send-to-group --no-echo`, and messages at the 1 MB limit."""

import base64
import json
import os

import pytest
from azure.messaging.webpubsubclient.models import CallbackType
from azure.messaging.webpubsubservice import WebPubSubServiceClient

from sdk_helpers import hub_name, make_client
from subscription import Subscription
from tls_proxy import CertificateAuthority, TLSProxy

MB = 1 << 20


@pytest.fixture
def hub():
    return hub_name()


@pytest.fixture(scope="module")
def tls(service, tmp_path_factory):
    """A private CA, and a TLS proxy in front of the service whose certificate names localhost and
    127.0.0.1."""
    directory = tmp_path_factory.mktemp("tls")
    authority = CertificateAuthority(directory)
    proxy = TLSProxy(service.port, authority.server_context())
    yield authority, proxy
    proxy.close()


def https_connection_string(service, host, port):
    return service.connection_string.replace(f"http://localhost:{service.port};", f"https://{host}:{port};")


def test_https_and_wss_with_a_private_ca_for_ip_literal_and_named_hosts(pubsub, service, hub, tls):
    authority, proxy = tls
    by_ip = https_connection_string(service, "127.0.0.1", proxy.port)
    by_name = https_connection_string(service, "localhost", proxy.port)
    assert by_ip != service.connection_string and by_name != service.connection_string
    ca = ["--ca-file", str(authority.cert_path)]
    sub = Subscription("--hub", hub, "--group", "g", "--count", "2", *ca, connection_string=by_ip)
    try:
        sub.wait_ready()
        published = pubsub("publish", "over https", "--hub", hub, "--group", "g", "--connection-string", by_ip, *ca)
        assert published.status == 0, published.stderr
        sent = pubsub("send-to-group", "g", "over wss", "--hub", hub, "--connection-string", by_name, *ca)
        assert sent.status == 0, sent.stderr
        assert sub.wait_exit() == 0, sub.errors
        assert sub.lines == ["over https", "over wss"]
        assert proxy.handshakes >= 3, "each verb went through the TLS proxy"
    finally:
        sub.stop()


def test_an_untrusted_or_mismatched_certificate_is_refused_with_a_hint(pubsub, service, hub, tls, tmp_path):
    authority, proxy = tls
    by_ip = https_connection_string(service, "127.0.0.1", proxy.port)

    for verb in (["publish", "hi"], ["send-to-group", "g", "hi"], ["subscribe", "--count", "1"]):
        untrusted = pubsub(*verb, "--hub", hub, "--connection-string", by_ip)
        assert untrusted.status == 69, (verb, untrusted.stderr)
        assert "cannot trust 127.0.0.1" in untrusted.stderr, untrusted.stderr
        assert "--ca-file" in untrusted.stderr
        assert "after" not in untrusted.stderr, "a certificate problem is not retried"

    # A certificate that names only localhost is not good for 127.0.0.1, even from a trusted CA.
    named_only = TLSProxy(service.port, authority.server_context(dns_names=("localhost",), ip_addresses=()))
    try:
        mismatch = pubsub("send-to-group", "g", "hi", "--hub", hub, "--connection-string",
                          https_connection_string(service, "127.0.0.1", named_only.port), "--ca-file", str(authority.cert_path))
        assert mismatch.status == 69, mismatch.stderr
        assert "cannot trust 127.0.0.1" in mismatch.stderr
    finally:
        named_only.close()

    not_pem = tmp_path / "not.pem"
    not_pem.write_text("hello\n")
    for path, fragment in ((tmp_path / "missing.pem", "cannot load CA certificates"), (not_pem, "")):
        bad = pubsub("publish", "hi", "--hub", hub, "--connection-string", by_ip, "--ca-file", str(path))
        assert bad.status == 65, bad.stderr
        assert str(path) in bad.stderr and fragment in bad.stderr


def test_no_echo_keeps_the_message_from_its_own_connection(pubsub, service, hub):
    listener, events = make_client(service, hub, user="listener")
    listener.open()
    listener.join_group("room")
    # A URL whose connection starts in the group: only such a sender can hear its own messages.
    server = WebPubSubServiceClient.from_connection_string(service.connection_string, hub=hub)
    url = server.get_client_access_token(roles=["webpubsub.sendToGroup.room"], groups=["room"])["url"]

    echoed = pubsub("send-to-group", "room", "with echo", "--url", url, "--log-level", "debug")
    assert echoed.status == 0, echoed.stderr
    assert "came back to this connection (echo)" in echoed.stderr, "the control: without --no-echo it does come back"

    quiet = pubsub("send-to-group", "room", "without echo", "--url", url, "--no-echo", "--log-level", "debug")
    assert quiet.status == 0, quiet.stderr
    assert "(echo)" not in quiet.stderr, quiet.stderr

    events.wait_count(CallbackType.GROUP_MESSAGE, 2)
    # Sorted: the SDK runs each callback on its own thread, so their order is not the wire's.
    assert sorted(events.messages()) == ["with echo", "without echo"], "others in the group get both"
    listener.close()


def test_messages_at_the_one_megabyte_limit(pubsub, service, hub, tmp_path):
    binary = tmp_path / "binary.bin"
    binary.write_bytes(os.urandom(MB))
    # Text with newlines, quotes and control characters: its JSON frame is far larger than 1 MB.
    text = ("line \"one\"\n\ttab\x01\\" * (MB // 16))[:MB]
    text_file = tmp_path / "text.txt"
    text_file.write_text(text)
    assert len(text.encode()) == MB

    sub = Subscription("--hub", hub, "--count", "4", "--format", "json", connection_string=service.connection_string)
    try:
        sub.wait_ready()
        for path, kind in ((binary, "binary"), (text_file, "text")):
            result = pubsub("publish", "--file", str(path), "--content-type", kind, "--hub", hub, "--connection-string", service.connection_string)
            assert result.status == 0, result.stderr

        # send-to-group's frame is JSON: base64 makes binary a third larger, so the largest binary
        # that fits is about 768 KB; a bigger one is refused before it is sent.
        sender_group = "big"
        fits = tmp_path / "fits.bin"
        fits.write_bytes(os.urandom(MB * 3 // 4 - 1024))
        too_big = tmp_path / "too-big.bin"
        too_big.write_bytes(os.urandom(MB))
        refused = pubsub("send-to-group", sender_group, "--file", str(too_big), "--data-type", "binary", "--hub", hub, "--connection-string", service.connection_string)
        assert refused.status == 65, refused.stderr
        assert "1 MB" in refused.stderr and "publish" in refused.stderr

        over = tmp_path / "over.bin"
        over.write_bytes(os.urandom(MB + 1))
        rest_refused = pubsub("publish", "--file", str(over), "--content-type", "binary", "--hub", hub, "--connection-string", service.connection_string)
        assert rest_refused.status == 65, rest_refused.stderr
        assert "1 MB" in rest_refused.stderr or "1048576" in rest_refused.stderr, rest_refused.stderr

        result = pubsub("publish", "--file", str(fits), "--content-type", "binary", "--hub", hub, "--connection-string", service.connection_string)
        assert result.status == 0, result.stderr
        result = pubsub("publish", "small after big", "--hub", hub, "--connection-string", service.connection_string)
        assert result.status == 0, result.stderr

        assert sub.wait_exit(timeout=60) == 0, sub.errors
        records = [json.loads(line) for line in sub.lines]
        assert [r["dataType"] for r in records] == ["binary", "text", "binary", "text"]
        assert base64.b64decode(records[0]["data"]) == binary.read_bytes()
        assert records[1]["data"] == text
        assert base64.b64decode(records[2]["data"]) == fits.read_bytes()
        assert records[3]["data"] == "small after big"
    finally:
        sub.stop()

    group_sub = Subscription("--hub", hub, "--group", "big", "--count", "1", "--format", "raw", connection_string=service.connection_string)
    try:
        group_sub.wait_ready()
        sent = pubsub("send-to-group", "big", "--file", str(fits), "--data-type", "binary", "--hub", hub, "--connection-string", service.connection_string)
        assert sent.status == 0, sent.stderr
        assert group_sub.wait_exit(timeout=60) == 0, group_sub.errors
        frame = json.loads(group_sub.lines[0])
        assert base64.b64decode(frame["data"]) == fits.read_bytes()
    finally:
        group_sub.stop()
