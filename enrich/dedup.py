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
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import chain
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
_PAIRS_AT_ONCE = 16_384  # (post, candidate) signatures compared in one array operation
STATE_VERSION = 1

# Fixed hash constants (not random per run): signatures stay comparable across processes.
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S29, _S32, _S58 = (np.uint64(n) for n in (29, 32, 58))
_GOLDEN = np.uint32(0x9E3779B1)
_BIN_INDEX = np.arange(NUM_PERM, dtype=np.int64)
_BINS = _BIN_INDEX.astype(np.uint64)
_BIN_STARTS = _BINS << _S58


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
    encoded = [_utf16(text) for text in texts]
    sizes = [len(raw) // 2 for raw in encoded]
    units = _NORMAL[np.frombuffer(b"".join(encoded), dtype="<u2")]
    owner = np.repeat(np.arange(len(texts), dtype=np.int64), sizes)
    keep = units != _DROP
    units, owner = units[keep], owner[keep]
    if not len(units):
        return units, owner
    opens = np.concatenate(([True], owner[1:] != owner[:-1]))
    space = units == _SPACE_UNIT
    keep = ~(space & (opens | np.concatenate(([True], space[:-1]))))  # no leading, repeated
    units, owner = units[keep], owner[keep]
    if not len(units):
        return units, owner
    closes = np.concatenate((owner[1:] != owner[:-1], [True]))
    keep = ~((units == _SPACE_UNIT) & closes)  # no trailing space
    return units[keep], owner[keep]


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
    first = owner[:len(grams)]
    valid = (first == owner[SHINGLE - 1:]) & (sizes[first] >= MIN_CHARS)  # within one post
    hashes = grams[valid] * _M1
    hashes ^= hashes >> _S29
    hashes *= _M2
    hashes ^= hashes >> _S32
    slots = first[valid] * NUM_PERM + (hashes >> _S58).astype(np.int64)
    least = np.full(count * NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)
    np.minimum.at(least, slots, hashes)
    least = least.reshape(count, NUM_PERM)
    filled = np.zeros(count * NUM_PERM, dtype=bool)
    filled[slots] = True
    filled = filled.reshape(count, NUM_PERM)
    rows = np.flatnonzero(sizes >= MIN_CHARS)
    least, filled = least[rows], filled[rows]
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
        self._has_sig: list[bool] = []
        # per band: key (the band's 16 bytes) -> the rows indexed under it, in arrival order
        self._bands: list[defaultdict[bytes, list[int]]] = [
            defaultdict(list) for _ in range(BANDS)]

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
            ids, values, keys = _sign(fresh)
        except (ValueError, MemoryError, UnicodeError):
            ids, values, keys = [], np.zeros((0, NUM_PERM), dtype=np.uint32), []
        since = len(self._ids)  # the rows this batch's posts will take start here
        signed = {doc_id: (values[row], keys[row], match, since if shares else None)
                  for row, (doc_id, match, shares) in enumerate(zip(
                      ids, self._earliest_known(values, keys), _may_share_earlier(values),
                      strict=True))}
        return [self._assign(doc_id, *signed.get(doc_id, (None, None, None, None)))
                for doc_id, _ in posts]

    def _assign(self, doc_id: str, sig: np.ndarray | None, keys: list[bytes] | None = None,
                match: tuple[int, float] | None = None, since: int | None = 0) -> str:
        """Cluster and index one post. With `since`, `match` is its earliest near-duplicate
        among the posts before row `since` (if it has one), else it is looked for among the
        posts from that row on; `since` None: there is none to look for there."""
        known = self._index.get(doc_id)
        if known is not None:
            return self._clusters[known]
        cluster = doc_id
        index_it = sig is not None
        if sig is not None:
            keys = keys or _band_keys(sig[np.newaxis])[0]
            if match is None and since is not None and since < len(self._ids):
                match = self._earliest_match(sig, keys, since)
            if match is not None:
                best, similarity = match
                cluster = self._clusters[best]
                index_it = similarity < VARIANT
        self._add(doc_id, cluster, sig, index_it, keys)
        return cluster

    def cluster_of(self, doc_id: str) -> str | None:
        """The cluster a post was given, or None if it has not been seen."""
        index = self._index.get(str(doc_id))
        return None if index is None else self._clusters[index]

    def state(self) -> dict[str, Any]:
        """Everything needed to carry on later, as a JSON-ready dict."""
        indexed = set()
        for band in self._bands:
            for rows in band.values():
                indexed.update(rows)
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
                        keys: list[list[bytes]]) -> list[tuple[int, float] | None]:
        """For each signature, its earliest near-duplicate among the indexed posts (row and
        similarity) or None: the band look-ups, and the comparisons with the candidates they
        give, made for all signatures at once rather than in a Python loop per post."""
        count = len(keys)
        found: list[tuple[int, float] | None] = [None] * count
        hits = list(map(dict.get, self._bands * count, chain.from_iterable(keys)))
        sizes = [len(rows) if rows else 0 for rows in hits]
        total = sum(sizes)
        if not total:
            return found
        rows = np.fromiter(chain.from_iterable(filter(None, hits)), dtype=np.int64, count=total)
        posts = np.repeat(np.arange(count * BANDS, dtype=np.int64) // BANDS, sizes)
        # (a row found in several bands is compared several times: cheaper than sorting out)
        agree = np.concatenate([
            (values[posts[i:i + _PAIRS_AT_ONCE]] == self._sigs[rows[i:i + _PAIRS_AT_ONCE]]).sum(
                axis=1) for i in range(0, total, _PAIRS_AT_ONCE)])
        good = np.flatnonzero(agree >= self.threshold * NUM_PERM)
        for post, row, agreed in zip(posts[good].tolist(), rows[good].tolist(),
                                     agree[good].tolist(), strict=True):
            earlier = found[post]
            if earlier is None or row < earlier[0]:  # the earliest near-duplicate
                found[post] = row, agreed / NUM_PERM
        return found

    def _earliest_match(self, sig: np.ndarray, keys: list[bytes],
                        since: int = 0) -> tuple[int, float] | None:
        candidates = _candidates(self._bands, keys)
        if since:
            candidates = candidates[bisect.bisect_left(candidates, since):]
        if not candidates:
            return None
        if len(candidates) == 1:  # the usual case: one earlier copy
            row = candidates[0]
            agree = int(np.count_nonzero(self._sigs[row] == sig))
            return (row, agree / NUM_PERM) if agree >= self.threshold * NUM_PERM else None
        rows = candidates  # arrival order: the earliest near-duplicate comes first
        # (take and a sum of booleans: about half the cost of fancy indexing + count_nonzero)
        agree = (self._sigs.take(rows, axis=0) == sig).sum(axis=1)
        good = np.flatnonzero(agree >= self.threshold * NUM_PERM)
        if not len(good):
            return None
        first = int(good[0])
        return rows[first], float(agree[first]) / NUM_PERM

    def _add(self, doc_id: str, cluster: str, sig: np.ndarray | None, index_it: bool,
             keys: list[bytes] | None = None) -> None:
        index = len(self._ids)
        if index >= len(self._sigs):
            grown = np.zeros((len(self._sigs) * 2, NUM_PERM), dtype=np.uint32)
            grown[:index] = self._sigs
            self._sigs = grown
        self._ids.append(doc_id)
        self._clusters.append(cluster)
        self._index[doc_id] = index
        self._has_sig.append(sig is not None)
        if sig is not None:
            self._sigs[index] = sig
            if index_it:
                keys = keys or _band_keys(sig[np.newaxis])[0]
                for band, key in zip(self._bands, keys, strict=True):
                    band[key].append(index)


def _sign(texts: dict[str, str]) -> tuple[list[str], np.ndarray, list[list[bytes]]]:
    """The ids of the texts long enough to sign, their signatures (rows) and band keys."""
    rows, values = _signature_rows(list(texts.values()))
    ids = list(texts)
    return [ids[i] for i in rows.tolist()], values, _band_keys(values)


def _may_share_earlier(values: np.ndarray) -> np.ndarray:
    """For each signature (row), whether it may share a band with an earlier row.

    Each band's 16 bytes are hashed to one number, tagged with the band, and the numbers
    compared all at once: equal bands always hash alike, and a rare collision only costs
    an exact look-up in the band index that finds nothing.
    """
    count = len(values)
    if count < 2:
        return np.zeros(count, dtype=bool)
    halves = values.view(np.uint64).reshape(count, BANDS, 2)
    tags = (halves[:, :, 0] * _M1 ^ halves[:, :, 1] * _M2) + np.arange(BANDS, dtype=np.uint64)
    _, first, inverse = np.unique(tags.ravel(), return_index=True, return_inverse=True)
    owner = np.arange(count * BANDS) // BANDS
    return (first[inverse] // BANDS < owner).reshape(count, BANDS).any(axis=1)


def _candidates(bands: list[dict[bytes, list[int]]], keys: list[bytes]) -> list[int]:
    """The rows that share a band with `keys`, in arrival order (a band's rows are)."""
    hits = [rows for rows in map(dict.get, bands, keys) if rows]
    if len(hits) <= 1:
        return hits[0] if hits else []
    return sorted(set().union(*hits))


def _band_keys(values: np.ndarray) -> list[list[bytes]]:
    """Each signature's band keys (rows of `values`), all at once: a band's values as bytes."""
    return np.ascontiguousarray(values).view(np.dtype((np.void, ROWS * 4))).tolist()
