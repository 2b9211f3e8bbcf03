"""`python -m bench`: run every module in bench/ that defines `run() -> None`, in name order."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def main(selected: list[str]) -> int:
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda item: item.name):
        if info.name.startswith("_") or (selected and info.name not in selected):
            continue
        module = importlib.import_module(f"bench.{info.name}")
        run = getattr(module, "run", None)
        if callable(run):
            print(f"== bench.{info.name}", flush=True)
            run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
