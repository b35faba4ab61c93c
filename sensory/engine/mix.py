"""The mixer: sums its layers (a plain list, in recipe order), sends what they send through the
space stage, and runs the sum through the :class:`~sensory.engine.master.Master`.

Layers that came from one preset form a group (:class:`~sensory.recipe.groups.Group`): the
group's gain and pan curves multiply each member's output, before the sum and the sends.

Its controls are one surface for whoever changes a render as it plays (the live player):
:meth:`Mixer.set_gain` moves the master's, a layer's or a group's live gain over a ramp,
:meth:`Mixer.add_group` and :meth:`Mixer.remove_group` bring a preset in or take one out,
and :meth:`Mixer.fade_out` ends the render with a fade. A render no one controls (an export)
never multiplies by a live gain: its samples are those of the recipe alone.
"""

from __future__ import annotations

import numpy as np

from ..core.levels import db_to_gain
from ..dsp.pan import balance
from ..dsp.reverb import Space
from .layers import Layer
from .master import Master
from .ramp import Ramp

__all__ = ["GroupGain", "Mixer"]


class GroupGain:
    """A group's gain: its curves (dB, summed) and pan (a balance, -1..1) on its ``members``'
    outputs, times its live gain :attr:`live` (a :class:`Ramp`). ``name`` and ``preset`` as
    in :class:`~sensory.recipe.groups.Group`."""

    def __init__(self, group, members: list, sample_rate: int):
        self.name = group.name
        self.preset = group.preset
        self.gains = group.gains
        self.pan = None if group.pan.is_constant and group.pan.values[0] == 0 else group.pan
        self.members = members
        self.sample_rate = sample_rate
        self.live = Ramp(1.0)
        self.leaving = False

    def apply(self, part: np.ndarray, frame: int) -> np.ndarray:
        """``part`` (float32 (n, 2), a member's output from ``frame``) times the group's gain;
        ``part`` itself when the gain holds at 1 and the pan at the centre (never written into)."""
        n, sr = len(part), self.sample_rate
        gain = self.live.block(frame, n)
        for curve in self.gains:
            gain = gain * db_to_gain(curve.block(frame, n, sr))
        if self.pan is not None:
            left, right = balance(self.pan.block(frame, n, sr))
            both = np.stack(np.broadcast_arrays(gain * left, gain * right), axis=-1).astype(np.float32)
            return part * (both if both.ndim == 2 else both[None, :])
        if np.ndim(gain):
            return part * gain.astype(np.float32)[:, None]
        return part if gain == 1 else part * np.float32(gain)


