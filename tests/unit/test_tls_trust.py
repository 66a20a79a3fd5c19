"""Which certificate authorities an HTTPS call trusts, with the proxy from the settings.

An office that inspects TLS re-signs every site with its own authority and hands it out
as a file (``SSL_CERT_FILE``) or a folder (``SSL_CERT_DIR``). Here a test authority made
in the test signs the certificate of an HTTPS server on 127.0.0.1, reached through a
CONNECT proxy on 127.0.0.1 named in the settings (so httpx ignores the environment's
proxies: ``trust_env`` is off).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from latsar_desktop.domain.protocol import PROTOCOL_VERSION
from latsar_desktop.sync.api import ApiClient
from latsar_desktop.sync.errors import SyncError, SyncErrorKind

PROXY_VARIABLES = ("ALL_PROXY", "NO_PROXY", "HTTP_PROXY", "HTTPS_PROXY")


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_authority(folder: Path) -> tuple[Path, Path, Path]:
    """(authority.pem, server.pem, server.key): an authority and a 127.0.0.1 certificate."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Kantor TLS inspection test CA"))
        .issuer_name(_name("Kantor TLS inspection test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    paths = folder / "authority.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


def _subject_hash(certificate: x509.Certificate) -> str:
    """OpenSSL's subject name hash (the file name in a ``c_rehash`` folder), for a subject
    of one short ASCII common name: SHA-1 of the canonical name (its value in lower case
    as a UTF8String), the first 4 bytes read little-endian."""
    (attribute,) = certificate.subject
    value = " ".join(str(attribute.value).lower().split()).encode()
    assert len(value) < 100
    pair = b"\x06\x03\x55\x04\x03" + bytes([0x0C, len(value)]) + value
    sequence = bytes([0x30, len(pair)]) + pair
    canonical = bytes([0x31, len(sequence)]) + sequence
    digest = hashes.Hash(hashes.SHA1())
    digest.update(canonical)
    return f"{int.from_bytes(digest.finalize()[:4], 'little'):08x}"


class Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # http.server's name
        body = json.dumps({"status": "ok", "version": "test", "protocol": PROTOCOL_VERSION})
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def https_server(certificate: Path, key: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, name="https-server")
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(30)


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


@contextlib.contextmanager
def connect_proxy() -> Iterator[str]:
    """An HTTP CONNECT proxy that tunnels to 127.0.0.1 only."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def tunnel(client: socket.socket) -> None:
        with client:
            head = b""
            while b"\r\n\r\n" not in head:
                data = client.recv(4096)
                if not data:
                    return
                head += data
            method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
            host, port = target.rsplit(":", 1)
            if method != "CONNECT" or host != "127.0.0.1":
                client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            with socket.create_connection((host, int(port)), timeout=30) as upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                back = threading.Thread(target=_pipe, args=(upstream, client))
                back.start()
                _pipe(client, upstream)
                back.join(30)

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            client.settimeout(30)
            worker = threading.Thread(target=tunnel, args=(client,))
            worker.start()
            threads.append(worker)

    acceptor = threading.Thread(target=serve, name="connect-proxy")
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        acceptor.join(30)
        for worker in threads:
            worker.join(30)
        listener.close()


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str, Path]]:
    """(server url, proxy url, authority.pem), no proxy and no trust from the environment."""
    for name in (*PROXY_VARIABLES, "SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    authority, certificate, key = make_authority(tmp_path / "tls")
    with https_server(certificate, key) as url, connect_proxy() as proxy:
        yield url, proxy, authority


def test_the_office_authority_in_ssl_cert_file_is_trusted_through_the_settings_proxy(
    office: tuple[str, str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, proxy, authority = office
    monkeypatch.setenv("SSL_CERT_FILE", str(authority))
    api = ApiClient(url, uuid.uuid4(), proxy=proxy)
    try:
        assert api.health().status == "ok"
    finally:
        api.close()


def test_the_office_authority_in_ssl_cert_dir_is_trusted_through_the_settings_proxy(
    office: tuple[str, str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url, proxy, authority = office
    folder = tmp_path / "certs"
    folder.mkdir()
    certificate = x509.load_pem_x509_certificate(authority.read_bytes())
    (folder / f"{_subject_hash(certificate)}.0").write_bytes(authority.read_bytes())
    monkeypatch.setenv("SSL_CERT_DIR", str(folder))
    api = ApiClient(url, uuid.uuid4(), proxy=proxy)
    try:
        assert api.health().status == "ok"
    finally:
        api.close()


def test_an_unreadable_ssl_cert_file_leaves_certifi_alone(
    office: tuple[str, str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url, proxy, _ = office
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    api = ApiClient(url, uuid.uuid4(), proxy=proxy)  # logged, not raised
    try:
        with pytest.raises(SyncError) as info:
            api.health()  # the test authority is still unknown
        assert info.value.kind is SyncErrorKind.OFFLINE
    finally:
        api.close()


def test_an_unknown_authority_is_still_refused(office: tuple[str, str, Path]) -> None:
    url, proxy, _ = office
    for api in (ApiClient(url, uuid.uuid4(), proxy=proxy), ApiClient(url, uuid.uuid4())):
        try:
            with pytest.raises(SyncError) as info:
                api.health()
            assert info.value.kind is SyncErrorKind.OFFLINE
        finally:
            api.close()
