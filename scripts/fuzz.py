"""The long fuzz campaign: mutants of real recordings, plus the named hostile files, through
`tracy info`, `tracy validate`, `load()`, `iter_spans` and the viewer; prints the counts.

    python scripts/fuzz.py --mutants 2000 [--seed 1] [--window-every 100] [--no-hostile]

Per tool: runs, tracebacks, hangs (over 10 s), files with spans lost beyond the damaged frames.
Each problem is attributed to a known finding (tests/helpers/fuzz.py FINDINGS) or counted as new.
The figures go into docs/RELIABILITY.md. Exit 1 when a problem no finding explains turned up.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.helpers import fuzz, hostile  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--window-every", type=int, default=100, help="also draw every Nth mutant with tracy-view --screenshot")
    parser.add_argument("--no-hostile", action="store_true", help="skip the named hostile files")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tracy-fuzz-"))
    tally, window, by_finding, new = fuzz.Tally(), Counter(), Counter(), []
    by_operator: Counter = Counter()
    started = time.monotonic()

    def record(label: str, problems: dict[str, list[str]], tools=fuzz.TOOLS) -> None:
        tally.add(label, problems, tools)
        for tool, ps in problems.items():
            for p in ps:
                finding = fuzz.known(tool, p)
                if finding:
                    by_finding[f"{finding} {tool}"] += 1
                else:
                    new.append(f"{label}: {tool}: {p[:300]}")

    with fuzz.Prober() as prober:
        plain = work / "plain.tracy"
        plain.write_bytes(hostile.plain_file())
        originals = []
        for path in (DATA / "golden-v1.tracy", DATA / "golden-v1.1.tracy", DATA / "golden-v2.tracy", hostile.HERE / hostile.CLEAN_NAME, plain):
            rec = fuzz.Recording.of(path.read_bytes())
            originals.append((path.name, rec, fuzz.Baseline.of(rec, prober.run(path, ["load"]))))
        count = 0

        @settings(max_examples=args.mutants, deadline=None, database=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @seed(args.seed)
        @given(data=st.data())
        def one(data) -> None:
            nonlocal count
            name, rec, base = data.draw(st.sampled_from(originals))
            mutant = data.draw(fuzz.mutants(rec))
            count += 1
            by_operator[mutant.operator] += 1
            path = work / "mutant.tracy"
            path.write_bytes(mutant.data)
            label = f"#{count} {name} {mutant.operator} {mutant.detail}"
            record(label, fuzz.check(rec, base, mutant.data, prober.run(path)))
            if args.window_every and count % args.window_every == 0:
                problem = fuzz.window_problem(fuzz.screenshot(path, work / "mutant.png"))
                window["runs"] += 1
                if problem:
                    window[problem.split(":")[0]] += 1
                    finding = fuzz.known("viewer", problem)
                    by_finding[f"{finding} window"] += 1 if finding else 0
                    if not finding:
                        new.append(f"{label}: window: {problem}")
            if count % 250 == 0:
                print(f"  {count} mutants, {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)

        one()
        tally.mutants = count
        print(f"mutants: {count} (seed {args.seed}) from {', '.join(n for n, _, _ in originals)}")
        print("operators: " + ", ".join(f"{op} {n}" for op, n in sorted(by_operator.items())))
        print(tally.table())
        print(f"window (tracy-view --screenshot, every {args.window_every}th mutant): {dict(window)}")

        if not args.no_hostile:
            hostile_tally = fuzz.Tally()
            print("\nhostile files:")
            for name in hostile.CASES:
                clean, path = hostile.build(name, work / "hostile")
                rec = fuzz.Recording.of(clean.read_bytes())
                base = fuzz.Baseline.of(rec, prober.run(clean, ["load"]))
                t = time.monotonic()
                problems = fuzz.check(rec, base, path.read_bytes(), prober.run(path))
                shot = fuzz.screenshot(path, work / "hostile.png")
                wp = fuzz.window_problem(shot)
                if wp:
                    problems = {**problems, "window": [wp]}
                hostile_tally.add(name, problems, (*fuzz.TOOLS, "window"))
                record(name, {k: v for k, v in problems.items() if k != "window"})
                if wp and not fuzz.known("viewer", wp):
                    new.append(f"{name}: window: {wp}")
                elif wp:
                    by_finding[f"{fuzz.known('viewer', wp)} window"] += 1
                verdict = "; ".join(f"{k}: {', '.join(p[:120] for p in v)}" for k, v in problems.items()) or "ok"
                print(f"  {name:<36} {time.monotonic() - t:5.1f} s  {verdict}", flush=True)
                for f in (path, clean):
                    if f.parent == work / "hostile":
                        f.unlink()
            print(hostile_tally.table())

    print(f"\nproblems by known finding: {dict(sorted(by_finding.items()))}")
    print(f"problems no finding explains: {len(new)}")
    for line in new[:30]:
        print(f"  {line}")
    print(f"took {time.monotonic() - started:.0f} s")
    return 1 if new else 0


if __name__ == "__main__":
    sys.exit(main())
