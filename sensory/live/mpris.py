"""Media keys: a :class:`~sensory.live.player.Player` answering MPRIS on the session D-Bus.

Desktops send their media keys (play/pause, stop) and their sound menus' buttons to
whichever program owns a name ``org.mpris.MediaPlayer2.*`` on the session bus, as method
calls on ``/org/mpris/MediaPlayer2`` (MPRIS D-Bus Interface Specification 2.2,
freedesktop.org). :class:`MediaKeys` owns ``org.mpris.MediaPlayer2.sensory`` (or
``...sensory.instance<pid>`` when another sensory has it) while a player plays, and
answers on one thread of its own with `jeepney <https://jeepney.readthedocs.io>`_ (pure
Python, the optional extra ``sensory[mediakeys]``):

- ``org.mpris.MediaPlayer2.Player``: ``Play``, ``Pause``, ``PlayPause``, ``Stop`` become
  :meth:`Player.pause` and :meth:`Player.stop`; the properties ``PlaybackStatus``,
  ``Metadata`` (the title, the length in microseconds), ``Position`` (microseconds) and
  ``Volume`` (linear, 1 = the recipe's level; settable within the player's range).
  ``PropertiesChanged`` is sent when the status or the volume changes, whoever changed it.
- ``org.mpris.MediaPlayer2``: the identity, no raise, no quit, no track list.
- ``org.freedesktop.DBus.Properties``, ``.Introspectable`` and ``.Peer``.

Without jeepney or a session bus nothing is served and the player plays as before.
"""

from __future__ import annotations

import importlib.util
import math
import os
import threading

__all__ = ["BUS_NAME", "OBJECT_PATH", "MediaKeys"]

BUS_NAME = "org.mpris.MediaPlayer2.sensory"
OBJECT_PATH = "/org/mpris/MediaPlayer2"
ROOT = "org.mpris.MediaPlayer2"
PLAYER = "org.mpris.MediaPlayer2.Player"
PROPERTIES = "org.freedesktop.DBus.Properties"
INTROSPECTABLE = "org.freedesktop.DBus.Introspectable"
PEER = "org.freedesktop.DBus.Peer"
POLL_S = 0.2           # how often the thread looks for changes to announce
TRACK_ID = "/org/sensory/track/0"
_UNKNOWN_METHOD = "org.freedesktop.DBus.Error.UnknownMethod"
_INVALID_ARGS = "org.freedesktop.DBus.Error.InvalidArgs"
_PROPERTY_READ_ONLY = "org.freedesktop.DBus.Error.PropertyReadOnly"

_METHODS = {  # interface -> member -> (input signature, output signature)
    ROOT: {"Raise": ("", ""), "Quit": ("", "")},
    PLAYER: {name: ("", "") for name in ("Next", "Previous", "Pause", "PlayPause", "Stop", "Play")}
    | {"Seek": ("x", ""), "SetPosition": ("ox", ""), "OpenUri": ("s", "")},
    PROPERTIES: {"Get": ("ss", "v"), "GetAll": ("s", "a{sv}"), "Set": ("ssv", "")},
    INTROSPECTABLE: {"Introspect": ("", "s")},
    PEER: {"Ping": ("", ""), "GetMachineId": ("", "s")},
}


