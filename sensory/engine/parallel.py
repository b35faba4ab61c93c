"""Layers rendered side by side: some of a mix's layers run in child processes.

Layers are independent until the mixer sums them, so a render can share its
layers out between processes. A child (a new Python interpreter) builds its
layers exactly as the parent would (same parameters, same generators), renders
them into a ring of slots in shared memory, up to the ring's depth of blocks
ahead, and the parent mixes every layer in recipe order: the output is the same
bits as a render in one process, whatever the split. The ring lets a process
that is busier for a while (a bird's phrase, a shower) fall behind and catch up
without stalling the other. (Threads gained nothing: the layers' work is many
small numpy calls, most of the time under the interpreter lock.)

Protocol: the parent writes the set-up (pickled, length first) to the child's
stdin, then one byte for each slot it frees (the blocks before the one it
takes, half a ring at a time); the child writes the block's index (4 bytes) when the block is ready, or
``0xFFFFFFFF`` and a traceback. The set-up says whether the parent keeps its heap
(:func:`~sensory.engine.context.keep_heap`); the child then does too. The child stops
when its stdin closes, so it never outlives the parent. Used by exports (see
:func:`sensory.engine.stream.blocks`); live play stays in one process.
"""

from __future__ import annotations

import itertools
import mmap
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..errors import RenderError
from .context import heap_kept, keep_heap, rendering
from .layers import layers

__all__ = ["RING_FRAMES", "Eras", "Offload", "RemoteLayer", "depth", "loads", "schedule", "serve", "share", "span"]

_FAILED = 0xFFFFFFFF


def schedule(first: int, block_size: int, frames: int | None) -> Iterator[int]:
    """Block sizes the mixer asks its layers for: ``first`` (the limiter's look-ahead), then
    blocks of ``block_size`` covering ``frames`` (``None``: endless)."""
    yield first
    done = 0
    while frames is None or done < frames:
        n = block_size if frames is None else min(block_size, frames - done)
        yield n
        done += n


_EXHAUSTIVE = 4096  # splits tried one by one up to this many (processes ** layers); a few ms

Eras = list[tuple[float, list[float]]]  # (share of the render, each layer's cost while it sounds, else 0)


def share(eras: Eras, processes: int, overhead: float, cores: int | None = None) -> list[int]:
    """Which process renders each layer (0 is the parent, which also carries ``overhead``:
    mixing, space, master, writing), so that the render takes the least time by
    :func:`span` on ``cores`` (default: one per process): every split tried where there
    are few (ties go to the split whose busiest process has the least work over the whole
    render, then the next), else longest first onto the least loaded process (Graham's LPT
    rule: R. L. Graham, SIAM J. Appl. Math. 17, 1969, within 4/3 of the best)."""
    layers = len(eras[0][1]) if eras else 0
    if processes ** layers <= _EXHAUSTIVE:
        splits = np.array(list(itertools.product(range(processes), repeat=layers)), np.intp).reshape(-1, layers)
        part, load = _work(eras, splits, processes, overhead)
        whole = -np.sort(-np.einsum("e,sep->sp", part, load), axis=1)  # each split's loads, busiest first
        return splits[np.lexsort([*whole.T[::-1], _spans(part, load, cores or processes)])[0]].tolist()
    costs = [sum(part * c[i] for part, c in eras) for i in range(layers)]
    load = [overhead] + [0.0] * (processes - 1)
    where = [0] * layers
    for i in sorted(range(layers), key=lambda i: -costs[i]):
        p = min(range(processes), key=lambda p: load[p])
        where[i] = p
        load[p] += costs[i]
    return where


def loads(eras: Eras, where, processes: int, overhead: float) -> list[float]:
    """Each process's work over the render when layer ``i`` runs in process ``where[i]``, the
    parent's ``overhead`` included (in the units of the costs, over the whole render)."""
    part, load = _work(eras, np.array([where], np.intp), processes, overhead)
    return np.einsum("e,ep->p", part, load[0]).tolist()


