"""A minimal SMTP server whose reply to the end-of-data marker is scripted
per recipient — down to half a reply line or one without a code, which
aiosmtpd cannot be made to send."""
from __future__ import annotations

import socket
import threading
from collections.abc import Callable


class ScriptedSMTP:
    def __init__(self, answer_end_of_data: Callable[[str, socket.socket], None]):
        """`answer_end_of_data(recipient, connection)` writes whatever reply it
        likes; RCPT of an address in `held` is answered once `release` is set."""
        self.answer_end_of_data, self.delivered = answer_end_of_data, []
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
        lines, recipient = connection.makefile("rb"), None
        try:
            connection.sendall(b"220 scripted\r\n")
            while line := lines.readline():
                command = line[:4].upper()
                if command == b"RCPT":
                    recipient = line.split(b"<")[1].split(b">")[0].decode()
                    if recipient in self.held:
                        self.release.wait(30)
                if command == b"DATA":
                    connection.sendall(b"354 go on\r\n")
                    data = b""
                    while not data.endswith(b"\r\n.\r\n"):
                        data += lines.readline()
                    self.delivered.append(recipient)  # the server has it from here on
                    self.answer_end_of_data(recipient, connection)
                elif command == b"QUIT":
                    connection.sendall(b"221 bye\r\n")
                    break
                else:
                    connection.sendall(b"250 OK\r\n")
        except OSError:
            pass
        finally:
            connection.close()

    def stop(self) -> None:
        self.release.set()
        self.listener.close()
