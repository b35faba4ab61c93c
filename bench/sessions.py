"""SBaGen schedules rendered by sensory and by SBaGen 1.4.4 itself, side by side.

    python bench/sessions.py [--repeat 3] [--sbagen PATH] [--schedules slide,descent,tones] [--threads]

Each schedule (below, one hour long) is written to a temporary folder as a `.sbg` file and
rendered to a 16-bit stereo WAV at 44.1 kHz twice per round, alternating: by
`sensory export FILE.sbg -o out.wav --subtype PCM_16 --sample-rate 44100` and by
`sbagen -Q -Wo out.wav FILE.sbg` (SBaGen's own output format), each run as a child process
(start-up and file writing included). SBaGen is built from ../shared/peers/sbagen/build.sh
into the temporary folder unless ``--sbagen`` names a binary. Prints a table: medians of the
rounds' wall and CPU seconds, peak RSS, and the ratio of sensory's wall time to SBaGen's
(target <= 1.0), with the machine's load average at the start and the end (the ratio is the
figure to quote on a loaded machine). ``--threads`` adds one more export of each schedule
in a child that reports its CPU seconds by thread (main, noise helper, writer; Linux's
/proc) and how long the main thread waited on the others. Output files are deleted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _measure import Run, run

SENSORY = [sys.executable, "-m", "sensory"]
BUILD = Path(__file__).resolve().parents[2] / "shared" / "peers" / "sbagen" / "build.sh"
TARGET = 1.0

# Run in a child: `sensory export ...` with each thread's CPU seconds and the main thread's waits
# for the noise helper (Future.result) and the writer (Queue.put) printed at the end.
THREADS = '''
import os, queue, sys, threading, time, concurrent.futures as cf
done, live, waits = {}, {}, {"noise": 0.0, "writer": 0.0}
run = threading.Thread.run
def timed_run(self):
    live[threading.get_native_id()] = self.name
    try:
        run(self)
    finally:
        done[self.name] = time.thread_time()
threading.Thread.run = timed_run
def waited(cls, name, key):
    call = getattr(cls, name)
    def wait(*a, **k):
        if threading.current_thread() is not threading.main_thread():
            return call(*a, **k)
        t = time.perf_counter()
        try:
            return call(*a, **k)
        finally:
            waits[key] += time.perf_counter() - t
    setattr(cls, name, wait)
waited(cf.Future, "result", "noise")
waited(queue.Queue, "put", "writer")
start = time.perf_counter()
from sensory.cli import main
sys.argv = ["sensory", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
wall = time.perf_counter() - start
cpu = {"main": time.thread_time()}
for tid, name in live.items():
    if name in done:
        cpu[name] = done[name]
    else:
        stat = open(f"/proc/self/task/{tid}/stat").read().rpartition(")")[2].split()
        cpu[name] = (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")
print(f"wall {wall:.2f} s; CPU s by thread: "
      + ", ".join(f"{k.rsplit('_', 1)[0]} {v:.2f}" for k, v in cpu.items())
      + f" (total {sum(cpu.values()):.2f}); main waited for noise {waits['noise']:.2f}, writer {waits['writer']:.2f}")
'''

SCHEDULES = {
    # the job: pink noise and a binaural beat sliding from 10 to 6 Hz
    "slide": ("-SE\na10: pink/20 200+10/30\na6: pink/20 200+6/30\noff: -\n"
              "NOW <= a10\nNOW+00:02:00 == a10 ->\nNOW+00:58:00 == a6\nNOW+01:00:00 => off\n"),
    # pink noise under two beats descending in three steps, each change over SBaGen's 60-s window
    "descent": ("-SE\nd1: pink/30 150+10/20 400+4/10\nd2: pink/30 150+6/20 400+3/10\n"
                "d3: pink/30 150+2/20 400+1.5/10\noff: -\n"
                "NOW <= d1\nNOW+00:20:00 == d2\nNOW+00:40:00 == d3\nNOW+01:00:00 => off\n"),
    # tones alone, no noise: four tone-sets crossfading every 15 minutes
    "tones": ("-SE\nt1: 200+10/40\nt2: 180+8/40 90/10\nt3: 160+6/40\nt4: 140+4/40 70/10\noff: -\n"
              "NOW <= t1\nNOW+00:15:00 t2\nNOW+00:30:00 t3\nNOW+00:45:00 t4\nNOW+01:00:00 => off\n"),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sbagen", help="an SBaGen binary (default: build one from ../shared/peers/sbagen)")
    ap.add_argument("--schedules", default=",".join(SCHEDULES))
    ap.add_argument("--threads", action="store_true", help="also CPU seconds by thread, one export each")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="sensory-bench-"))
    try:
        sbagen = args.sbagen
        if sbagen is None:
            sbagen = str(tmp / "sbagen")
            subprocess.run(["bash", str(BUILD), sbagen], check=True)
        rows = []
        for name in args.schedules.split(","):
            sbg = tmp / f"{name}.sbg"
            sbg.write_text(SCHEDULES[name])
            ours: list[Run] = []
            peer: list[Run] = []
            for _ in range(args.repeat):  # alternating, so both see the same machine load
                ours.append(run([*SENSORY, *export_args(sbg, tmp / "s.wav")]))
                (tmp / "s.wav").unlink(missing_ok=True)
                peer.append(run([sbagen, "-Q", "-Wo", str(tmp / "p.wav"), str(sbg)]))
                (tmp / "p.wav").unlink(missing_ok=True)
            rows.append((name, ours, peer))
            print(f"  {name}: {statistics.median(r.wall for r in ours):.2f} s against "
                  f"{statistics.median(r.wall for r in peer):.2f} s", file=sys.stderr, flush=True)
        print(f"\n1-h SBaGen schedules, 44.1 kHz stereo 16-bit WAV; medians of {args.repeat} alternating pairs; "
              f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end\n")
        print("| schedule | sensory wall s | cpu s | RSS MB | SBaGen wall s | cpu s | RSS MB | sensory / SBaGen |")
        print("|---|---|---|---|---|---|---|---|")
        for name, ours, peer in rows:
            o, p = (statistics.median(r.wall for r in runs) for runs in (ours, peer))
            flag = "" if o / p <= TARGET else " *"
            print(f"| {name} | {o:.2f} | {statistics.median(r.cpu for r in ours):.2f} | "
                  f"{max(r.rss_mb for r in ours):.0f} | {p:.2f} | {statistics.median(r.cpu for r in peer):.2f} | "
                  f"{max(r.rss_mb for r in peer):.0f} | {o / p:.2f}{flag} |")
        print(f"\n* above the {TARGET:.1f} target")
        if args.threads:
            print(f"\nOne more export each, in process (imports included), load average {os.getloadavg()[0]:.1f}:\n")
            for name, _, _ in rows:
                done = subprocess.run([sys.executable, "-c", THREADS, *export_args(tmp / f"{name}.sbg", tmp / "s.wav")],
                                      capture_output=True, text=True, check=True)
                (tmp / "s.wav").unlink(missing_ok=True)
                print(f"- {name}: {done.stdout.strip().splitlines()[-1]}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def export_args(sbg: Path, out: Path) -> list[str]:
    """The arguments of `sensory` that export ``sbg`` as the table measures it."""
    return ["export", str(sbg), "-o", str(out), "--subtype", "PCM_16", "--sample-rate", "44100", "--force"]


if __name__ == "__main__":
    main()
