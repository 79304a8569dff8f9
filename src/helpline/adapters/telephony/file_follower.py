"""Following a growing log file like `tail -F`, from a remembered position. Pure file I/O: no database.

A position is the file's identity (device and inode) and a byte offset. Reading returns only whole lines
(a last line still being written waits for its newline) and the position after them. A truncated file
(smaller than the offset) is read again from its start; a rotated one (a new inode at the path) is read
from its start too, after what was left unread of the old file, found beside it under a rotated name
(queue_log.1, queue_log-20260202, ...) by its inode.
"""

import os
from dataclasses import dataclass
from pathlib import Path

MAX_READ = 4 * 1024 * 1024  # bytes per pass: bounds one transaction; the rest is read at the next pass
MAX_LINE = 64 * 1024  # a "line" this long without a newline is garbage, not a line being written


@dataclass(frozen=True)
class Position:
    device: int
    inode: int
    offset: int


@dataclass(frozen=True)
class Chunk:
    lines: list[str]
    position: Position  # where the next read starts
    restarted: str | None = None  # "rotated" or "truncated" when this chunk began a file anew


def identity(path: Path) -> Position | None:
    """The file now at `path`, at offset 0; None while it does not exist (between a rotation's rename and
    the new file's creation)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return Position(stat.st_dev, stat.st_ino, 0)


def read(path: Path, position: Position | None) -> Chunk | None:
    """The next whole lines after `position` (None: never read; start at the file's beginning)."""
    current = identity(path)
    if position is not None and current is not None and (current.device, current.inode) != (
            position.device, position.inode):
        rotated = _rotated_copy(path, position)
        if rotated is not None:
            chunk = _read_from(rotated, position)
            if chunk.lines or chunk.position.offset != position.offset:
                return chunk  # drain the old file first; the new one comes at the next pass
        return _read_from(path, current, restarted="rotated")
    if current is None:
        return None
    if position is None:
        return _read_from(path, current)
    if os.path.getsize(path) < position.offset:
        return _read_from(path, current, restarted="truncated")
    return _read_from(path, position)


def _rotated_copy(path: Path, position: Position) -> Path | None:
    """The old file, renamed beside the new one: same directory, name starting with the log's name."""
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return None
    for entry in entries:
        if entry.name != path.name and entry.name.startswith(path.name) and entry.is_file():
            stat = entry.stat()
            if (stat.st_dev, stat.st_ino) == (position.device, position.inode):
                return Path(entry.path)
    return None


def _read_from(path: Path, position: Position, restarted: str | None = None) -> Chunk:
    with path.open("rb") as file:
        file.seek(position.offset)
        data = file.read(MAX_READ)
    end = data.rfind(b"\n") + 1
    if end == 0 and len(data) >= MAX_LINE:
        end = len(data)  # no newline in sight: hand it over (it will be counted as a broken line)
    # newlines only (str.splitlines would also split at a form feed or U+2028 inside a line); bytes that are
    # not UTF-8 become U+FFFD, as in the batch import
    pieces = data[:end].split(b"\n") if end else []
    if pieces and not pieces[-1]:
        pieces.pop()  # the empty piece after the last newline
    lines = [piece.decode("utf-8", errors="replace") for piece in pieces]
    return Chunk(lines, Position(position.device, position.inode, position.offset + end), restarted)
