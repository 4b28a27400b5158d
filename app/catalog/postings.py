"""Bitsets and postings of the in-process catalog index (app/catalog/search.py).

Items sit at positions 0..n-1 in list order (most popular first, then by code), so a set of items
is a Python int with bit p set for the item at position p: intersecting filters, merging the
hits of a search and counting them are C-speed operations on a few kilobytes, whatever the
number of items hit, and the lowest set bits are the first page.

A posting is the set of items holding one value (a department code, a distinct name, a keyword).
Common values keep theirs as a bitset; rare ones as an array of positions (4 bytes an item),
turned into bits when asked. The split bounds the memory: a bitset costs n/8 bytes and is kept
only for values held by at least n/256 items (and at least 64).
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable

SEP = "\x00"
_BIT = tuple(1 << k for k in range(8))
_WORD = 64  # bytes walked at a time when selecting (512 bits)
_LOW_BITS = 4096
_LOW_MASK = (1 << _LOW_BITS) - 1


def from_positions(positions: Iterable[int], nbytes: int) -> int:
    """The bitset of `positions` (each < 8 * nbytes)."""
    ba = bytearray(nbytes)
    bit = _BIT
    for p in positions:
        ba[p >> 3] |= bit[p & 7]
    return int.from_bytes(ba, "little")


def select(bits: int, skip: int, take: int) -> list[int]:
    """Positions of the set bits number `skip` .. `skip + take - 1`, lowest first."""
    out: list[int] = []
    if take <= 0 or not bits:
        return out
    low = bits & _LOW_MASK  # the first page is usually among the first bits: no full copy
    src = low if low.bit_count() >= skip + take else bits
    nbytes = (src.bit_length() + 7) // 8
    raw = memoryview(src.to_bytes(nbytes, "little"))
    for start in range(0, nbytes, _WORD):
        word = int.from_bytes(raw[start : start + _WORD], "little")
        if not word:
            continue
        count = word.bit_count()
        if skip >= count:
            skip -= count
            continue
        base = start * 8
        while word:
            lowest = word & -word
            word ^= lowest
            if skip:
                skip -= 1
                continue
            out.append(base + lowest.bit_length() - 1)
            if len(out) == take:
                return out
    return out


def positions(bits: int) -> list[int]:
    """Every set bit, lowest first."""
    return select(bits, 0, bits.bit_count())


def join_values(values: list[str]) -> tuple[str, list[int]]:
    """The values joined into one string, and where each starts in it."""
    starts: list[int] = []
    at = 0
    for v in values:
        starts.append(at)
        at += len(v) + 1
    return SEP.join(values), starts


def find_values(blob: str, starts: list[int], term: str) -> list[int]:
    """Indices of the values of `join_values` that contain `term` (each once)."""
    out: list[int] = []
    n = len(starts)
    pos = blob.find(term)
    while pos != -1:
        vid = bisect_right(starts, pos) - 1
        out.append(vid)
        if vid + 1 >= n:
            break
        pos = blob.find(term, starts[vid + 1])
    return out


class Postings:
    """Items per key: a bitset for common keys, an array of positions for rare ones."""

    __slots__ = ("nbytes", "dense", "sparse")

    def __init__(self, n: int, groups: dict):
        self.nbytes = (n + 7) // 8
        threshold = max(64, n // 256)
        self.dense: dict = {}
        self.sparse: dict = {}
        for key, members in groups.items():
            if len(members) >= threshold:
                self.dense[key] = from_positions(members, self.nbytes)
            else:
                self.sparse[key] = array("i", sorted(members))

    def bits(self, key) -> int:
        hit = self.dense.get(key)
        if hit is not None:
            return hit
        rare = self.sparse.get(key)
        return from_positions(rare, self.nbytes) if rare else 0

    def union(self, keys: Iterable) -> int:
        out = 0
        rare: list = []
        dense, sparse = self.dense, self.sparse
        for key in keys:
            hit = dense.get(key)
            if hit is not None:
                out |= hit
            elif key in sparse:
                rare.append(sparse[key])
        if rare:
            ba = bytearray(self.nbytes)
            bit = _BIT
            for arr in rare:
                for p in arr:
                    ba[p >> 3] |= bit[p & 7]
            out |= int.from_bytes(ba, "little")
        return out

    def nbytes_held(self) -> int:
        return sum((b.bit_length() + 7) // 8 for b in self.dense.values()) + sum(
            a.itemsize * len(a) for a in self.sparse.values()
        )


class TextField:
    """The distinct values of one searchable field, each with its posting.

    The values are joined into one string, so finding a term is a C-speed `str.find`; a hit maps
    back to its value by bisection over the start offsets. Many items share a value (三级四同:
    every county implements the same items under the same names), so the string is short."""

    __slots__ = ("values", "blob", "starts", "postings", "grams")

    # Past this many distinct values (department names: one per department, so their number
    # grows with the catalog), a term is looked up by its rarest two-character piece instead of
    # scanning the joined values.
    GRAM_INDEX_FROM = 1024

    def __init__(self, n: int, per_item: list[Iterable[str]]):
        groups: dict[str, list[int]] = {}
        for pos, values in enumerate(per_item):
            for v in set(values):
                if v:
                    groups.setdefault(v, []).append(pos)
        self.values = list(groups)
        self.blob, self.starts = join_values(self.values)
        self.postings = Postings(n, {k: groups[v] for k, v in enumerate(self.values)})
        self.grams: dict[str, array] | None = None
        if len(self.values) > self.GRAM_INDEX_FROM:
            grams: dict[str, list[int]] = {}
            for vid, v in enumerate(self.values):
                for gram in {v[i : i + k] for k in (1, 2) for i in range(len(v) - k + 1)}:
                    grams.setdefault(gram, []).append(vid)
            self.grams = {g: array("i", ids) for g, ids in grams.items()}

    def matching(self, term: str) -> list[int]:
        """Ids of the distinct values containing `term` (each once)."""
        if self.grams is None:
            return find_values(self.blob, self.starts, term)
        if len(term) <= 2:
            return list(self.grams.get(term, ()))
        best = None
        for i in range(len(term) - 1):
            ids = self.grams.get(term[i : i + 2])
            if ids is None:
                return []
            if best is None or len(ids) < len(best):
                best = ids
        values = self.values
        return [vid for vid in best if term in values[vid]]

    def items(self, term: str) -> int:
        """Bitset of the items with a value containing `term`."""
        return self.postings.union(self.matching(term))
