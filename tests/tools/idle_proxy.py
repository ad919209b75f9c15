"""A TCP proxy on 127.0.0.1 that closes a connection once no byte has
crossed it for IDLE seconds, as nginx's keepalive_timeout, a load balancer's
idle timeout or Node's 5 s keepAliveTimeout do. The tests of every language
put their clients behind it (step 12, case 3).

    python3 tests/tools/idle_proxy.py UPSTREAM_PORT IDLE_SECONDS

prints "PORT <port>" once listening, then serves until its stdin closes (so
it never outlives the test that started it) or it is killed.
"""

from __future__ import annotations

import asyncio
import sys
import time


async def main(upstream_port: int, idle: float) -> None:
    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
        except OSError:
            client_writer.close()
            return
        last = [time.monotonic()]

        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while data := await reader.read(65536):
                    last[0] = time.monotonic()
                    writer.write(data)
                    await writer.drain()
            except OSError:
                pass

        async def watch() -> None:
            while True:
                left = last[0] + idle - time.monotonic()
                if left <= 0:
                    return
                await asyncio.sleep(left)

        tasks = [
            asyncio.ensure_future(pipe(client_reader, server_writer)),
            asyncio.ensure_future(pipe(server_reader, client_writer)),
            asyncio.ensure_future(watch()),
        ]
        # Either side closing, or the idle limit, ends both sides (FIN).
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            task.cancel()
        for writer in (client_writer, server_writer):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print("PORT", server.sockets[0].getsockname()[1], flush=True)
    loop = asyncio.get_running_loop()
    # Serve until whoever started the proxy closes its stdin (or dies).
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), float(sys.argv[2])))
