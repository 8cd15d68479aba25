"""``python -m bibcite.zensical_build``: ``zensical build --clean``, failing on any problem.

Zensical prints what extensions log but exits 0 whatever they say ("No issues found"), so a
strict build needs this wrapper: it counts the warnings and errors of the ``bibcite`` logger
(where the extension and the extensions built on it report every problem) and exits 1 if
there were any. ``--clean`` is always passed: Zensical keeps rendered pages between builds,
and a kept bibliography page would not show the citations added to other pages since.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bibcite.zensical_build")
    parser.add_argument("-f", "--config-file", default="mkdocs.yml")
    args = parser.parse_args(argv)
    import zensical

    counter = _Counter()
    printer = logging.StreamHandler(sys.stderr)
    printer.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    for handler in (counter, printer):
        logging.getLogger("bibcite").addHandler(handler)
    zensical.build(os.path.abspath(args.config_file), {"clean": True, "strict": False})
    if counter.count:
        print(f"bibcite: {counter.count} problem(s) reported above; failing the build",
              file=sys.stderr)  # fmt: skip
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
