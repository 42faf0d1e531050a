"""Tillit's entry point: no arguments (or a project file) opens the GUI; a sub-command runs it."""

from __future__ import annotations

import sys

#: The sub-commands of the command line (``app.cli.build_parser``; a test keeps them in step).
COMMANDS = frozenset(
    {
        "new",
        "import",
        "docs",
        "codes",
        "code",
        "uncode",
        "codings",
        "codebook",
        "search",
        "export",
        "agreement",
        "merge",
        "refi",
    }
)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and (args[0] in COMMANDS or args[0] in {"-h", "--help"}):
        from app.cli import run

        return run(args)
    from app.gui import run_gui

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