class MediaKeys:
    """Serves ``player`` over MPRIS while entered (``with MediaKeys(player): ...``).

    ``address``: the bus to use, a D-Bus address such as ``unix:path=/run/user/1000/bus``
    (default: the session bus of ``DBUS_SESSION_BUS_ADDRESS``). :attr:`name` is the bus name
    owned, or ``None`` when nothing is served (no jeepney, no bus, or the bus refused).
    """

    def __init__(self, player, *, address: str | None = None):
        self.player = player
        self.address = address or os.environ.get("DBUS_SESSION_BUS_ADDRESS")
        self.name: str | None = None
        self._conn = None
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sensory-mpris", daemon=True)
        self._announced: dict = {}

    def __enter__(self) -> MediaKeys:
        if not self.address or importlib.util.find_spec("jeepney") is None:
            return self
        from jeepney import DBusErrorResponse
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import Proxy, open_dbus_connection

        try:
            self._conn = open_dbus_connection(bus=self.address)
            bus = Proxy(message_bus, self._conn, timeout=2)
            for name in (BUS_NAME, f"{BUS_NAME}.instance{os.getpid()}"):
                if bus.RequestName(name, 4)[0] == 1:  # flags 4: do not queue; reply 1: primary owner
                    self.name = name
                    break
        except (OSError, RuntimeError, TimeoutError, ValueError, DBusErrorResponse):
            self.name = None  # no usable session bus: the keys stay the terminal's
        if self.name is None:
            self._close_connection()
            return self
        self._announced = self._changing()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._closing.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2.0)
        self._close_connection()

    def _close_connection(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- the thread: one connection, receiving and answering ------------------------------------

    def _run(self) -> None:
        from jeepney import MessageType

        conn = self._conn
        while not self._closing.is_set():
            try:
                try:
                    msg = conn.receive(timeout=POLL_S)
                except TimeoutError:
                    msg = None
                if msg is not None and msg.header.message_type == MessageType.method_call:
                    reply = self._answer(msg)
                    if reply is not None and not msg.header.flags & 1:  # 1: no reply expected
                        conn.send(reply)
                self._announce(conn)
            except (OSError, ValueError):
                return  # the bus went away (receiving or sending): playing goes on without media keys

    def _answer(self, msg):
        """The reply to method call ``msg``: a method return or an error."""
        from jeepney import HeaderFields, new_error, new_method_return

        fields = msg.header.fields
        interface = fields.get(HeaderFields.interface)
        member = fields.get(HeaderFields.member, "")
        signature = fields.get(HeaderFields.signature, "")
        if fields.get(HeaderFields.path) != OBJECT_PATH and interface != PEER:
            return new_error(msg, "org.freedesktop.DBus.Error.UnknownObject", "s", (f"no object {fields.get(HeaderFields.path)} here",))
        if interface is None:  # allowed by D-Bus: the first interface that has the member
            interface = next((i for i, members in _METHODS.items() if member in members), None)
        declared = _METHODS.get(interface, {}).get(member)
        if declared is None:
            return new_error(msg, _UNKNOWN_METHOD, "s", (f"{interface}.{member} is not a method here",))
        if signature != declared[0]:
            return new_error(msg, _INVALID_ARGS, "s", (f"{member} takes ({declared[0]}), not ({signature})",))
        try:
            out = self._call(interface, member, msg.body)
        except _Refused as e:
            return new_error(msg, e.error, "s", (str(e),))
        return new_method_return(msg, declared[1], out)

    def _call(self, interface: str, member: str, args: tuple) -> tuple:
        """Do ``interface.member(*args)``; its return values as a tuple."""
        p = self.player
        if interface == PLAYER:
            if member == "Play" or member == "PlayPause" and p.paused:
                p.pause(False)
            elif member in ("Pause", "PlayPause"):
                p.pause(True)
            elif member == "Stop" and not p.stopping:
                p.stop()
            return ()  # Next, Previous, Seek, SetPosition, OpenUri: nothing to do (Can* say so)
        if interface == PROPERTIES:
            if args[0] not in (ROOT, PLAYER):
                raise _Refused(_INVALID_ARGS, f"no interface {args[0]} here")
            values = self._properties(args[0])
            if member == "GetAll":
                return (values,)
            if args[1] not in values:
                raise _Refused(_INVALID_ARGS, f"no property {args[1]} on {args[0]}")
            if member == "Get":
                return (values[args[1]],)
            self._set(args[0], args[1], args[2])
            return ()
        if interface == INTROSPECTABLE:
            return (_introspection(),)
        if member == "GetMachineId":
            return (_machine_id(),)
        return ()  # Ping; Raise and Quit (CanRaise and CanQuit are false)

    def _set(self, interface: str, name: str, value: tuple) -> None:
        """Properties.Set: only the player's Volume is writable."""
        if (interface, name) != (PLAYER, "Volume"):
            raise _Refused(_PROPERTY_READ_ONLY, f"{name} is read-only")
        signature, volume = value
        if signature != "d" or not math.isfinite(volume) or volume < 0:
            raise _Refused(_INVALID_ARGS, "Volume takes a double of 0 or more (1 = the recipe's level)")
        self.player.set_volume(20 * math.log10(volume) if volume > 0 else -math.inf)

    # -- properties ----------------------------------------------------------------------------

    def _properties(self, interface: str) -> dict:
        """The properties of ``interface``, as D-Bus variants."""
        if interface == ROOT:
            return {"CanQuit": ("b", False), "CanRaise": ("b", False), "HasTrackList": ("b", False),
                    "Identity": ("s", "sensory"), "SupportedUriSchemes": ("as", []),
                    "SupportedMimeTypes": ("as", [])}
        p = self.player
        metadata = {"mpris:trackid": ("o", TRACK_ID), "xesam:title": ("s", p.recipe.title)}
        if math.isfinite(p.end):
            metadata["mpris:length"] = ("x", int(p.end * 1e6))
        return self._changing() | {
            "Metadata": ("a{sv}", metadata), "Position": ("x", int(p.position * 1e6)),
            "Rate": ("d", 1.0), "MinimumRate": ("d", 1.0), "MaximumRate": ("d", 1.0),
            "CanGoNext": ("b", False), "CanGoPrevious": ("b", False), "CanPlay": ("b", True),
            "CanPause": ("b", True), "CanSeek": ("b", False), "CanControl": ("b", True)}

    def _changing(self) -> dict:
        """The player's properties that change by themselves and are announced."""
        p = self.player
        status = "Stopped" if p.stopping else "Paused" if p.paused else "Playing"
        return {"PlaybackStatus": ("s", status), "Volume": ("d", 10 ** (p.volume_db / 20))}

    def _announce(self, conn) -> None:
        """Send ``PropertiesChanged`` for what changed since the last call."""
        from jeepney import DBusAddress, new_signal

        now = self._changing()
        changed = {k: v for k, v in now.items() if self._announced.get(k) != v}
        if changed:
            self._announced = now
            emitter = DBusAddress(OBJECT_PATH, interface=PROPERTIES)
            conn.send(new_signal(emitter, "PropertiesChanged", "sa{sv}as", (PLAYER, changed, [])))


class _Refused(Exception):
    """A method call answered with the D-Bus error ``error``."""

    def __init__(self, error: str, message: str):
        super().__init__(message)
        self.error = error


def _introspection() -> str:
    """The introspection XML of the object: its interfaces, methods and properties."""
    parts = []
    for interface, members in _METHODS.items():
        if interface == PEER:
            continue
        methods = []
        for member, (sig_in, sig_out) in members.items():
            ins = [f'<arg direction="in" type="{t}"/>' for t in _split_signature(sig_in)]
            outs = [f'<arg direction="out" type="{t}"/>' for t in _split_signature(sig_out)]
            methods.append(f'<method name="{member}">{"".join(ins + outs)}</method>')
        parts.append(f'<interface name="{interface}">{"".join(methods)}</interface>')
    return ('<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN" '
            '"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">'
            f'<node>{"".join(parts)}</node>')


def _split_signature(signature: str) -> list[str]:
    """``"ssv"`` -> ``["s", "s", "v"]``; ``"a{sv}"`` stays whole."""
    return ["a{sv}"] if signature == "a{sv}" else list(signature)


def _machine_id() -> str:
    for path in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            with open(path) as f:
                return f.read().strip()
        except OSError:
            continue
    return ""
