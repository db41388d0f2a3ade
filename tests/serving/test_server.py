"""Running the service: the listening socket."""

from __future__ import annotations

import asyncio
import socket

from nbpromote.serving._server import _bind


def test_accepted_connections_get_tcp_nodelay_from_asyncio():
    """asyncio switches Nagle's algorithm off only on sockets whose protocol is TCP; a listening
    socket made without it hands uvicorn connections on which every response waits ~40 ms for the
    client's delayed ACK (the response's head and body go out as two writes)."""
    listener = _bind("127.0.0.1", 0)
    client = socket.create_connection(listener.getsockname())
    try:
        accepted, _ = listener.accept()
        with accepted:
            asyncio.base_events._set_nodelay(accepted)  # what uvicorn's transport does on accept
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        client.close()
        listener.close()
