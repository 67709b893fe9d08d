"""An IMAP4rev1 server on loopback, in a thread, speaking the real protocol to stdlib imaplib.

Enough of RFC 3501 for ``relance mail fetch``: CAPABILITY, LOGIN, SELECT, UID SEARCH (ALL, UNSEEN),
UID FETCH (BODY.PEEK[], BODY[], RFC822: the message as a literal), UID STORE +FLAGS / -FLAGS, NOOP,
LOGOUT. Plain TCP (no TLS: ``imap_tls=false``); one mailbox, INBOX; the test delivers messages into it.
"""

from __future__ import annotations

import re
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

USER, PASSWORD = "relances@dupont.example", "s3cret pass"
ATOM = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)')


@dataclass
class Stored:
    uid: int
    content: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class Mailbox:
    messages: list[Stored] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)  # every command received, the password hidden
    lock: threading.Lock = field(default_factory=threading.Lock)

    def deliver(self, content: bytes) -> int:
        with self.lock:
            uid = (self.messages[-1].uid if self.messages else 0) + 1
            self.messages.append(Stored(uid, content.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")))
            return uid

    def unseen(self) -> list[int]:
        return [m.uid for m in self.messages if "\\Seen" not in m.flags]


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        box = self.server.mailbox
        self._send(b"* OK [CAPABILITY IMAP4rev1] fake IMAP ready")
        logged_in = selected = False
        while True:
            line = self.rfile.readline()
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            tag, _, rest = text.partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            box.commands.append(f"{command} {args}" if command != "LOGIN" else "LOGIN ***")
            if command == "CAPABILITY":
                self._send(b"* CAPABILITY IMAP4rev1")
                self._ok(tag, "CAPABILITY completed")
            elif command == "NOOP":
                self._ok(tag, "NOOP completed")
            elif command == "LOGOUT":
                self._send(b"* BYE logging out")
                self._ok(tag, "LOGOUT completed")
                return
            elif command == "LOGIN":
                words = [a or b for a, b in ATOM.findall(args)]
                if [w.replace('\\"', '"').replace("\\\\", "\\") for w in words] == [USER, PASSWORD]:
                    logged_in = True
                    self._ok(tag, "LOGIN completed")
                else:
                    self._send(f"{tag} NO [AUTHENTICATIONFAILED] invalid credentials".encode())
            elif not logged_in:
                self._send(f"{tag} BAD log in first".encode())
            elif command in ("SELECT", "EXAMINE"):
                name = next(a or b for a, b in ATOM.findall(args))
                if name.upper() != "INBOX":
                    self._send(f"{tag} NO [NONEXISTENT] no such mailbox".encode())
                    continue
                selected = True
                with box.lock:
                    self._send(f"* {len(box.messages)} EXISTS".encode())
                self._send(b"* 0 RECENT")
                self._send(b"* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)")
                self._send(b"* OK [UIDVALIDITY 1] UIDs valid")
                self._ok(tag, "[READ-WRITE] SELECT completed")
            elif not selected:
                self._send(f"{tag} BAD select a mailbox first".encode())
            elif command == "UID":
                self._uid(tag, args)
            else:
                self._send(f"{tag} BAD unknown command".encode())

    def _uid(self, tag: str, args: str) -> None:
        box = self.server.mailbox
        sub, _, rest = args.partition(" ")
        sub = sub.upper()
        with box.lock:
            if sub == "SEARCH":
                criteria = rest.upper().split()
                uids = box.unseen() if "UNSEEN" in criteria else [m.uid for m in box.messages]
                self._send(("* SEARCH " + " ".join(map(str, uids))).rstrip().encode())
                self._ok(tag, "SEARCH completed")
            elif sub == "FETCH":
                wanted, _, _items = rest.partition(" ")
                for number, stored in enumerate(box.messages, start=1):
                    if str(stored.uid) in wanted.split(","):
                        head = f"* {number} FETCH (UID {stored.uid} BODY[] {{{len(stored.content)}}}\r\n"
                        self.wfile.write(head.encode() + stored.content + b")\r\n")
                self._ok(tag, "FETCH completed")
            elif sub == "STORE":
                wanted, _, change = rest.partition(" ")
                action, _, flags = change.partition(" ")
                names = set(flags.strip("()").split())
                for number, stored in enumerate(box.messages, start=1):
                    if str(stored.uid) in wanted.split(","):
                        if action.upper().startswith("+"):
                            stored.flags |= names
                        else:
                            stored.flags -= names
                        flag_list = " ".join(sorted(stored.flags))
                        self._send(f"* {number} FETCH (UID {stored.uid} FLAGS ({flag_list}))".encode())
                self._ok(tag, "STORE completed")
            else:
                self._send(f"{tag} BAD unknown UID command".encode())

    def _send(self, line: bytes) -> None:
        self.wfile.write(line + b"\r\n")

    def _ok(self, tag: str, text: str) -> None:
        self._send(f"{tag} OK {text}".encode())


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mailbox: Mailbox) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mailbox = mailbox


@contextmanager
def imap_server() -> Iterator[tuple[Mailbox, int]]:
    """A running server and its mailbox; yields (mailbox, port)."""
    mailbox = Mailbox()
    server = _Server(mailbox)
    thread = threading.Thread(target=server.serve_forever, name="fake-imap", daemon=True)
    thread.start()
    try:
        yield mailbox, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