class Mixer:
    """Sums ``layers`` and runs the master stage; ``render(n)`` gives float32 (n, 2).

    Output frame k is content frame k: the mixer runs the layers ahead by the
    limiter's latency. ``offloads`` are the child processes rendering some of the
    layers (:mod:`sensory.engine.parallel`); :meth:`close` stops them.

    ``gain`` is the master's live gain up to 1, on output frames after the limiter (a volume
    control: the render, only quieter), and ``boost`` the part above 1, on content frames
    before the limiter, which keeps holding the ceiling; ``layer_gains[i]`` is layer ``i``'s,
    on its output before the sum and its send to the space stage; ``groups`` are the
    :class:`GroupGain` of the recipe's groups. Each live gain is a
    :class:`~sensory.engine.ramp.Ramp` holding 1 until :meth:`set_gain` moves it.
    """

    def __init__(self, layers: list[Layer], master: Master, space: Space | None = None,
                 offloads: list | None = None, groups=()):
        self.layers = layers
        self.master = master
        self.space = space
        self.frame = 0
        self.offloads = offloads or []
        self.gain = Ramp(1.0)
        self.boost = Ramp(1.0)
        self.layer_gains = [Ramp(1.0) for _ in layers]
        self.groups = [GroupGain(g, [layers[i] for i in g.members], master.sample_rate) for g in groups]
        self._index()
        try:
            self.master.process(self._sum(master.limiter.latency))
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for offload in self.offloads:
            offload.close()

    def _sum(self, n: int) -> np.ndarray:
        """The layers' sum, float32 (n, 2). Layer outputs are never written into: a unit
        may hand out a view of its own state."""
        self._drop_left()
        parts = []
        for layer, ramp, groups in zip(self.layers, self.layer_gains, self._groups_of):
            frame = layer.frame
            gain = ramp.block(frame, n)
            part = layer.render(n)
            if np.ndim(gain):
                part = part * gain[:, None]
            elif gain != 1:
                part = part * np.float32(gain)
            for group in groups:
                part = group.apply(part, frame)
            parts.append(part)
        if not parts:
            return np.zeros((n, 2), np.float32)
        if self.space is not None:
            parts.append(self.space.process(self._sends(parts)))
        if len(parts) == 1:
            return parts[0]
        out = parts[0] + parts[1]
        for part in parts[2:]:
            out += part
        return out

    def _sends(self, parts: list[np.ndarray]) -> np.ndarray:
        """The space stage's input: each layer's output times its send curve, float32 (n, 2)."""
        n = len(parts[0])
        wet = np.zeros((n, 2), np.float32)
        for layer, part in zip(self.layers, parts):
            if layer.send is None:
                continue
            amount = layer.send.block(layer.frame - n, n, layer.sample_rate)
            if np.ndim(amount) == 0:
                if amount != 0:
                    wet += part * np.float32(amount)
            else:
                wet += part * amount.astype(np.float32)[:, None]
        return wet

    def render(self, n: int) -> np.ndarray:
        """The next ``n`` output frames, float32 (n, 2)."""
        x = self._sum(n)
        boost = self.boost.block(self.master.frame, n)
        if np.ndim(boost):
            x = x * boost[:, None]
        elif boost != 1:
            x = x * np.float32(boost)
        y = self.master.process(x)
        gain = self.gain.block(self.frame, n)
        if np.ndim(gain):
            y = y * gain[:, None]
        elif gain != 1:
            y = y * np.float32(gain)
        self.frame += n
        return y

    # -- controls: call between render calls ------------------------------------------------

    def set_gain(self, gain: float, *, seconds: float = 0.0, layer: int | str | None = None,
                 group: str | None = None) -> None:
        """Move the master's live gain, or layer ``layer``'s (its index or name), or group
        ``group``'s (its name) to ``gain`` (linear, 1 = as the recipe says, 0 = silent; the
        master's above 1 goes before the limiter) in a straight line over ``seconds``, from the
        next frame rendered; see :class:`Ramp`."""
        frames = round(seconds * self.sample_rate)
        if group is not None:
            g = self.group(group)
            g.live.move(gain, frames, at=g.members[0].frame)
        elif layer is None:
            self.gain.move(min(gain, 1.0), frames, at=self.frame)
            self.boost.move(max(gain, 1.0), frames, at=self.master.frame)
        else:
            i = layer if isinstance(layer, int) else self._layer_index(layer)
            self.layer_gains[i].move(gain, frames, at=self.layers[i].frame)

    def group(self, name: str) -> GroupGain:
        """The group called ``name``: the newest, as one taken out may still be fading out under
        that name while the preset is brought in again."""
        return next(g for g in reversed(self.groups) if g.name == name)

    def _layer_index(self, name: str) -> int:
        """The index of the newest layer called ``name`` (as for :meth:`group`)."""
        return max(i for i, layer in enumerate(self.layers) if layer.name == name)

    def add_group(self, groups, layers: list[Layer], *, seconds: float, space_s: float) -> None:
        """Bring in ``layers`` (built for this mixer's sample rate) as ``groups`` (the first
        holds them all, the others are groups within it; members index ``layers``), fading in
        from silence over ``seconds``; their time starts now. A space stage of ``space_s``
        seconds is made if they send to one and the mix had none."""
        if self.space is None and any(layer.send is not None for layer in layers):
            self.space = Space(self.sample_rate, space_s)
        added = [GroupGain(g, [layers[i] for i in g.members], self.sample_rate) for g in groups]
        added[0].live = Ramp(0.0)
        added[0].live.move(1.0, round(seconds * self.sample_rate), at=0)
        self.layers = self.layers + layers
        self.layer_gains = self.layer_gains + [Ramp(1.0) for _ in layers]
        self.groups = self.groups + added
        self._index()

    def remove_group(self, name: str, *, seconds: float) -> None:
        """Fade group ``name`` out over ``seconds``, then take its layers (and the groups
        within it) out of the mix."""
        g = self.group(name)
        g.live.move(0.0, round(seconds * self.sample_rate), at=g.members[0].frame)
        g.leaving = True

    def _drop_left(self) -> None:
        """Take out the groups whose fade on leaving has ended."""
        gone = [g for g in self.groups if g.leaving and g.members[0].frame >= g.live.end - 1]
        if not gone:
            return
        dropped = {id(layer) for g in gone for layer in g.members}
        keep = [i for i, layer in enumerate(self.layers) if id(layer) not in dropped]
        self.layers = [self.layers[i] for i in keep]
        self.layer_gains = [self.layer_gains[i] for i in keep]
        self.groups = [g for g in self.groups if any(id(m) not in dropped for m in g.members)]
        self._index()

    def _index(self) -> None:
        """Which groups each layer is in, in the order their gains apply."""
        self._groups_of = [[g for g in self.groups if any(m is layer for m in g.members)] for layer in self.layers]

    def fade_out(self, seconds: float, *, end: int | None = None) -> int:
        """End the render with a ``seconds`` fade that finishes at output frame ``end`` (default:
        ``seconds`` after the frame the master stage takes next), never later than an end already
        set and never louder than a fade under way; returns the end frame. See
        :meth:`~sensory.engine.master.Master.fade_out`."""
        return self.master.fade_out(seconds, end=end)

    @property
    def sample_rate(self) -> int:
        return self.master.sample_rate

    @property
    def end_frame(self) -> int | None:
        """The output frame where the render ends (``None``: it does not)."""
        return self.master.end_frame
