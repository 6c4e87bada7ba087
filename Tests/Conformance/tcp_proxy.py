"""A small TCP proxy for tests: forwards 127.0.0.1:<port> to a target and can cut every live
connection at once (abruptly, with RST), to simulate a dropped transport."""

import socket
import struct
import threading


class TCPProxy:
    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.sockets = []
        self.accepted = 0
        self.closed = False
        self.frozen = []
        self.refusing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.refusing:
                client.close()  # the service looks down: the connection ends at once
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.sockets += [client, upstream]
                self.accepted += 1
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source, destination):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if source in self.frozen or destination in self.frozen:
                    continue  # swallowed: the peer never hears of it
                destination.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, destination):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def freeze(self):
        """Stops forwarding on every live connection without closing it: a half-open connection."""
        with self.lock:
            self.frozen, self.sockets = list(self.sockets), []

    def refuse(self, refusing=True):
        """While refusing, new connections are closed at once (live ones are left alone)."""
        self.refusing = refusing

    def cut(self):
        """Resets every live connection (both sides); the listener stays up for reconnects."""
        with self.lock:
            sockets, self.sockets = self.sockets, []
        for s in sockets:
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                # close() alone does not release a socket another thread is blocked reading, so
                # the peer would hear nothing until it next sent; shutdown() ends that read now.
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass

    def close(self):
        self.closed = True
        self.listener.close()
        self.cut()
