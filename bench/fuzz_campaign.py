"""Long fuzz campaign over the recipe loader (preset layers among its mutations), the .sbg
importer (the whole SBaGen language: blocks, waveforms, -p programs), catalog manifests and the
web mixer's messages.

Run by hand: ``python bench/fuzz_campaign.py --minutes 25`` (default 20). Every
input goes through the property of tests/fuzz_inputs.py; a violation (an
exception other than RecipeError, a message not naming the file, a hang, a
non-finite or over-ceiling render) is written under bench/out/fuzz/ with its
input, and the run goes on. The process runs under an address-space limit
(``--memory-mib``, default 3072) so a loader that tries to allocate without bound
shows up as a MemoryError crash instead of swapping. Prints a table: inputs per
loader, accepted, refused, crashes (distinct by exception type and place).
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import hypothesis  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402

from tests import fuzz_inputs as fz  # noqa: E402

OUT = ROOT / "bench" / "out" / "fuzz"


def campaign(minutes: float, seed: int) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    counts: Counter = Counter()
    crashes: dict[str, str] = {}
    stop = time.monotonic() + minutes * 60
    folder = Path(tempfile.mkdtemp(prefix="sensory-fuzz-"))
    loaders = {"recipe": (fz.recipe_texts(), fz.check_recipe_text),
               "sbg": (fz.sbg_texts(), fz.check_sbg_text),
               "catalog": (fz.catalog_texts(), fz.check_catalog_text),
               "mixer": (fz.mixer_messages(), fz.check_mixer_message)}

    def record(loader: str, name: str, text: str, error: BaseException) -> None:
        tb = traceback.extract_tb(error.__traceback__)
        place = f"{tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno}" if tb else "?"
        signature = f"{loader} {type(error).__name__} {place}"
        counts[(loader, "crash")] += 1
        if signature not in crashes:
            raw = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
            digest = hashlib.sha1(raw).hexdigest()[:10]
            case = OUT / f"{loader}-{digest}-{name}"
            case.write_bytes(raw)
            crashes[signature] = f"{case.name}: {type(error).__name__}: {str(error)[:200]}"
            print(f"CRASH {signature}\n  {crashes[signature]}", flush=True)

    round_ = 0
    while time.monotonic() < stop:
        for loader, (strategy, check) in loaders.items():
            @hypothesis.seed(seed * 1000 + round_)
            @settings(max_examples=200, database=None, deadline=None,
                      suppress_health_check=list(HealthCheck))
            @given(strategy)
            def one(case):
                name, text = case
                try:
                    counts[(loader, check(folder, name, text))] += 1
                except BaseException as e:  # noqa: BLE001 - every escape is a finding
                    if isinstance(e, KeyboardInterrupt):
                        raise
                    record(loader, name, text, e)
                for leftover in folder.iterdir():
                    leftover.unlink()

            one()
            if time.monotonic() >= stop:
                break
        round_ += 1
        total = sum(counts.values())
        print(f"{time.strftime('%H:%M:%S')} round {round_}: {total} inputs, {len(crashes)} distinct crashes",
              flush=True)
    print(f"\n{'loader':<8} {'inputs':>8} {'ok':>8} {'refused':>8} {'crashes':>8}")
    for loader in loaders:
        n = sum(v for (k, _), v in counts.items() if k == loader)
        print(f"{loader:<8} {n:>8} {counts[(loader, 'ok')]:>8} {counts[(loader, 'refused')]:>8} "
              f"{counts[(loader, 'crash')]:>8}")
    print(f"distinct crashes: {len(crashes)}")
    for signature, where in crashes.items():
        print(f"  {signature}: {where}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--memory-mib", type=int, default=3072)
    a = ap.parse_args()
    limit = a.memory_mib << 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    campaign(a.minutes, a.seed)


if __name__ == "__main__":
    main()
