#!/usr/bin/env python3
"""Which b-trees an SQLite database's commits wrote: reads a copy of `<db>-wal` (and the
database beside it), groups the WAL's frames into commits by their commit marker, and maps
each frame's page to its table or index with SQLite's `dbstat`.

    python3 bench/wal_pages.py DIR     # DIR holds copies of reach.db and reach.db-wal

Copy both files while `reach serve` is under load (e.g. during the side-by-side run, with
REACH_DATABASE_URL pointing at a known file): the copy is opened read-write in a scratch
folder, never the live database. Prints each commit's pages by b-tree, then the totals.
"""
import collections
import os
import shutil
import sqlite3
import struct
import sys
import tempfile


def frames(wal):
    _magic, _version, page_size, _seq, salt1, salt2, _c1, _c2 = struct.unpack(">8I", wal[:32])
    out, offset = [], 32
    while offset + 24 + page_size <= len(wal):
        page, commit_size, s1, s2 = struct.unpack(">4I", wal[offset:offset + 16])
        if (s1, s2) != (salt1, salt2):
            break  # a frame of an earlier generation of the WAL
        out.append((page, commit_size))
        offset += 24 + page_size
    return out


def main(folder):
    wal = open(os.path.join(folder, "reach.db-wal"), "rb").read()
    commits, current = [], []
    for page, commit_size in frames(wal):
        current.append(page)
        if commit_size:
            commits.append(current)
            current = []
    with tempfile.TemporaryDirectory() as scratch:
        for name in ("reach.db", "reach.db-wal"):
            shutil.copy(os.path.join(folder, name), os.path.join(scratch, name))
        db = sqlite3.connect(os.path.join(scratch, "reach.db"))
        owner = {page: name for name, page in db.execute("SELECT name, pageno FROM dbstat")}
        db.close()
    totals = collections.Counter()
    for pages in commits:
        by_tree = collections.Counter(owner.get(p, "?") for p in pages)
        totals.update(by_tree)
        print(len(pages), dict(by_tree.most_common()))
    print("commits", len(commits), "pages", sum(totals.values()))
    print("total", dict(totals.most_common()))


if __name__ == "__main__":
    main(sys.argv[1])
