"""A minimal SMTP server whose reply to the end-of-data marker is scripted
per recipient — down to half a reply line or one without a code, which
aiosmtpd cannot be made to send."""
from __future__ import annotations

import socket
import threading
from collections.abc import Callable


class ScriptedSMTP:
    def __init__(self, answer_end_of_data: Callable[[str, socket.socket], None], pipelining: bool = False):
        """`answer_end_of_data(recipient, connection)` writes whatever reply it
        likes; RCPT of an address in `held` is answered once `release` is set,
        of one in `refused` with 550. With `pipelining` the server offers
        PIPELINING and holds its replies to MAIL and RCPT back until DATA —
        stricter than RFC 2920 asks of a server, to tell a client that
        pipelines from one that waits for each reply (which stalls here)."""
        self.answer_end_of_data, self.delivered, self.pipelining = answer_end_of_data, [], pipelining
        self.refused: set[str] = set()
        self.held, self.release = set(), threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:  # stopped
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        lines, recipient, accepted, replies = connection.makefile("rb"), None, [], []

        def answer(reply: bytes, group_ends: bool = True) -> None:
            replies.append(reply)
            if group_ends or not self.pipelining:
                connection.sendall(b"".join(replies))
                replies.clear()

        try:
            connection.sendall(b"220 scripted\r\n")
            while line := lines.readline():
                command = line[:4].upper()
                if command == b"EHLO":
                    answer(b"250-scripted\r\n250 PIPELINING\r\n" if self.pipelining else b"250 scripted\r\n")
                elif command == b"MAIL":
                    accepted.clear()
                    answer(b"250 OK\r\n", group_ends=False)
                elif command == b"RCPT":
                    recipient = line.split(b"<")[1].split(b">")[0].decode()
                    if recipient in self.held:
                        self.release.wait(30)
                    if recipient in self.refused:
                        answer(b"550 5.1.1 no such user\r\n", group_ends=False)
                    else:
                        accepted.append(recipient)
                        answer(b"250 OK\r\n", group_ends=False)
                elif command == b"DATA" and not accepted:
                    answer(b"554 5.5.1 no valid recipients\r\n")
                elif command == b"DATA":
                    answer(b"354 go on\r\n")
                    data = b""
                    while not data.endswith(b"\r\n.\r\n"):
                        data += lines.readline()
                    self.delivered.append(recipient)  # the server has it from here on
                    self.answer_end_of_data(recipient, connection)
                elif command == b"QUIT":
                    connection.sendall(b"221 bye\r\n")
                    break
                else:
                    answer(b"250 OK\r\n")
        except OSError:
            pass
        finally:
            connection.close()

    def stop(self) -> None:
        self.release.set()
        self.listener.close()
