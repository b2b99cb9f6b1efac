"""Loopback HTTP(S) servers for tests of gac's HTTP client: one served in a thread of its own, and
a self-signed certificate for 127.0.0.1."""

from __future__ import annotations

import shutil
import socketserver
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def serving(server: socketserver.TCPServer) -> Iterator[str]:
    """`server` answering in a thread of its own, as its base URL (https where its socket is TLS);
    shut down and closed on the way out."""
    threading.Thread(target=server.serve_forever, daemon=True).start()
    scheme = "https" if isinstance(server.socket, ssl.SSLSocket) else "http"
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def server_context(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A TLS server context with a new certificate for 127.0.0.1, and the certificate's file (the CA
    a client trusts). Skips the test where openssl is absent or cannot make one."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate to test TLS with")
    cert, key = directory / "cert.pem", directory / "key.pem"
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                           "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                           "-keyout", str(key), "-out", str(cert)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"openssl could not make a test certificate: {made.stderr.strip()[:200]}")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context, cert
