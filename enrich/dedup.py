"""Near-duplicate clusters: the same ad reposted, lightly edited, or copied to another platform.

MinHash (one permutation, 64 bins) over character 4-grams of a normalised text (case,
diacritics, punctuation, emoji and digits folded, so a new phone number or pay figure is a
light edit; characters rather than words, so Thai, Khmer and Chinese without spaces work the
same as English), with locality-sensitive banding (16 bands of 4 values) so that each new
post is compared only with the few earlier posts that share a band, however many arrived.

Why MinHash and not SimHash: on posts of a few hundred characters a 64-bit SimHash puts a
light repost (Jaccard ~0.8) and a different ad on the same template (Jaccard ~0.5) about 8
and 16 bits apart with a spread of 3 bits each, so a Hamming cut mixes them up; 64 MinHash
values estimate the Jaccard similarity itself to about ±0.06, and the cut below sits
between the two.

State: `state()` is a JSON-ready dict (version, parameters, and per post its id, cluster id
and signature in base64); `load(state)` restores it. The crawl keeps it in one JSON file.
"""

from __future__ import annotations

import base64
import bisect
import contextlib
import unicodedata
from collections.abc import Iterable, Sequence
from itertools import chain, repeat
from typing import Any

import numpy as np

from enrich.scan import clean, fold_text

NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
SHINGLE = 4          # characters (UTF-16 units) per shingle: four fill one 64-bit word
THRESHOLD = 0.6      # estimated Jaccard similarity at or above which two posts are one ad
VARIANT = 0.85       # a match less similar than this is indexed too, to follow a drifting ad
MIN_CHARS = 12       # shorter normalised texts are too little to compare: own cluster
MAX_CHARS = 20_000   # a post's identity is in its first pages; 1 MB posts are cut here
_PAIRS_AT_ONCE = 2048  # (post, candidate) pairs compared at once: bigger temporaries cost
# more in page faults (fresh memory from the OS on every allocation) than in calls
STATE_VERSION = 1

# Fixed hash constants (not random per run): signatures stay comparable across processes.
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S29, _S32, _S58 = (np.uint64(n) for n in (29, 32, 58))
_GOLDEN = np.uint32(0x9E3779B1)
_BIN_INDEX = np.arange(NUM_PERM, dtype=np.int64)
_BINS = _BIN_INDEX.astype(np.uint64)
_BIN_STARTS = _BINS << _S58
_BIN_BITS = NUM_PERM.bit_length() - 1  # (post << _BIN_BITS | bin) is a (post, bin) slot


_DROP = 0xFFFF  # marks a UTF-16 unit that normalisation removes
_SPACE_UNIT = 0x20


def _normal_table() -> np.ndarray:
    """For every UTF-16 unit, what it becomes: lower case without accents (as `fold`), digits
    0, punctuation and white space a space, symbols and emoji (and surrogate halves, which
    only emoji and rare ideographs use) dropped. One array lookup normalises a whole text."""
    table = np.arange(0x10000, dtype=np.uint16)
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            table[code] = _DROP
            continue
        char = fold_text(chr(code))
        if len(char) != 1:
            continue
        category = unicodedata.category(char)
        if char.isdigit():
            table[code] = ord("0")
        elif category[0] in "PZ" or char.isspace() or category == "Cc":
            table[code] = _SPACE_UNIT
        elif category[0] == "S" or code == 0x200D or 0xFE00 <= code <= 0xFE0F:
            table[code] = _DROP  # symbols, emoji joiners and variation selectors
        else:
            table[code] = ord(char)
    return table


_NORMAL = _normal_table()


def _units_many(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """`_units` of many texts end to end, and for each unit the index of its text."""
    encoded = _utf16_many(texts)
    sizes = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)) >> 1
    units = _NORMAL.take(np.frombuffer(b"".join(encoded), dtype="<u2"))
    owner = np.repeat(np.arange(len(texts), dtype=np.int64), sizes)
    keep = units != _DROP
    units, owner = units[keep], owner[keep]
    if not len(units):
        return units, owner
    # a space that opens a text or follows a space goes (the texts' ends hold no space then)
    space = units == _SPACE_UNIT
    same_next = owner[1:] == owner[:-1]
    keep = np.ones(len(units), dtype=bool)
    keep[0] = not space[0]
    keep[1:] = ~(space[1:] & (space[:-1] | ~same_next))  # no leading or repeated space
    units, owner = units[keep], owner[keep]
    if not len(units):
        return units, owner
    keep = units != _SPACE_UNIT
    keep[:-1] |= owner[1:] == owner[:-1]  # no trailing space
    return units[keep], owner[keep]