def span(eras: Eras, where, processes: int, overhead: float, cores: int | None = None) -> float:
    """The render's expected length in the units of the costs: over each era, its busiest
    process's work, or all its processes' work over ``cores`` (default: one per process)
    when that is more."""
    part, load = _work(eras, np.array([where], np.intp), processes, overhead)
    return float(_spans(part, load, cores or processes)[0])


def _work(eras: Eras, splits: np.ndarray, processes: int, overhead: float) -> tuple[np.ndarray, np.ndarray]:
    """The eras' shares of the render (E,) and each process's work over each era, (S, E, P),
    for each of ``splits`` (S, layers): the process of each layer."""
    part = np.array([p for p, _ in eras], float)
    costs = np.array([c for _, c in eras], float).reshape(len(eras), splits.shape[1])
    load = np.einsum("el,slp->sep", costs, (splits[:, :, None] == np.arange(processes)).astype(float))
    load[:, :, 0] += overhead
    return part, load


def _spans(part: np.ndarray, load: np.ndarray, cores: int) -> np.ndarray:
    """:func:`span` of each split of :func:`_work`, (S,)."""
    return np.maximum(load.max(axis=2), load.sum(axis=2) / cores) @ part


def _memory(size: int):
    """A shareable file of ``size`` bytes in memory (memfd on Linux, else an unlinked temp file)."""
    if hasattr(os, "memfd_create"):
        f = os.fdopen(os.memfd_create("sensory-layers"), "r+b")
    else:
        f = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the caller, who closes it)
    f.truncate(size)
    return f


RING_FRAMES = 1 << 19  # frames of each layer a child may render ahead (2 MB a layer at 48 kHz: 11 s)


