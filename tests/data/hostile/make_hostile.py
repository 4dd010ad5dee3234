"""Write the named hostile .tracy files of the fuzz harness (the small ones, which are committed).

    python tests/data/hostile/make_hostile.py [--all] [FOLDER]

Each file is named after what it holds (`tests/helpers/hostile.py` builds them with the project's
writer and encoder, or with frames that follow docs/FORMAT.md and carry valid checksums), beside
`clean-300-spans.tracy`, the good spans every one of them also holds. The big ones (a zstd bomb,
twelve frames of 1 GiB of zeros, 200 million empty maps, a 10 MB span name, a 100 MB attribute key,
a 50 MB message) are built at test time; ``--all`` writes them too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from tests.helpers import hostile  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=hostile.HERE)
    parser.add_argument("--all", action="store_true", help="also write the big files")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    (args.folder / hostile.CLEAN_NAME).write_bytes(hostile.clean_file())
    for name, (build, small) in hostile.CASES.items():
        if small or args.all:
            _, data = build()
            (args.folder / f"{name}.tracy").write_bytes(data)
            print(f"{name}.tracy  {len(data):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