def _utf16_many(texts: Sequence[Any]) -> list[bytes]:
    """`_utf16` of each text; the usual batch (all str, no lone surrogate) without a
    function call per text."""
    try:
        return [text[:MAX_CHARS].encode("utf-16-le") for text in texts]
    except (UnicodeEncodeError, AttributeError, TypeError):
        return [_utf16(text) for text in texts]


def _utf16(text: Any) -> bytes:
    """`clean(text)[:MAX_CHARS]` in UTF-16, without `clean`'s UTF-8 check of a usual text: a
    lone surrogate, all that check looks for, makes the strict UTF-16 encoding fail too."""
    if isinstance(text, str):
        with contextlib.suppress(UnicodeEncodeError):
            return text[:MAX_CHARS].encode("utf-16-le")
    return clean(text)[:MAX_CHARS].encode("utf-16-le", "surrogatepass")


def normalise(text: str) -> str:
    """What two copies of one ad still share: lower case, no accents, digits as 0, no emoji."""
    return _units_many([text])[0].astype("<u2").tobytes().decode("utf-16-le", "replace")


def signature(text: str) -> np.ndarray | None:
    """64 MinHash values (uint32) of a text's character 4-grams, or None if it is too short.

    One-permutation MinHash: each 4-gram (four UTF-16 units, read straight from the encoded
    text as one 64-bit word) is hashed once, the top 6 bits of its hash pick one of 64 bins
    and each bin keeps its smallest hash; a bin left empty (short posts) borrows from the next
    filled bin, shifted by the distance (Shrivastava and Li's densification). Two posts agree
    on a bin with probability their Jaccard similarity, as with 64 independent permutations,
    at the cost of one hash per 4-gram.
    """
    return signatures([text])[0]


def signatures(texts: Sequence[str]) -> list[np.ndarray | None]:
    """`signature` of many texts at once: the same values, a few dozen array operations per
    batch rather than per post (numpy's fixed cost per call outweighed the hashing of a short
    post). The texts' 4-grams are hashed together; `np.minimum.at` keeps each (post, bin)
    minimum.
    """
    out: list[np.ndarray | None] = [None] * len(texts)
    rows, values = _signature_rows(texts)
    for row, i in enumerate(rows.tolist()):
        out[i] = values[row]
    return out


