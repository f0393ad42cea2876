"""A connection that breaks mid-body, with no in-band record: the client goes on after= the last row's key."""

import os
import socket
import threading
import urllib.parse

import pytest

from sluice_client import Client, RetryPolicy, StreamCut


class CuttingProxy:
    """A TCP relay to Sluice that closes the first ``cuts`` responses that reach ``after_bytes`` bytes right there."""

    def __init__(self, target: str, after_bytes: int, cuts: int):
        parsed = urllib.parse.urlsplit(target)
        self.target = (parsed.hostname, parsed.port)
        self.after_bytes = after_bytes
        self.cuts_left = cuts
        self.connections = 0
        self.lock = threading.Lock()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            upstream = socket.create_connection(self.target)
            threading.Thread(target=self._pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, True), daemon=True).start()

    def _cut_now(self) -> bool:
        with self.lock:
            if self.cuts_left > 0:
                self.cuts_left -= 1
                return True
            return False

    def _pipe(self, source, sink, response):
        sent = 0
        try:
            while True:
                data = source.recv(4096)
                if not data:
                    break
                if response and sent < self.after_bytes <= sent + len(data) and self._cut_now():
                    sink.sendall(data[: self.after_bytes - sent])
                    break
                sink.sendall(data)
                sent += len(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def close(self):
        self.server.close()


@pytest.fixture()
def proxy():
    relay = CuttingProxy(os.environ["SLUICE_URL"], after_bytes=20_000, cuts=2)
    yield relay
    relay.close()


def test_a_broken_connection_resumes_after_the_last_key(proxy):
    client = Client(proxy.url, token=os.environ["SLUICE_TOKEN"], retry=RetryPolicy(attempts=4, backoff=0.05))
    stream = client.rows("series", count=3000)
    numbers = [r["n"] for r in stream]
    assert numbers == list(range(1, 3001)), "each row exactly once, in order"
    assert stream.resumes == 2 and stream.status == "complete"
    assert proxy.connections >= 3


def test_a_broken_arrow_stream_resumes_after_the_last_key(proxy):
    pytest.importorskip("pyarrow")
    client = Client(proxy.url, token=os.environ["SLUICE_TOKEN"], retry=RetryPolicy(attempts=4, backoff=0.05))
    table = client.to_arrow("series", count=20000)
    assert table.column("n").to_pylist() == list(range(1, 20001))


def test_a_broken_connection_without_a_key_is_a_cut(proxy):
    client = Client(proxy.url, token=os.environ["SLUICE_TOKEN"], retry=RetryPolicy(attempts=4, backoff=0.05))
    received = 0
    with pytest.raises(StreamCut) as cut:
        # columns without the key: after= cannot be used, and the rows already delivered cannot be taken back
        for _ in client.rows("series", count=3000, columns="label"):
            received += 1
    assert cut.value.code == "transport" and cut.value.rows == received > 0
