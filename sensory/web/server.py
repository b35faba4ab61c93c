"""The web mixer's server: the page, its state and its commands on 127.0.0.1, in a thread.

::

    GET  /?token=T                  the page (static/index.html, the token written in)
    GET  /mixer.js, .css, /icon.svg the page's script, style and icon (the only other files served)
    GET  /state?token=T             the player's state as JSON
    POST /command?token=T           one message (sensory.web.messages) as the body: 200, the state and
                                    ``reply`` (what a WebSocket would be told), or 400
    GET  /ws?token=T                a WebSocket: the state on connecting and on every change; messages in

Every request needs the run's token (a query ``token`` or an ``X-Sensory-Token`` header;
403 without it), and a ``Host`` of this server (403 otherwise: a name that rebinds to
127.0.0.1 does not reach it). A WebSocket upgrade needs an ``Origin`` of this server too,
so a page of another site cannot connect, and each of its messages carries the token again.
Bodies and messages over :data:`~sensory.web.messages.MAX_MESSAGE_BYTES` get 413 or close
the socket (1009). The server is `aiohttp <https://docs.aiohttp.org>`_ (the extra
``sensory[web]``) on an event loop of its own thread; the player's controls are called from
that thread (they may be called from any).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import threading
from collections.abc import Callable
from importlib import resources

from ..errors import RecipeError, RenderError, SensoryError
from .messages import MAX_MESSAGE_BYTES, parse
from .remote import Remote

__all__ = ["HOST", "MixerServer"]

HOST = "127.0.0.1"
TICK_S = 0.05        # how often wanted levels go to the player and the state is compared
SEND_TIMEOUT_S = 2.0  # a page that reads nothing for this long is disconnected
MAX_SOCKETS = 32
STATIC = {"mixer.js": "text/javascript", "mixer.css": "text/css", "icon.svg": "image/svg+xml"}
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; connect-src 'self'; frame-ancestors 'none'",
}


class MixerServer:
    """Serves ``player`` on ``http://127.0.0.1:port`` while entered (``port=0``: a free one).

    :attr:`url` is the page's address with the token; :attr:`token` is random per server;
    ``started(url)`` is called once the server listens. Entering raises :class:`RenderError`
    when the port cannot be had, and :class:`RecipeError` when aiohttp is missing.
    """

    def __init__(self, player, *, port: int = 0, started: Callable[[str], object] | None = None):
        self.remote = Remote(player)
        self.port = int(port)
        self.started = started
        self.token = secrets.token_urlsafe(24)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._sockets: set = set()
        self._sent = ""
        self._thread = threading.Thread(target=self._run, name="sensory-mixer", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/?token={self.token}"

    def __enter__(self) -> MixerServer:
        try:
            import aiohttp  # noqa: F401
        except ImportError:
            raise RecipeError("the web mixer needs aiohttp: pip install 'sensory[web]'") from None
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self._thread.join()
            raise self._error
        if self.started is not None:
            self.started(self.url)
        return self

    def __exit__(self, *exc) -> None:
        if self._loop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(timeout=5.0)

    # -- the thread ------------------------------------------------------------------------------

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:
            runner = loop.run_until_complete(self._start())
        except BaseException as e:  # handed to the entering thread
            self._error = e
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_until_complete(self._serve())
        finally:
            loop.run_until_complete(self._close(runner))
            loop.close()

    async def _start(self):
        from aiohttp import web

        @web.middleware
        async def guard(request, handler):
            return await self._guarded(request, handler)

        app = web.Application(client_max_size=MAX_MESSAGE_BYTES, middlewares=[guard])
        app.router.add_get("/", self._page)
        for name in STATIC:
            app.router.add_get(f"/{name}", self._static)
        app.router.add_get("/state", self._state)
        app.router.add_post("/command", self._command)
        app.router.add_get("/ws", self._socket)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await web.TCPSite(runner, HOST, self.port).start()
        except OSError as e:
            await runner.cleanup()
            raise RenderError(f"cannot listen on {HOST}:{self.port}: {e.strerror or e}; "
                              "give another --port, or 0 for any free one") from None
        self.port = runner.addresses[0][1]
        self._stop = asyncio.Event()
        return runner

    async def _serve(self) -> None:
        """Every tick: pass on what the pages asked, and send the state when it changed."""
        while not self._stop.is_set():
            self.remote.apply()
            await self._broadcast()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), TICK_S)

    async def _close(self, runner) -> None:
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 1.0)
        await runner.cleanup()
        await asyncio.get_running_loop().shutdown_default_executor()

    async def _broadcast(self, force: bool = False) -> None:
        text = json.dumps({"type": "state", **self.remote.state()})
        if text == self._sent and not force:
            return
        self._sent = text
        await asyncio.gather(*(self._send(ws, text) for ws in list(self._sockets)))

    async def _send(self, ws, text: str) -> None:
        try:
            await asyncio.wait_for(ws.send_str(text), SEND_TIMEOUT_S)
        except (TimeoutError, ConnectionError, RuntimeError):
            self._sockets.discard(ws)  # gone, or not reading: it reconnects when it can
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 0.1)

    # -- requests --------------------------------------------------------------------------------

    def _origins(self) -> set[str]:
        return {f"http://{host}:{self.port}" for host in (HOST, "localhost")}

    def _hosts(self) -> set[str]:
        return {f"{host}:{self.port}" for host in (HOST, "localhost")}

    async def _guarded(self, request, handler):
        """The response to ``request``: 403 without this server's host and token, else the
        handler's, its errors as JSON; the security headers on each."""
        from aiohttp import web

        given = request.query.get("token") or request.headers.get("X-Sensory-Token", "")
        if request.host not in self._hosts():
            response = _refusal(web, 403, f"host {request.host[:60]!r} is not this mixer")
        elif not secrets.compare_digest(given.encode(), self.token.encode()):
            response = _refusal(web, 403, "a valid token is needed: open the address `sensory mixer` printed")
        else:
            try:
                response = await handler(request)
            except web.HTTPException as e:
                response = _refusal(web, e.status, e.reason)
        if not response.prepared:
            response.headers.update(HEADERS)
        return response

    async def _page(self, request):
        from aiohttp import web

        html = _read("index.html").replace("{{token}}", self.token)
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    async def _static(self, request):
        from aiohttp import web

        name = request.path.lstrip("/")
        return web.Response(text=_read(name), content_type=STATIC[name], charset="utf-8")

    async def _state(self, request):
        from aiohttp import web

        return web.json_response(self.remote.state())

    async def _command(self, request):
        from aiohttp import web

        try:
            reply = await self._do(await request.read())
        except SensoryError as e:
            return web.json_response({"error": str(e)}, status=400 if isinstance(e, RecipeError) else 503)
        self.remote.apply()
        return web.json_response({"type": "state", **self.remote.state(), "reply": reply})

    async def _socket(self, request):
        from aiohttp import WSCloseCode, WSMsgType, web

        if request.headers.get("Origin") not in self._origins():
            return _refusal(web, 403, "this page's origin may not connect to the mixer")
        if len(self._sockets) >= MAX_SOCKETS:
            return _refusal(web, 503, f"at most {MAX_SOCKETS} pages at once")
        ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE_BYTES, heartbeat=None)
        await ws.prepare(request)
        self._sockets.add(ws)
        await self._send(ws, json.dumps({"type": "state", **self.remote.state()}))
        try:
            async for msg in ws:
                if msg.type == WSMsgType.BINARY:
                    await ws.close(code=WSCloseCode.UNSUPPORTED_DATA, message=b"JSON text messages only")
                if msg.type != WSMsgType.TEXT:
                    break  # binary, oversized (aiohttp closes with 1009) or an error
                try:
                    reply = await self._do(msg.data)
                except SensoryError as e:
                    reply = {"type": "refused", "why": str(e)}
                if reply is not None:
                    await self._send(ws, json.dumps(reply))
        finally:
            self._sockets.discard(ws)
        return ws


    async def _do(self, text: str | bytes) -> dict | None:
        """Check and do the message ``text``; what to tell its sender, if anything."""
        command = parse(text, self.token)
        if command.action == "add":  # builds layers: off the loop, so the other pages go on
            return await asyncio.get_running_loop().run_in_executor(None, self.remote.add, command.args["preset"])
        return self.remote.submit(command)


def _refusal(web, status: int, why: str):
    return web.json_response({"error": why}, status=status)


def _read(name: str) -> str:
    """A file of the page, from the package's static folder."""
    return (resources.files("sensory.web") / "static" / name).read_text(encoding="utf-8")
