"""Nature presets: speed, memory, repetition and texture statistics.

    python bench/nature.py [--minutes 10] [--runs 3] [--jobs N] [--hour] [--stats] [--plots] [PRESET ...]
    python bench/nature.py --costs [PRESET ...]
    python bench/nature.py --sox [--runs 3] [PRESET ...]

* speed: each preset rendered at 48 kHz stereo in a fresh subprocess (in the
  blocks and processes an export uses, nothing kept; ``--jobs N`` forces N
  processes), ``--runs`` times; medians of wall and CPU seconds of the render
  (from loading the recipe; Python's start-up and imports, about a second, are
  left out and printed at the end; CPU includes the layer processes, their
  imports too), x real time by wall clock and by CPU time (the steadier figure
  on a busy machine; "busiest": by the CPU time of the busiest process, with one
  layer process the wall time an idle machine would show), peak RSS of the render and
  of its largest layer process;
* --hour: the 1-hour render also computes the loudness envelope (RMS per
  100 ms, in dB) and its autocorrelation at lags 1-600 s; the largest peak is
  reported against the noise floor (3 / sqrt(N) for N envelope values);
  30-s windows are compared for near copies (highest correlation between
  any two non-overlapping windows' 100-ms envelopes of the residual);
* --stats: 30 s of each preset through the reference ``texture_stats.py``
  (../shared/reference) against its recording class;
* --plots: spectrograms under bench/out/;
* --costs: instead of renders, each layer's unit alone for 60 s against a pink noise unit
  rendered just before it (CPU time, median of three): the kinds' ``cost`` in noise layers; then
  the layer processes' work and the render's span (era by era) in an hour's export by those
  costs, as the kinds' declared costs share the layers over two and three processes on two cores
  and as the measured costs would;
* --sox: instead, each preset's hour as ``sensory export`` writes it (48 kHz 16-bit WAV, start-up
  included) against SoX's hour of pink noise at 48 kHz 16-bit (``sox -n -r 48000 -c 2 -b 16 out.wav
  synth 3600 pinknoise pinknoise``), timed in the same run: SoX, then each preset, ``--runs`` rounds;
  medians of wall and CPU seconds and each preset's ratio to SoX by wall clock (target <= 1.25).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
REFERENCE = ROOT.parent / "shared" / "reference"
PRESETS = ["forest", "rain", "rain-on-roof", "ocean", "stream", "wind", "fireplace", "night", "thunderstorm", "forest-day"]
CLASSES = {"forest": "chirping_birds", "rain": "rain", "rain-on-roof": "rain", "ocean": "sea_waves",
           "stream": "pouring_water", "wind": "wind", "fireplace": "crackling_fire", "night": "crickets",
           "thunderstorm": "thunderstorm", "forest-day": "chirping_birds"}
KEYS = ["spectral_centroid_hz", "spectral_slope_db_per_octave", "envelope_kurtosis_band_mean",
        "envelope_cv_band_mean", "envelope_corr_all_pairs", "modulation_slow_0.5-2Hz", "onsets_per_second",
        "crest_factor_db"]

_CHILD = r"""
import json, resource, sys, time
import numpy as np
s0 = time.perf_counter()
import sensory
from sensory.engine import stream
from sensory.engine.context import keep_heap
from sensory.output.writer import BLOCK_SIZE  # the block size exports render in
keep_heap()  # as `sensory export` does
t0 = time.perf_counter(); c0 = time.process_time()
name, seconds, envelope, jobs = sys.argv[1], float(sys.argv[2]), sys.argv[3] == "1", int(sys.argv[5])
recipe = sensory.load(name)
processes = jobs or stream.processes_for(recipe, stream.plan(recipe, seconds=seconds, sample_rate=48000))  # as an export
sr = 48000
hop = sr // 10
env, carry = [], np.zeros((0, 2), np.float32)
for block in stream.blocks(recipe, seconds=seconds, sample_rate=sr, block_size=BLOCK_SIZE, processes=processes):
    if envelope:
        x = np.concatenate([carry, block]) if len(carry) else block
        k = len(x) // hop
        if k:
            env.append(np.sqrt(np.mean(x[:k * hop].astype(np.float64).reshape(k, hop * 2) ** 2, axis=1)))
        carry = x[k * hop:]
