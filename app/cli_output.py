"""What every command of the command line writes: JSON and lines on stdout, messages and
progress on stderr, always UTF-8 whatever the terminal's locale."""

from __future__ import annotations

import json
import sys


def progress(done: int, total: int, name: str) -> bool:
    """A progress line, rewritten in place; shown only on a terminal."""
    # On a terminal only: a script reading stderr gets exactly one line per error.
    if sys.stderr.isatty():
        sys.stderr.write(f"\r[{done}/{total}] {name[:60]:<60}" if name else "\r" + " " * 72 + "\r")
        sys.stderr.flush()
    return True


def write_json(value: object) -> None:
    sys.stdout.buffer.write(json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8"))
    sys.stdout.buffer.write(b"\n")
    sys.stdout.flush()


def out(line: str) -> None:
    sys.stdout.buffer.write(line.encode("utf-8") + b"\n")
    sys.stdout.flush()


def err(line: str) -> None:
    sys.stderr.buffer.write(line.encode("utf-8") + b"\n")
    sys.stderr.flush()
