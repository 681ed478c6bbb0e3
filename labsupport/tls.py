"""TLS on loopback: the course's servers behind ``https``, with a certificate authority made at run time.

The guide's ``ClienteHTTP`` picks port 443 for ``https`` URLs and then speaks plain text.
To show what really happens, and the fix (``ssl`` wrapping the socket), notebooks need a
TLS server that works offline and that a client can *verify*. So:

- a test certificate authority is created in memory with ``trustme`` the first time it is
  needed (once per process, a few milliseconds; no certificate file is ever written to the
  repository, and no real authority is involved);
- it issues one server certificate for ``127.0.0.1``, ``::1`` and ``localhost``;
- :class:`TlsHttpServer` and :class:`TlsEchoServer` are the ordinary servers with the TLS
  handshake added in front of each connection, in the connection's own thread;
- :func:`client_context` is what a client needs to trust that authority (and only it,
  besides the system's).

A client that speaks plain text to these servers gets what it would get from a real
``https`` server: no HTTP answer at all (the connection is reset), while the server's log
says why (``tls-error``).
"""

from __future__ import annotations

import socket
import ssl
import threading
from typing import Any

from ._address import format_address
from ._server import StreamServer
from .echo import EchoServer
from .events import EventKind
from .http import HttpServer

__all__ = ["TlsEchoServer", "TlsHttpServer", "ca_pem", "client_context", "server_context"]

#: Names the server certificate is valid for: loopback only.
SERVER_NAMES = ("127.0.0.1", "::1", "localhost")

_lock = threading.Lock()
_authority: dict[str, Any] = {}


def _ca_and_cert() -> tuple[Any, Any]:
    """The process's test CA and its server certificate, created on first use.

    ``trustme`` is imported here, not at module import, so that ``import labsupport`` stays
    cheap for the notebooks that never use TLS.
    """
    with _lock:
        if not _authority:
            import trustme

            ca = trustme.CA(organization_name="Curso Sockets en Python (CA de prueba)")
            _authority["ca"] = ca
            _authority["cert"] = ca.issue_cert(*SERVER_NAMES)
        return _authority["ca"], _authority["cert"]


def ca_pem() -> bytes:
    """The test CA's certificate (PEM): what a client must trust to verify these servers."""
    ca, _ = _ca_and_cert()
    return ca.cert_pem.bytes()


def client_context() -> ssl.SSLContext:
    """``ssl.create_default_context()`` plus the course's test CA: verification stays on.

    Certificate and host-name checks are exactly those of a real client; only the list of
    trusted authorities is longer by one.
    """
    ca, _ = _ca_and_cert()
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def server_context() -> ssl.SSLContext:
    """A server-side context with the certificate for 127.0.0.1, ::1 and localhost."""
    _, cert = _ca_and_cert()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    cert.configure_cert(context)
    return context


def explain_handshake_error(exc: ssl.SSLError) -> str:
    """A Spanish line for the server's log: why a client's handshake failed."""
    reason = getattr(exc, "reason", None) or type(exc).__name__
    if reason == "HTTP_REQUEST":
        return "el cliente habló HTTP en texto plano a un puerto TLS (HTTP_REQUEST)"
    if reason in ("WRONG_VERSION_NUMBER", "UNSUPPORTED_PROTOCOL", "UNEXPECTED_MESSAGE"):
        return f"el cliente no envió un saludo TLS válido ({reason})"
    if "UNKNOWN_CA" in reason or "BAD_CERTIFICATE" in reason or "CERTIFICATE_UNKNOWN" in reason:
        return f"el cliente no confía en el certificado del servidor ({reason})"
    return f"fallo en el saludo TLS ({reason})"


class _TlsMixin(StreamServer):
    """Adds the TLS handshake in front of a stream server's ``handle(conn, addr)`` (first base of a server).

    The handshake runs on a *duplicate* of the accepted socket: the original stays in the
    server's connection set, so ``stop()`` can still shut it down and wake a handler that
    is blocked reading (an ``SSLSocket`` takes over the descriptor it wraps). Both refer to
    the same connection; the server closes the original, the handler closes the TLS one.
    """

    def _tls_init(self) -> None:
        self.tls_context = server_context()

    def handle(self, conn: socket.socket, addr: tuple) -> None:
        peer = format_address(addr)
        raw = conn.dup()
        raw.settimeout(conn.gettimeout())
        try:
            tls = self.tls_context.wrap_socket(raw, server_side=True)
        except ssl.SSLError as exc:  # the client's fault, not a server bug: log it, end the connection
            raw.close()
            self._log(EventKind.TLS_ERROR, peer, explain_handshake_error(exc))
            return
        except BaseException:
            raw.close()
            raise
        cipher = tls.cipher()  # None only before a handshake, which has just succeeded
        self._log(EventKind.TLS, peer, f"{tls.version()} {cipher[0] if cipher else '?'}")
        with tls:
            super().handle(tls, addr)


class TlsHttpServer(_TlsMixin, HttpServer):
    """:class:`~labsupport.http.HttpServer` over TLS: the local stand-in for an ``https`` site.

    Same endpoints and options as ``HttpServer``; ``url()`` gives ``https://`` URLs. Clients
    verify it with :func:`client_context`.
    """

    name = "servidor HTTPS"
    scheme = "https"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **kwargs: Any) -> None:
        self._tls_init()
        super().__init__(host, port, **kwargs)


class TlsEchoServer(_TlsMixin, EchoServer):
    """:class:`~labsupport.echo.EchoServer` over TLS (``"Echo: "`` + each chunk, encrypted)."""

    name = "servidor de eco TLS"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **kwargs: Any) -> None:
        self._tls_init()
        super().__init__(host, port, **kwargs)