wall = time.perf_counter() - t0
children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the layer processes, imports included
own = time.process_time() - c0
cpu = own + children.ru_utime + children.ru_stime
busiest = max(own, children.ru_utime + children.ru_stime)  # with one child: the wall time of an idle machine
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
if envelope:
    np.save(sys.argv[4], np.concatenate(env))
print(json.dumps({"wall": wall, "cpu": cpu, "busiest": busiest, "rss_mb": rss, "child_rss_mb": children.ru_maxrss / 1024,
                  "processes": processes, "imports": t0 - s0}))
"""


def run(name: str, seconds: float, envelope_path: Path | None = None, jobs: int = 0) -> dict:
    args = [sys.executable, "-c", _CHILD, name, str(seconds), "1" if envelope_path else "0", str(envelope_path or ""),
            str(jobs)]
    res = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, check=True)
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out["xrt"] = seconds / out["wall"]
    out["xrt_cpu"] = seconds / out["cpu"]
    out["xrt_busiest"] = seconds / out["busiest"]
    return out


def median_run(name: str, seconds: float, runs: int, jobs: int = 0) -> dict:
    """Medians over ``runs`` fresh-process renders of each figure."""
    import statistics

    results = [run(name, seconds, jobs=jobs) for _ in range(runs)]
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def repetition(env_path: Path) -> dict:
    """Autocorrelation peak over 1-600 s lags of the dB loudness envelope, and near-copy 30-s windows."""
    import numpy as np

    e = 20 * np.log10(np.load(env_path) + 1e-9)
    e = e[100:-100]  # leave out the fades
    x = e - e.mean()
    n = len(x)
    spec = np.fft.rfft(x, 2 * n)
    ac = np.fft.irfft(np.abs(spec) ** 2)[:n] / (x @ x)
    lag = np.arange(10, 6001)  # 1-600 s at 10 values per second
    lags = ac[lag]
    floor = 3.0 / np.sqrt(n)
    # a slowly drifting envelope is correlated with itself, so its autocorrelation estimates
    # scatter far more than a white series': Bartlett's standard error at lag k is
    # sqrt((1 + 2 sum_{j<k} r_j^2) / n) (M. S. Bartlett, JRSS Suppl. 8, 1946)
    bartlett = 3.0 * np.sqrt((1 + 2 * np.cumsum(ac[1:6001] ** 2)) / n)[9:6000]
    # the envelope's own decay gives a smooth autocorrelation; a repeat would stand above it as a
    # narrow peak. The trend is the mean over lags L/2..3L/2 (at most +-15 s): narrow enough to
    # follow the steep decay at the shortest lags, wide enough that a peak at L stands out of it
    half = np.clip(lag // 2, 5, 150)
    sums = np.concatenate([[0.0], np.cumsum(ac[:6200])])
    residual = lags - (sums[lag + half + 1] - sums[lag - half]) / (2 * half + 1)
    peak = (lags[1:-1] > lags[:-2]) & (lags[1:-1] >= lags[2:])  # local maxima
    ratio = (residual[1:-1] / bartlett[1:-1])[peak] if peak.any() else np.zeros(1)
    residual = residual[1:-1][peak] if peak.any() else np.zeros(1)
    w = 300  # 30-s windows of the 100-ms envelope
    from scipy.ndimage import uniform_filter1d
    x = x - uniform_filter1d(x, 20)  # the residual: drifts slower than 2 s would make any windows alike
    r = x[: (n // w) * w].reshape(-1, w)
    r = r - r.mean(axis=1, keepdims=True)
    r /= np.linalg.norm(r, axis=1, keepdims=True) + 1e-12
    c = r @ r.T
    np.fill_diagonal(c, 0)
    return {"ac_peak_residual": float(residual.max()), "ac_floor": floor, "ac_max": float(lags.max()),
            "ac_peak_over_bartlett": float(ratio.max()), "window_max_corr": float(c.max())}


def costs(name: str, seconds: float = 60.0, runs: int = 3) -> list[tuple[str, float]]:
    """Each layer's unit alone (48 kHz, the export's blocks) against a pink noise unit rendered
    just before it, in noise layers: the median over ``runs`` of their CPU time ratio. A layer
    that rests at first is built where it wakes, as the engine builds it."""
    import statistics
    import time

    import sensory
    from sensory import kinds
    from sensory.core.seeding import layer_rng
    from sensory.engine.context import keep_heap, rendering
    from sensory.engine.layers import rests
    from sensory.output.writer import BLOCK_SIZE

    sr = 48000
    noise = sensory.load("pink").layers[0]

    def cpu(spec, frame: int) -> float:
        unit = kinds.get(spec.kind).unit(spec.after(frame / sr) if frame else spec, sr, layer_rng(0, spec.name, frame))
        c, done = time.process_time(), 0
        while done < seconds * sr:
            unit.render(BLOCK_SIZE)
            done += BLOCK_SIZE
        return time.process_time() - c

    keep_heap()  # as an export renders: the frames' temporaries kept, BLAS on one thread
    out = []
    with rendering():
        for spec in sensory.load(name).layers:
            spans = rests(spec.gain_db, sr)
            frame = spans[0][1] if spans and spans[0][0] == 0 and spans[0][1] is not None else 0
            out.append((spec.name, statistics.median(cpu(spec, frame) / cpu(noise, 0) for _ in range(runs))))
    return out


def split_line(name: str, measured: list[float], processes: int = 2) -> str:
    """How an hour's export shares the preset's layers over ``processes`` on two cores by the
    kinds' declared costs, each process's work and the render's span (era by era, the busiest
    process or the work over the cores) by the ``measured`` costs (noise layers, the parent's
    mixing at its declared cost), and the best split by the measured costs."""
    import sensory
    from sensory.engine import stream
    from sensory.engine.parallel import loads, span

    recipe = sensory.load(name)
    p = stream.plan(recipe, seconds=3600, sample_rate=48000)
    names = [spec.name for spec in recipe.layers]
    where, _ = stream.split(recipe, p, processes, cores=2)
    stretches = stream.eras(recipe.layers, p, measured)
    overhead = stream.mixing_cost(recipe)
    best, _ = stream.split(recipe, p, processes, unit_costs=measured, cores=2)

    def line(w):
        work = " / ".join(f"{x:.2f}" for x in loads(stretches, w, processes, overhead))
        children = "; ".join(", ".join(n for n, x in zip(names, w) if x == c) or "-" for c in range(1, processes))
        return f"children {children}: {work}, span {span(stretches, w, processes, overhead, 2):.2f}"

    return f"{line(where)}; best by measured costs: {line(best)}"


def against_sox(names: list[str], runs: int) -> None:
    """Each preset's 1-h export against SoX's pink hour, rounds of SoX then every preset: medians."""
    sys.path.insert(0, str(ROOT / "bench"))
    from _measure import run as measured

    tmp = Path(tempfile.mkdtemp(prefix="sensory-nature-"))
    sox_cmd = ["sox", "-n", "-r", "48000", "-c", "2", "-b", "16", str(tmp / "sox.wav"), "synth", "3600",
               "pinknoise", "pinknoise"]
    times: dict[str, list] = {"sox": [], **{name: [] for name in names}}
    try:
        for _ in range(runs):
            times["sox"].append(measured(sox_cmd))
            for name in names:
                times[name].append(measured([sys.executable, "-m", "sensory", "export", name, "-d", "1h", "--sample-rate",
                                             "48000", "--subtype", "PCM_16", "-o", str(tmp / "o.wav"), "--force"]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    wall = {k: statistics.median(r.wall for r in v) for k, v in times.items()}
    print(f"{'1 h, 48 kHz 16-bit WAV':24} {'wall s':>7} {'cpu s':>7} {'/ sox':>6} {'RSS MB':>7}  (medians of {runs})")
    for k, v in times.items():
        print(f"{'SoX pink' if k == 'sox' else k:24} {wall[k]:7.1f} {statistics.median(r.cpu for r in v):7.1f} "
              f"{wall[k] / wall['sox']:6.2f} {max(r.rss_mb for r in v):7.0f}", flush=True)


def texture(name: str) -> dict:
    import soundfile as sf

    import sensory
    from sensory.engine import stream

    recipe = sensory.load(name)
    x = stream.render(recipe, seconds=40, sample_rate=48000)[5 * 48000: 35 * 48000]
    path = OUT / f"{name}.flac"
    sf.write(path, x, 48000)
    cls = CLASSES[name]
    res = subprocess.run([sys.executable, str(REFERENCE / "texture_stats.py"), str(path)],
                         capture_output=True, text=True, check=True)
    stats = json.loads(res.stdout)
    ref = json.loads((REFERENCE / "nature-stats.json").read_text())["classes"][cls]
    rows = {}
    for key in KEYS:
        v = stats[key]["median"]
        r = ref[key]
        rows[key] = (v, r["median"], r["q25"], r["q75"])
    return {"class": cls, "rows": rows}


def plot(name: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import soundfile as sf
    from scipy.signal import spectrogram

    x, sr = sf.read(OUT / f"{name}.flac")
    f, t, s = spectrogram(x.mean(axis=1), sr, nperseg=2048, noverlap=1024)
    plt.figure(figsize=(10, 4))
    plt.pcolormesh(t, f, 10 * np.log10(s + 1e-12), shading="auto", vmin=-130, vmax=-40)
    plt.yscale("symlog", linthresh=500)
    plt.ylim(50, 20000)
    plt.title(f"{name} (30 s, 48 kHz)")
    plt.xlabel("s")
    plt.ylabel("Hz")
    plt.tight_layout()
    plt.savefig(OUT / f"{name}.png", dpi=80)
    plt.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("presets", nargs="*", default=PRESETS)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--runs", type=int, default=3, help="renders per preset for the speed medians")
    ap.add_argument("--hour", action="store_true", help="also render 1 h and check repetition")
    ap.add_argument("--stats", action="store_true")
    ap.add_argument("--plots", action="store_true")
    ap.add_argument("--jobs", type=int, default=0, help="processes per render (default: as an export decides)")
    ap.add_argument("--costs", action="store_true", help="each layer's unit alone, in noise layers (no renders)")
    ap.add_argument("--sox", action="store_true", help="each preset's 1-h export against SoX's pink hour")
    a = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if a.sox:
        against_sox(a.presets, a.runs)
        return
    if a.costs:
        for name in a.presets:
            measured = costs(name)
            for layer, ratio in measured:
                print(f"{name:14} {layer:10} {ratio:5.2f} noise layers", flush=True)
            for processes in (2, 3):
                line = split_line(name, [r for _, r in measured], processes)
                print(f"{name:14} {f'({processes} procs)':10} {line}", flush=True)
        return
    print(f"{'preset':14} {'min':>5} {'proc':>4} {'wall s':>7} {'cpu s':>7} {'x RT':>6} {'x RT cpu':>8} "
          f"{'x RT busiest':>12} {'RSS MB':>7} {'child MB':>8}")
    for name in a.presets:
        lengths = [a.minutes * 60] + ([3600.0] if a.hour else [])
        for seconds in lengths:
            env = OUT / f"{name}-env.npy" if seconds == 3600.0 else None
            r = run(name, seconds, env, a.jobs) if env else median_run(name, seconds, a.runs, a.jobs)
            print(f"{name:14} {seconds / 60:5.0f} {r['processes']:4.0f} {r['wall']:7.1f} {r['cpu']:7.1f} {r['xrt']:6.0f} "
                  f"{r['xrt_cpu']:8.0f} {r['xrt_busiest']:12.0f} {r['rss_mb']:7.0f} {r['child_rss_mb']:8.0f}", flush=True)
            if env:
                rep = repetition(env)
                print(f"{'':14} 1-h envelope: autocorr 1-600 s max {rep['ac_max']:.3f}, peak above trend "
                      f"{rep['ac_peak_residual']:.3f} (white-noise floor {rep['ac_floor']:.3f}; largest peak "
                      f"{rep['ac_peak_over_bartlett']:.2f} x Bartlett's 3-sigma floor); 30-s windows max r "
                      f"{rep['window_max_corr']:.2f}", flush=True)
    if not a.hour:
        print(f"(imports before each render: {run('pink', 1.0)['imports']:.2f} s wall, not counted)")
    if a.stats or a.plots:
        for name in a.presets:
            res = texture(name)
            if a.plots:
                plot(name)
            if a.stats:
                print(f"\n{name} vs {res['class']}")
                for key, (v, med, q25, q75) in res["rows"].items():
                    mark = "" if q25 <= v <= q75 else ("  (low)" if v < q25 else "  (high)")
                    print(f"  {key:30} {v:9.3g}   ref {med:9.3g} [{q25:.3g}, {q75:.3g}]{mark}")


if __name__ == "__main__":
    main()
