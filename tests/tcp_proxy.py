"""A TCP proxy a test can cut and reopen: the app's PostgreSQL connections go through it, so a
test sees "the server went away and came back" without restarting the shared server.

    with TcpProxy("127.0.0.1", 55432) as proxy:
        url = proxy.url_for(POSTGRES_URL)
        proxy.cut()      # every connection dropped, new ones refused
        proxy.reopen()   # accepting again, on the same port
"""

from __future__ import annotations

import socket
import threading
from urllib.parse import urlparse, urlunparse


class TcpProxy:
    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = _free_port()
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener: socket.socket | None = None

    @classmethod
    def to(cls, url: str) -> TcpProxy:
        parsed = urlparse(url)
        return cls(parsed.hostname or "127.0.0.1", parsed.port or 5432)

    def url_for(self, url: str) -> str:
        """``url`` with its host and port replaced by the proxy's."""
        parsed = urlparse(url)
        auth = parsed.netloc.rpartition("@")[0]
        netloc = f"{auth}@127.0.0.1:{self.port}" if auth else f"127.0.0.1:{self.port}"
        return urlunparse(parsed._replace(netloc=netloc))

    def __enter__(self) -> TcpProxy:
        self.reopen()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cut()

    def reopen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """Stop accepting (new connections are refused) and drop every open one."""
        listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _close(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                _close(client)
                continue
            with self._lock:
                if self._listener is not listener:
                    _close(client)
                    _close(upstream)
                    return
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(a, b), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        _close(sink)
        _close(source)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
