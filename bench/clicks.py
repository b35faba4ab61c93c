"""The analyzer's click detector against known answers: every preset, injected and clean.

    python bench/clicks.py [--rates 16000,48000] [--presets fireplace,rain] [--seconds 30]
                           [--trials 4] [--lufs -14] [-v]

Each packaged preset is rendered (its own seed, ``--seconds`` long, at each rate) as
:func:`sensory.render` gives it: at its house level, or scaled to ``--lufs`` (BS.1770-4
integrated loudness, pyloudnorm). The clean render is run through
:class:`sensory.measure.clicks.ClickDetector` whole: every click it reports there is a false
click. Then each of three discontinuities is injected at ``--trials`` seeded places, every
other one moved to channel 0's nearest zero crossing (within 10 ms), none before the render
first reaches -40 dBFS or after it last does (a fade's first moments, where a dropout changes
a sample by less than the detector's -60 dBFS floor): a rectangular pulse of 0.2 over 40
samples in every channel, a one-frame dropout to 0, a polarity flip of the rest. The detector
runs over a 1.5-s excerpt around each place; an injection is found when the excerpt reads
exactly one click more than it does without it, within 2 ms of the place (of either edge,
for a pulse).

Each injection is also judged as a perfect detector would (:func:`evidence`): the bed is
whitened by a long predictor (order ``max(32, rate / 500)``, fitted on the clean bed's
``FIT_S`` around the place: long enough that the predictor does not learn the noise it
whitens) and across its channels (their residuals' covariance), and the evidence is the
whitened energy the injection's repair removes: for a pulse, the matched filter's ``z**2`` of
its known shape at its known place and free amplitude; for a flip, the energy that negating
the rest back removes over the predictor's memory (after it the flipped residual is the
clean one negated, the same energy: no evidence); for a dropout the same matched filter, or
else its exact zero in every channel, which chance (the float render's 2^-24 quantum times
the normal density at 0 around the two-sided interpolator's estimate, each channel) would
give less than once an hour at 48 kHz. It is *detectable* when the energy reaches
``DETECT_Z**2``: ``DETECT_Z`` = 6.3 is where a Gaussian residual's two-sided tail gives one
false alarm an hour at 48 kHz over 16 pulse lengths (or repair positions) a frame,
1 / (2 * 1.728e8 * 16). A detector that does not know the place and shape can only do
worse, so found can exceed detectable only by luck (a bed whose residual is not Gaussian).

Prints a table of found/detectable/injected per preset, kind and rate, the false clicks of
the clean renders (count, and their times with ``-v``, with every miss and its evidence in
``z`` units), and the totals.
"""

from __future__ import annotations

import argparse
import collections
import time

import numpy as np
import pyloudnorm
from scipy import linalg, signal

import sensory
from sensory.measure.clicks import ClickDetector
from sensory.recipe.presets import presets

KINDS = ("pulse", "drop", "flip")
EXCERPT_S = 1.5
TOLERANCE_S = 0.002
PULSE_FRAMES = 40
DETECT_Z = 6.3  # see the docstring
FIT_S = 1.0
HOUR = 3600 * 48000


def detect(x: np.ndarray, rate: int, block: int = 4096) -> ClickDetector:
    """The detector run over ``x`` (n, channels) in blocks, finished."""
    d = ClickDetector(rate, x.shape[1])
    for i in range(0, len(x), block):
        d.add(x[i:i + block])
    d.finish()
    return d


def inject(x: np.ndarray, kind: str, at: int) -> np.ndarray:
    """A copy of ``x`` with the discontinuity ``kind`` at frame ``at``."""
    y = x.copy()
    if kind == "pulse":
        y[at:at + PULSE_FRAMES] += 0.2
    elif kind == "drop":
        y[at] = 0.0
    else:
        y[at:] *= -1
    return y


