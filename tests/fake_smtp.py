"""A tiny SMTP server on loopback for the sending tests, and an in-memory keyring.

Enough of RFC 5321 for smtplib: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT. It can
refuse chosen recipients (550), and hang up after accepting a number of messages (a lost
connection), so a retry can be tested. Only 127.0.0.1; nothing leaves the machine.
"""

from __future__ import annotations

import base64
import socketserver
import threading
from email import message_from_bytes
from email.policy import default

import keyring.backend


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring backend that keeps passwords in a dict (set with ``keyring.set_keyring``)."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        self.store.pop((service, username), None)


class FakeSmtp:
    def __init__(self, *, user: str = "", password: str = ""):
        self.user, self.password = user, password
        self.received: list = []  # parsed messages, in order
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: set[str] = set()  # recipients answered 550
        self.hang_up_after: int | None = None  # close the connection after this many messages
        self.logins = 0
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, text: str) -> None:
                self.wfile.write(text.encode() + b"\r\n")

            def handle(self) -> None:
                self.reply("220 fake.example ESMTP")
                sender, rcpts = "", []
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    command = line.decode().strip()
                    verb = command.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.wfile.write(b"250-fake.example\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n")
                    elif verb == "AUTH":
                        parts = command.split()
                        raw = base64.b64decode(parts[2]).split(b"\0") if len(parts) > 2 else []
                        if raw[1:] == [outer.user.encode(), outer.password.encode()]:
                            outer.logins += 1
                            self.reply("235 2.7.0 Authentication successful")
                        else:
                            self.reply("535 5.7.8 Authentication credentials invalid")
                    elif verb == "MAIL":
                        sender, rcpts = command.split(":", 1)[1].strip().split()[0].strip("<>"), []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        address = command.split(":", 1)[1].strip().strip("<>")
                        if address in outer.refuse:
                            self.reply("550 5.1.1 No such mailbox here")
                        else:
                            rcpts.append(address)
                            self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        data = b""
                        while True:
                            chunk = self.rfile.readline()
                            if chunk in (b".\r\n", b""):
                                break
                            data += chunk[1:] if chunk.startswith(b"..") else chunk
                        outer.received.append(message_from_bytes(data, policy=default))
                        outer.envelopes.append((sender, rcpts))
                        self.reply("250 OK queued")
                        if outer.hang_up_after is not None and \
                                len(outer.received) >= outer.hang_up_after:
                            outer.hang_up_after = None
                            return  # hang up without a word
                    elif verb in ("RSET", "NOOP"):
                        self.reply("250 OK")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 Command not implemented")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeSmtp:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