def depth(first: int, block_size: int) -> int:
    """Slots in a child's ring for blocks of ``block_size`` after a first of ``first`` frames:
    :data:`RING_FRAMES` worth, at least two (one the parent reads, one the child writes)."""
    return max(2, RING_FRAMES // max(first, block_size))


class Offload:
    """A child process rendering ``specs`` (layer models) in the blocks of :func:`schedule`;
    :meth:`parts` hands out each block's parts, float32 (n, 2) per layer, in ``specs`` order.

    The child renders into a ring of :func:`depth` slots; the parts of a block are read-only
    views of its slot, which is free once the next block is taken (the mixer is done with a
    block's parts by then). Free slots go back to the child half a ring at a time: each write to
    the pipe may wait for the interpreter lock (the writer thread's), and the child, a half ring
    ahead at least, still never waits for a slot the parent has done with."""

    def __init__(self, specs: list, seed: int, sample_rate: int, frames: int | None, first: int,
                 block_size: int):
        self.names = [spec.name for spec in specs]
        self._sizes = schedule(first, block_size, frames)
        shape = (depth(first, block_size), len(specs), max(first, block_size), 2)
        size = int(np.prod(shape)) * 4
        self._file = _memory(size)
        self._map = mmap.mmap(self._file.fileno(), size)
        self._slots = np.frombuffer(self._map, np.float32).reshape(shape)
        self._slots.flags.writeable = False
        fd = self._file.fileno()
        here = str(Path(__file__).resolve().parent.parent)  # the child imports this very package
        self._block: list[np.ndarray] | None = None
        self._taken = 0
        self._blocks = 0  # blocks taken so far
        self._batch = max(1, len(self._slots) // 2)  # slots given back at a time: fewer system calls
        self._process = None
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", _CHILD, here], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                pass_fds=(fd,), start_new_session=True)  # Ctrl-C is the parent's to handle
            setup = pickle.dumps((fd, shape, specs, seed, sample_rate, frames, first, block_size, heap_kept()))
            self._write(struct.pack("<Q", len(setup)) + setup)
        except BaseException:
            self.close()
            raise

    def _write(self, data: bytes) -> None:
        try:
            self._process.stdin.write(data)
            self._process.stdin.flush()
        except (BrokenPipeError, OSError):
            self._failed()

    def _failed(self, detail: str = ""):
        code = self._process.poll()
        raise RenderError(f"the process rendering layers {', '.join(self.names)} failed"
                          + (f" (exit code {code})" if code is not None else "")
                          + (f":\n{detail}" if detail else ""))

    def parts(self, n: int) -> list[np.ndarray]:
        """The next block's parts, in layer order (read-only views, valid until the next block
        is taken)."""
        if self._block is None:
            expected = next(self._sizes)
            if n != expected:
                raise RuntimeError(f"the mixer asked for {n} frames where the layer process renders {expected}")
            if self._blocks and self._blocks % self._batch == 0:
                self._write(b"\0" * self._batch)  # the slots of the blocks before this one are free
            head = self._process.stdout.read(4)
            if len(head) < 4:
                self._failed()
            if struct.unpack("<I", head)[0] == _FAILED:
                (length,) = struct.unpack("<Q", self._process.stdout.read(8))
                self._failed(self._process.stdout.read(length).decode("utf-8", "replace"))
            self._block = list(self._slots[self._blocks % len(self._slots), :, :n])
            self._blocks += 1
            self._taken = 0
        block = self._block
        self._taken += 1
        if self._taken == len(block):
            self._block = None
        return block

    def close(self) -> None:
        """Stop the child and free the shared memory (again: nothing)."""
        if self._process is not None:
            try:
                self._process.stdin.close()
            except OSError:
                pass
            try:
                self._process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process.stdout.close()
            self._process = None
        self._slots = self._block = None  # the views of the map, which cannot close under one
        try:
            self._map.close()
        except BufferError:  # a part still viewed (an error's traceback holds the mixer's): freed with it
            pass
        self._file.close()


class RemoteLayer:
    """Stands in the mixer for a layer an :class:`Offload` renders: its name, send curve
    and frame count; ``render(n)`` returns the child's part, float32 (n, 2)."""

    def __init__(self, name: str, send, sample_rate: int, offload: Offload):
        self.name = name
        self.send = send
        self.sample_rate = sample_rate
        self.frame = 0
        self._offload = offload
        self._index = offload.names.index(name)

    def render(self, n: int) -> np.ndarray:
        part = self._offload.parts(n)[self._index]
        self.frame += n
        return part


def serve(stdin, stdout) -> None:
    """The child: build the layers, then render each block into the next slot of the ring,
    once the parent has freed it; stop when stdin closes."""
    (length,) = struct.unpack("<Q", stdin.read(8))
    fd, shape, specs, seed, sample_rate, frames, first, block_size, keep = pickle.loads(stdin.read(length))
    try:
        if keep:  # as the parent chose
            keep_heap()
        with rendering():  # as in the parent's render
            mine = layers(specs, seed, sample_rate)
            shared = mmap.mmap(fd, int(np.prod(shape)) * 4)
            slots = np.frombuffer(shared, np.float32).reshape(shape)
            for k, n in enumerate(schedule(first, block_size, frames)):
                if k >= len(slots) and not stdin.read(1):
                    return  # the parent is done
                for slot, layer in zip(slots[k % len(slots)], mine):
                    slot[:n] = layer.render(n)
                stdout.write(struct.pack("<I", k))
                stdout.flush()
            stdin.read()  # every block is out: wait for the parent to finish
    except BrokenPipeError:
        return
    except Exception:  # noqa: BLE001 (any failure goes back to the parent with its traceback)
        text = traceback.format_exc().encode("utf-8")
        try:
            stdout.write(struct.pack("<IQ", _FAILED, len(text)) + text)
            stdout.flush()
        except OSError:
            pass


# the child's program: this package found where the parent found it, nothing else moved
_CHILD = ("import sys; sys.path.insert(0, sys.argv[1]); "
          "from sensory.engine.parallel import serve; del sys.path[0]; serve(sys.stdin.buffer, sys.stdout.buffer)")
