"""Tillit's entry point: no arguments (or a project file) opens the GUI; a sub-command runs it."""

from __future__ import annotations

import sys
from pathlib import Path

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
        "copy",
    }
)


def opens_gui(args: list[str]) -> bool:
    """Whether the arguments ask for the GUI: none, or one project file to open in it.

    Anything else goes to the command line, which answers a mistyped sub-command with its
    usage and exit status 2 instead of opening a window.
    """
    if not args:
        return True
    if len(args) > 1 or args[0] in COMMANDS or args[0].startswith("-"):
        return False
    path = Path(args[0])
    return path.suffix.lower() == ".tillit" or path.is_file()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not opens_gui(args):
        from app.cli import run

        return run(args)
    from app.gui import run_gui

    return run_gui(args)


if __name__ == "__main__":
    sys.exit(main())