def _signature_rows(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The positions of the texts long enough to sign, and their signatures as matrix rows."""
    count = len(texts)
    none = np.zeros(0, dtype=np.int64), np.zeros((0, NUM_PERM), dtype=np.uint32)
    if not count:
        return none
    units, owner = _units_many(texts)
    sizes = np.bincount(owner, minlength=count)
    if len(units) < SHINGLE or not (sizes >= MIN_CHARS).any():
        return none
    raw = units.astype("<u2").tobytes()
    grams = np.ndarray((len(units) - (SHINGLE - 1),), dtype="<u8", buffer=raw, strides=(2,))
    hashes = grams * _M1
    hashes ^= hashes >> _S29
    hashes *= _M2
    hashes ^= hashes >> _S32
    slots = owner[:len(grams)] << _BIN_BITS
    slots |= (hashes >> _S58).astype(np.int64)
    # A 4-gram that runs into the next text (it starts in the last 3 units of one) goes to
    # a spare slot, cheaper than cutting it out; texts too short to sign are dropped below.
    ends = np.cumsum(sizes[:-1])
    crossing = (ends[:, np.newaxis] - np.arange(1, SHINGLE, dtype=np.int64)).ravel()
    slots[crossing[(crossing >= 0) & (crossing < len(slots))]] = count * NUM_PERM
    least = np.full(count * NUM_PERM + 1, np.iinfo(np.uint64).max, dtype=np.uint64)
    np.minimum.at(least, slots, hashes)
    filled = np.zeros(count * NUM_PERM + 1, dtype=bool)
    filled[slots] = True
    rows = np.flatnonzero(sizes >= MIN_CHARS)
    least = least[:-1].reshape(count, NUM_PERM)[rows]
    filled = filled[:-1].reshape(count, NUM_PERM)[rows]
    values = least.astype(np.uint32)
    if not filled.all():
        # the next filled bin of each bin, cyclically: a running minimum from the right over
        # the bins written twice
        marks = np.where(filled, _BIN_INDEX, 2 * NUM_PERM)
        twice = np.concatenate((marks, marks + NUM_PERM), axis=1)[:, ::-1]
        take = np.minimum.accumulate(twice, axis=1)[:, ::-1][:, :NUM_PERM] % NUM_PERM
        shift = ((take - _BIN_INDEX) % NUM_PERM).astype(np.uint32) * _GOLDEN
        borrowed = np.take_along_axis(values, take, axis=1) + shift
        values = np.where(filled, values, borrowed)
    return rows, np.ascontiguousarray(values)


class Clusterer:
    """Assigns each arriving post the cluster of the earliest near-duplicate seen before it.

    Only posts that start a cluster or differ noticeably from the post they matched are put
    in the band index (a verbatim repost adds nothing to find), which keeps lookups short in
    channels that repost the same ad all day.
    """

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self._ids: list[str] = []
        self._clusters: list[str] = []
        self._index: dict[str, int] = {}
        self._sigs = np.zeros((1024, NUM_PERM), dtype=np.uint32)
        self._low = np.zeros((1024, NUM_PERM), dtype=np.uint8)  # their low bytes
        self._has_sig: list[bool] = []
        # band tag (see _band_tags) -> the one row indexed under it, or for the few tags with
        # several, -2 - the position in `_lists` of their rows in arrival order (most tags
        # have one row: a plain int is cheaper to store and read than a list, and adds
        # nothing for the garbage collector to walk)
        self._tagged: dict[int, int] = {}
        self._lists: list[list[int]] = []

    def __len__(self) -> int:
        return len(self._ids)

    def assign(self, doc_id: str, text: str) -> str:
        """The cluster id for `doc_id`: the earliest near-duplicate's cluster, else its own id.

        A post seen before keeps the cluster it was given. Never raises on hostile text.
        """
        return self.assign_many([(doc_id, text)])[0]

    def assign_many(self, posts: Iterable[tuple[str, str]]) -> list[str]:
        """`assign` for posts in arrival order, with their signatures computed in one batch.

        Matching is split in two steps that together find what matching post after post
        would: first every post of the batch at once (one array operation) against the posts
        known before it; then, in order, the posts that matched none of those against the
        batch's own earlier posts (which arrived after any known post, so come second).
        """
        posts = [(str(doc_id), text) for doc_id, text in posts]
        fresh: dict[str, str] = {}
        for doc_id, text in posts:
            if doc_id not in self._index:
                fresh.setdefault(doc_id, text)
        try:
            rows, values = _signature_rows(list(fresh.values()))
        except (ValueError, MemoryError, UnicodeError):
            rows, values = np.zeros(0, dtype=np.int64), np.zeros((0, NUM_PERM), dtype=np.uint32)
        tags = _band_tags(values)
        keys = tags.tolist()
        since = len(self._ids)  # fresh post i takes row since + i (they are added in order)
        self._reserve(since + len(fresh))
        self._sigs[since + rows] = values  # at once, not row by row in `_add`
        self._low[since + rows] = values
        fresh_ids = list(fresh)
        signed = {fresh_ids[i]: row for row, i in enumerate(rows.tolist())}
        matches = self._earliest_known(values, keys)
        shares = _may_share_earlier(tags).tolist()
        out = []
        for doc_id, _ in posts:
            known = self._index.get(doc_id)
            if known is not None:
                out.append(self._clusters[known])
                continue
            row = signed.get(doc_id)
            cluster = doc_id
            index_it = row is not None
            if row is not None:
                match = matches[row]
                if match is None and shares[row] and since < len(self._ids):
                    match = self._earliest_match(values[row], keys[row], since)
                if match is not None:
                    cluster = self._clusters[match[0]]
                    index_it = match[1] < VARIANT
            self._add(doc_id, cluster, None, index_it, keys[row] if index_it else None,
                      signed=row is not None)
            out.append(cluster)
        return out

    def cluster_of(self, doc_id: str) -> str | None:
        """The cluster a post was given, or None if it has not been seen."""
        index = self._index.get(str(doc_id))
        return None if index is None else self._clusters[index]

    def state(self) -> dict[str, Any]:
        """Everything needed to carry on later, as a JSON-ready dict."""
        indexed = {row for row in self._tagged.values() if row >= 0}.union(*self._lists)
        docs = []
        for i, (doc_id, cluster) in enumerate(zip(self._ids, self._clusters, strict=True)):
            encoded = (base64.b64encode(self._sigs[i].tobytes()).decode("ascii")
                       if self._has_sig[i] else None)
            docs.append([doc_id, cluster, encoded, i in indexed])
        return {"version": STATE_VERSION, "num_perm": NUM_PERM, "bands": BANDS,
                "shingle": SHINGLE, "threshold": self.threshold, "docs": docs}

    def load(self, state: dict[str, Any]) -> Clusterer:
        """Replace what this clusterer knows with a saved `state()`; returns self.

        Raises ValueError for a state written with other parameters (its signatures would
        not compare), so that the caller can start afresh.
        """
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION or (
                state.get("num_perm"), state.get("bands"), state.get("shingle")) != (
                NUM_PERM, BANDS, SHINGLE):
            raise ValueError("cluster state from another version or with other parameters")
        self.__init__(float(state.get("threshold", THRESHOLD)))
        for row in state.get("docs", []):
            doc_id, cluster, encoded = row[0], row[1], row[2]
            indexed = bool(row[3]) if len(row) > 3 else True
            sig = None
            if encoded:
                raw = base64.b64decode(encoded)
                if len(raw) != NUM_PERM * 4:
                    raise ValueError("cluster state holds a malformed signature")
                sig = np.frombuffer(raw, dtype=np.uint32)
            self._add(str(doc_id), str(cluster), sig, indexed and sig is not None)
        return self

    def _earliest_known(self, values: np.ndarray,
                        keys: list[list[int]]) -> list[tuple[int, float] | None]:
        """For each signature, its earliest near-duplicate among the indexed posts (row and
        similarity) or None: the band look-ups, and the comparisons with the candidates they
        give, made for all signatures at once rather than in a Python loop per post."""
        count = len(keys)
        found: list[tuple[int, float] | None] = [None] * count
        tags = list(chain.from_iterable(keys))
        found_rows = np.fromiter(map(self._tagged.get, tags, repeat(-1)), dtype=np.int64,
                                 count=len(tags))
        slots = np.flatnonzero(found_rows != -1)  # (post, band) pairs: post * BANDS + band
        if not len(slots):
            return found
        rows = found_rows[slots]
        several = rows < 0
        if several.any():
            more = [self._lists[-2 - value] for value in rows[several].tolist()]
            sizes = np.fromiter(map(len, more), dtype=np.int64, count=len(more))
            slots = np.concatenate((slots[~several], np.repeat(slots[several], sizes)))
            rows = np.concatenate((rows[~several], np.fromiter(
                chain.from_iterable(more), dtype=np.int64, count=int(sizes.sum()))))
        posts = slots // BANDS
        # First on the values' low bytes (a quarter of the memory to read): a pair agreeing
        # on fewer of those agrees on fewer values, so only the pairs left are compared whole.
        # (a row found in several bands is compared several times: cheaper than sorting out)
        need = self.threshold * NUM_PERM
        maybe = np.flatnonzero(_low_agreement(values.astype(np.uint8), self._low, posts,
                                              rows) >= need)
        posts, rows = posts[maybe], rows[maybe]
        agree = np.empty(len(rows), dtype=np.int64)
        for i in range(0, len(rows), _PAIRS_AT_ONCE):
            agree[i:i + _PAIRS_AT_ONCE] = (values.take(posts[i:i + _PAIRS_AT_ONCE], axis=0) ==
                                           self._sigs.take(rows[i:i + _PAIRS_AT_ONCE], axis=0)
                                           ).sum(axis=1)
        good = agree >= need
        while (pairs := np.flatnonzero(good)).size:
            earliest = np.full(count, len(self._ids), dtype=np.int64)
            np.minimum.at(earliest, posts[pairs], rows[pairs])
            # (a row found in several bands is there several times, with the same figures)
            first = pairs[rows[pairs] == earliest[posts[pairs]]]
            shared = _share_band(values[posts[first]], self._sigs[rows[first]])
            if shared.all():
                for post, row, agreed in zip(posts[first].tolist(), rows[first].tolist(),
                                             agree[first].tolist(), strict=True):
                    found[post] = row, agreed / NUM_PERM
                break
            for post, row in zip(posts[first[~shared]].tolist(), rows[first[~shared]].tolist(),
                                 strict=True):  # only a tag was shared (about never): try on
                good &= (posts != post) | (rows != row)
        return found

    def _earliest_match(self, sig: np.ndarray, keys: list[int],
                        since: int = 0) -> tuple[int, float] | None:
        tagged = [row for row in map(self._tagged.get, keys) if row is not None]
        candidates = sorted({row for row in tagged if row >= 0}.union(
            *[self._lists[-2 - row] for row in tagged if row < 0]))
        if since:
            candidates = candidates[bisect.bisect_left(candidates, since):]
        if not candidates:
            return None
        rows = candidates  # arrival order: the earliest near-duplicate comes first
        agree = (self._sigs.take(rows, axis=0) == sig).sum(axis=1)
        for first in np.flatnonzero(agree >= self.threshold * NUM_PERM).tolist():
            if _share_band(sig, self._sigs[rows[first]]).all():  # (not only a band tag)
                return rows[first], float(agree[first]) / NUM_PERM
        return None

    def _reserve(self, rows: int) -> None:
        """Room for `rows` signatures (doubling, so that growing stays rare)."""
        if rows > len(self._sigs):
            grown = np.zeros((max(rows, len(self._sigs) * 2), NUM_PERM), dtype=np.uint32)
            grown[:len(self._ids)] = self._sigs[:len(self._ids)]
            self._sigs = grown
            self._low = grown.astype(np.uint8)

    def _add(self, doc_id: str, cluster: str, sig: np.ndarray | None, index_it: bool,
             keys: list[int] | None = None, signed: bool = False) -> None:
        """Append a post; `signed`: its signature is already in its row of `_sigs`."""
        index = len(self._ids)
        if sig is not None:
            self._reserve(index + 1)
            self._sigs[index] = sig
            self._low[index] = sig
        self._ids.append(doc_id)
        self._clusters.append(cluster)
        self._index[doc_id] = index
        self._has_sig.append(signed or sig is not None)
        if index_it and keys is None and sig is not None:
            keys = _band_tags(sig[np.newaxis]).tolist()[0]
        if index_it and keys:
            tagged, lists = self._tagged, self._lists
            for tag in keys:
                row = tagged.setdefault(tag, index)
                if row == index:  # (the usual case: a new tag)
                    continue
                if row >= 0:
                    tagged[tag] = -2 - len(lists)
                    lists.append([row, index])
                else:
                    lists[-2 - row].append(index)


_BYTE_SUM = np.uint64(0x0101010101010101)  # (x * _BYTE_SUM) >> 56: the sum of x's 8 bytes
_S56 = np.uint64(56)


def _low_agreement(low: np.ndarray, others: np.ndarray, pairs: np.ndarray,
                   rows: np.ndarray) -> np.ndarray:
    """For each pair, how many low bytes `low[pair]` and `others[row]` share (uint8 rows of
    64): an upper bound of how many values their signatures share. Counted 8 at a time: the
    comparison's 64 booleans read as 8 words, summed bytewise (at most 8 a byte, no carry)."""
    counts = np.empty(len(rows), dtype=np.uint64)
    for i in range(0, len(rows), _PAIRS_AT_ONCE):
        equal = low.take(pairs[i:i + _PAIRS_AT_ONCE], axis=0) == others.take(
            rows[i:i + _PAIRS_AT_ONCE], axis=0)
        counts[i:i + _PAIRS_AT_ONCE] = equal.view(np.uint64).sum(axis=1, dtype=np.uint64)
    return (counts * _BYTE_SUM) >> _S56


_WHOLE_BAND = 0x01010101  # four equal values (four True bytes) read as one uint32


def _share_band(sigs: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Whether each pair of signatures (rows) shares a whole band: what a band index keyed by
    the bands themselves would prove, and a shared band tag (a hash) does only about always."""
    equal = np.ascontiguousarray(sigs == others)
    return (equal.view(np.uint32) == _WHOLE_BAND).any(axis=-1)


def _band_tags(values: np.ndarray) -> np.ndarray:
    """Each signature's 16 band keys (rows of `values`) as numbers: a band's 16 bytes hashed
    and tagged with the band. Equal bands always tag alike; a rare collision only brings a
    candidate that `_share_band` rules out. Numbers, not bytes: cheaper to build and look up."""
    halves = np.ascontiguousarray(values).view(np.uint64).reshape(len(values), BANDS, 2)
    return (halves[:, :, 0] * _M1 ^ halves[:, :, 1] * _M2) + np.arange(BANDS, dtype=np.uint64)


def _may_share_earlier(tags: np.ndarray) -> np.ndarray:
    """For each signature (row of `_band_tags`), whether it may share a band with an earlier
    row: the tags compared all at once (a collision only costs a look-up that finds nothing).
    """
    count = len(tags)
    if count < 2:
        return np.zeros(count, dtype=bool)
    _, first, inverse = np.unique(tags.ravel(), return_index=True, return_inverse=True)
    owner = np.arange(count * BANDS) // BANDS
    return (first[inverse] // BANDS < owner).reshape(count, BANDS).any(axis=1)