def places(x: np.ndarray, rate: int, trials: int, seed: int) -> list[int]:
    """``trials`` seeded frames of ``x`` at least half an excerpt from either end and from the
    frames before it first reaches -40 dBFS and after it last does, every other one moved to
    channel 0's nearest zero crossing."""
    rng = np.random.default_rng(seed)
    half = int(EXCERPT_S * rate / 2)
    loud = np.flatnonzero(np.abs(x).max(axis=1) >= 0.01)
    lo, hi = max(half, loud[0] + half), min(len(x) - 2 * half, loud[-1] - 2 * half)
    out = []
    for trial in range(trials):
        at = int(rng.integers(lo, hi))
        if trial % 2:
            at += int(np.argmin(np.abs(x[at:at + rate // 100, 0])))
        out.append(at)
    return out


def evidence(x: np.ndarray, rate: int, at: int) -> dict[str, float]:
    """The whitened energy (in variances) each kind injected at ``at`` in ``x`` (n, channels)
    gives a detector that knows its shape and place; see the module docstring."""
    order = max(32, rate // 500)
    fit = x[at - int(FIT_S * rate / 2):at + int(FIT_S * rate / 2)]
    w = fit * np.hanning(len(fit))[:, None]
    a = []
    for ch in range(x.shape[1]):
        r = np.correlate(w[:, ch], w[:, ch], "full")[len(w) - 1:len(w) + order]
        r[0] = r[0] * (1 + 1e-9) + 1e-20
        a.append(np.concatenate([[1.0], -linalg.solve_toeplitz(r[:-1], r[1:])]))
    lo, hi = at - 2 * order - len(fit) // 4, at + PULSE_FRAMES + 2 * order

    def white(y: np.ndarray) -> np.ndarray:
        return np.stack([signal.lfilter(a[ch], 1.0, y[lo:hi, ch]) for ch in range(y.shape[1])], axis=1)

    clean = white(x)
    past = clean[2 * order:at - lo]  # the clean bed's innovations before the place
    mad = 1.4826 * np.median(np.abs(past), axis=0)
    inv = np.linalg.inv(np.corrcoef(past.T) * np.outer(mad, mad) if x.shape[1] > 1 else mad[:, None] ** 2)
    c0 = np.array([(ak * ak).sum() for ak in a])
    guess = x[at] - np.array([(a[ch] * clean[at - lo:at - lo + order + 1, ch]).sum() for ch in range(x.shape[1])]) / c0
    dev = mad / np.sqrt(c0)  # the two-sided interpolator's estimate of x[at] from its neighbours, and its deviation
    chance = np.sum(np.log10(2.0**-24 / (np.sqrt(2 * np.pi) * dev)) - (guess / dev) ** 2 / (2 * np.log(10)))
    energy = {}
    for kind in KINDS:
        e = white(inject(x, kind, at))
        if kind == "flip":
            m = slice(at - lo, at - lo + order)  # the predictor's memory
            energy[kind] = float(np.einsum("tc,cd,td->", e[m], inv, e[m]) - np.einsum("tc,cd,td->", clean[m], inv, clean[m]))
        else:
            g = e - clean
            energy[kind] = float(np.einsum("tc,cd,td->", g, inv, e) ** 2 / np.einsum("tc,cd,td->", g, inv, g))
    if chance < -np.log10(HOUR):
        energy["drop"] = max(energy["drop"], DETECT_Z**2)
    return energy


def judge(x: np.ndarray, rate: int, at: int) -> dict[str, tuple[bool, float]]:
    """Whether each kind injected at ``at`` is found in the excerpt of ``x`` around it, and its
    evidence (:func:`evidence`)."""
    half = int(EXCERPT_S * rate / 2)
    lo = at - half
    piece = x[lo:at + half]
    base = detect(piece, rate).clicks
    energy = evidence(x, rate, at)
    found = {}
    for kind in KINDS:
        d = detect(inject(piece, kind, half), rate)
        end = half + (PULSE_FRAMES if kind == "pulse" else 0)
        hit = d.clicks - base == 1 and any(half / rate - TOLERANCE_S < t < end / rate + TOLERANCE_S for t in d.times)
        found[kind] = hit, energy[kind]
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rates", default="16000,48000")
    ap.add_argument("--presets", default="")
    ap.add_argument("--seconds", type=float, default=30.0, help="length of each render")
    ap.add_argument("--trials", type=int, default=4, help="places of each kind per preset and rate")
    ap.add_argument("--lufs", type=float, default=None, help="scale each render to this loudness")
    ap.add_argument("-v", action="store_true", help="list every miss and false click")
    args = ap.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    names = args.presets.split(",") if args.presets else [p.name for p in presets() if p.origin == "built-in"]
    found, detectable, total, false = collections.Counter(), collections.Counter(), collections.Counter(), {}
    misses = []
    t0 = time.perf_counter()
    for name in names:
        recipe = sensory.load(name)
        for rate in rates:
            x = sensory.render(recipe, seconds=args.seconds, sample_rate=rate).astype(np.float64)
            if args.lufs is not None:
                x *= 10 ** ((args.lufs - pyloudnorm.Meter(rate).integrated_loudness(x)) / 20)
            clean = detect(x, rate)
            false[name, rate] = clean.times
            for at in places(x, rate, args.trials, seed=sum(map(ord, name)) * 7 + rate):
                for kind, (hit, energy) in judge(x, rate, at).items():
                    total[name, rate, kind] += 1
                    found[name, rate, kind] += hit
                    detectable[name, rate, kind] += energy >= DETECT_Z**2
                    if not hit:
                        z = np.sqrt(max(energy, 0.0))
                        misses.append(f"miss  {name} {rate} Hz {kind} at {at / rate:.4f} s, evidence z {z:.1f}")
    level = "house level" if args.lufs is None else f"{args.lufs:g} LUFS"
    print(f"found / detectable / injected, {args.trials} places a kind; false: clicks in the clean "
          f"{args.seconds:g}-s render ({level})")
    cols = [(kind, rate) for rate in rates for kind in (*KINDS, "false")]
    print(f"{'preset':<20}" + "".join(f"{kind + ' ' + str(rate // 1000) + 'k':>11}" for kind, rate in cols))
    for name in names:
        cells = [str(len(false[name, rate])) if kind == "false" else
                 f"{found[name, rate, kind]}/{detectable[name, rate, kind]}/{total[name, rate, kind]}"
                 for kind, rate in cols]
        print(f"{name:<20}" + "".join(f"{c:>11}" for c in cells))
    for kind in KINDS:
        print(f"{kind}: {sum(v for k, v in found.items() if k[2] == kind)} found, "
              f"{sum(v for k, v in detectable.items() if k[2] == kind)} detectable, of "
              f"{sum(v for k, v in total.items() if k[2] == kind)}")
    print(f"false clicks: {sum(len(t) for t in false.values())} in {len(false)} clean renders; "
          f"{time.perf_counter() - t0:.0f} s")
    if args.v:
        print("\n".join(misses))
        for (name, rate), times in false.items():
            if times:
                print(f"false {name} {rate} Hz at {', '.join(f'{t:g}' for t in times)} s")


if __name__ == "__main__":
    main()
