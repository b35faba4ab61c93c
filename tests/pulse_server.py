"""A private PulseAudio daemon with one null sink, and a recorder of the sink's monitor.

The recipe is the one in the project's playback notes: its own XDG_RUNTIME_DIR,
no default.pa (``-n``, so it runs as root without D-Bus), anonymous auth, a
float32 null sink at 48 kHz with ``norewinds=1`` (without it the sink rewinds
when a stream connects and the monitor loses the stream's first ~0.1-0.35 s).
PortAudio reaches it through ALSA's ``pulse`` plugin (devices ``pulse`` and
``default``). Used by tests/conftest.py and bench/live_soak.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import numpy as np

SINK = "ci_sink"
RATE = 48000


class PulseServer:
    """Start with :meth:`start` (raises ``RuntimeError`` saying why it could not), end with :meth:`stop`."""

    def __init__(self, rate: int = RATE):
        self.rate = rate
        self.runtime_dir: str | None = None
        self.pid: int | None = None
        self._saved_env: dict[str, str | None] = {}

    def start(self) -> PulseServer:
        for tool in ("pulseaudio", "pactl", "parec"):
            if shutil.which(tool) is None:
                raise RuntimeError(f"{tool} is not installed (tests/install-system-deps.sh installs it)")
        self.runtime_dir = tempfile.mkdtemp(prefix="sensory-pulse-")
        os.chmod(self.runtime_dir, 0o700)
        for key in ("XDG_RUNTIME_DIR", "PULSE_SERVER"):
            self._saved_env[key] = os.environ.get(key)
        os.environ["XDG_RUNTIME_DIR"] = self.runtime_dir
        os.environ.pop("PULSE_SERVER", None)
        log = os.path.join(self.runtime_dir, "pa.log")
        cmd = ["pulseaudio", "-D", "-n", "--exit-idle-time=-1", "--disallow-exit", "--use-pid-file=yes",
               f"--log-target=file:{log}",
               "-L", "module-native-protocol-unix auth-anonymous=1",
               "-L", f"module-null-sink sink_name={SINK} rate={self.rate} channels=2 format=float32le "
                     "norewinds=1",
               "-L", "module-always-sink"]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        if done.returncode != 0:
            why = (done.stderr.strip() or _tail(log)).splitlines()[-1:] or ["no message"]
            self.stop()
            raise RuntimeError(f"pulseaudio did not start (exit {done.returncode}): {why[0]}")
        for _ in range(100):
            if subprocess.run(["pactl", "info"], capture_output=True).returncode == 0:
                break
            time.sleep(0.05)
        else:
            self.stop()
            raise RuntimeError("pulseaudio started but does not answer pactl info")
        with open(os.path.join(self.runtime_dir, "pulse", "pid")) as f:
            self.pid = int(f.read())
        for args in (["set-default-sink", SINK], ["set-default-source", f"{SINK}.monitor"]):
            subprocess.run(["pactl", *args], check=True, capture_output=True)
        _rescan_portaudio()
        return self

    def stop(self) -> None:
        """Stop this daemon only, wait for it to exit, restore the environment."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            for _ in range(100):
                if not _running(self.pid):
                    break
                time.sleep(0.05)
            self.pid = None
        if self.runtime_dir is not None:
            shutil.rmtree(self.runtime_dir, ignore_errors=True)
            self.runtime_dir = None
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env = {}
        _rescan_portaudio()

    def record(self) -> Recorder:
        """A running recorder of the null sink's monitor."""
        return Recorder(self.rate)


class Recorder:
    """Records the sink's monitor with ``parec`` (raw float32 stereo), drained by a thread."""

    def __init__(self, rate: int):
        self.rate = rate
        self._chunks: list[bytes] = []
        self._proc = subprocess.Popen(
            ["parec", "-d", f"{SINK}.monitor", "--raw", "--format=float32le", f"--rate={rate}",
             "--channels=2", "--latency-msec=20"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()
        time.sleep(0.3)  # let the recording stream connect before anything plays

    def _drain(self) -> None:
        while chunk := self._proc.stdout.read1(1 << 16):
            self._chunks.append(chunk)

    def stop(self) -> np.ndarray:
        """Everything recorded, float32 (frames, 2)."""
        time.sleep(0.3)
        self._proc.terminate()
        self._proc.wait(timeout=5)
        self._thread.join(timeout=5)
        data = b"".join(self._chunks)
        data = data[:len(data) // 8 * 8]
        return np.frombuffer(data, np.float32).reshape(-1, 2).copy()


def _rescan_portaudio() -> None:
    """PortAudio lists ALSA's pulse devices at initialisation: rescan after the server changes."""
    import sys

    sd = sys.modules.get("sounddevice")
    if sd is not None:
        sd._terminate()
        sd._initialize()


def _running(pid: int) -> bool:
    """Whether ``pid`` is alive (an exited daemon may linger as a zombie until init reaps it)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _tail(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()[-500:]
    except OSError:
        return ""
