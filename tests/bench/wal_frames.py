#!/usr/bin/env python3
"""Which tables and indexes the frames in a store's WAL belong to.

Usage: wal_frames.py [--top N] DATABASE [WAL_COPY...]

Reads the frames of the WAL's current generation (those carrying the salt in its header, up to
the last commit frame) from DATABASE-wal, or from copies of it taken earlier (each generation
counted once, from the copy holding most of it), and names the b-tree each frame's page belongs to, from
SQLite's dbstat table on a consistent copy of the database (the backup API copies page for page,
so page numbers stay the same). Prints frames per commit and the N b-trees (10 by default) by
frames, with the page kinds (leaf, internal, overflow). Read-only on the live store; a daemon can
go on writing (frames it adds meanwhile are counted if complete, or left out).

Each commit in WAL mode writes every page it changed once, so a b-tree that gets one row at its
end in every commit costs one frame per commit however small the row; see docs/benchmarks.md.
"""
import collections
import os
import sqlite3
import struct
import sys
import tempfile

WAL_HEADER = 32
FRAME_HEADER = 24


def commits_in(wal_path):
    """(salt, the page numbers of each committed transaction) of the WAL's current generation."""
    with open(wal_path, "rb") as f:
        data = f.read()
    if len(data) < WAL_HEADER:
        return None, []
    _magic, _version, page_size, _seq, salt1, salt2, _c1, _c2 = struct.unpack(
        ">8I", data[:WAL_HEADER])
    commits, pending, offset = [], [], WAL_HEADER
    while offset + FRAME_HEADER + page_size <= len(data):
        page, size_after, s1, s2 = struct.unpack(">4I", data[offset:offset + 16])
        if (s1, s2) != (salt1, salt2):
            break  # a frame of an earlier generation: the current one ends here
        pending.append(page)
        if size_after != 0:  # a commit frame
            commits.append(pending)
            pending = []
        offset += FRAME_HEADER + page_size
    return (salt1, salt2), commits


def page_owners(db_path):
    """page number -> (b-tree name, page kind), from a consistent copy of the database."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "copy.db")
        source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        target = sqlite3.connect(copy)
        source.backup(target)
        source.close()
        owners = {page: (name, kind) for name, page, kind in
                  target.execute("SELECT name, pageno, pagetype FROM dbstat")}
        target.close()
    return owners


def main():
    args = sys.argv[1:]
    top = 10
    if len(args) >= 2 and args[0] == "--top":
        top = int(args[1])
        args = args[2:]
    if not args:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    db = args[0]
    generations = {}
    for wal in args[1:] or [db + "-wal"]:
        salt, found = commits_in(wal)
        if salt is not None and len(found) > len(generations.get(salt, [])):
            generations[salt] = found
    commits = [c for found in generations.values() for c in found]
    frames = sum(len(c) for c in commits)
    if frames == 0:
        print("WAL frames: none (the WAL was just checkpointed and restarted)")
        return 0
    owners = page_owners(db)
    by_tree = collections.Counter()
    kinds = collections.defaultdict(collections.Counter)
    for commit in commits:
        for page in commit:
            # A page freed since its frame was written (or past the copy's end) has no owner.
            name, kind = owners.get(page, ("(free or new)", "-"))
            by_tree[name] += 1
            kinds[name][kind] += 1
    print(f"WAL frames by b-tree ({len(generations)} WAL generation(s): {len(commits)} commits, "
          f"{frames} frames, {frames / len(commits):.1f} per commit):")
    for name, count in by_tree.most_common(top):
        detail = ", ".join(f"{k} {n}" for k, n in kinds[name].most_common())
        print(f"  {name:<30} {count:6d} {100 * count / frames:5.1f}%  "
              f"{count / len(commits):5.2f} per commit  ({detail})")
    rest = frames - sum(n for _, n in by_tree.most_common(top))
    if rest > 0:
        print(f"  {len(by_tree) - top} others{'':<22} {rest:6d} {100 * rest / frames:5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
