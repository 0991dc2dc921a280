"""Crypto wallet addresses in ad text, kept only when their checksum holds.

Lures pay in USDT on TRON and ask for "deposits" in Bitcoin or Ether; a wallet seen in two
posts ties them to one operator. A random 34-letter word is not a wallet, so every chain's own
checksum is verified: base58check (TRON, Bitcoin legacy), bech32 / bech32m (Bitcoin SegWit and
Taproot) and EIP-55 for Ethereum (only when the address is written in mixed case, since an
all-lower or all-upper address carries no checksum). EIP-55 needs the original Keccak-256,
which differs from hashlib's SHA3-256 in its padding, so Keccak is implemented here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from functools import lru_cache

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}
_B58 = "1-9A-HJ-NP-Za-km-z"
_BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_INDEX = {c: i for i, c in enumerate(_BECH32_CHARSET)}
_BECH32_CONST, _BECH32M_CONST = 1, 0x2BC830A3

# An address opens with "T", "1", "3", "b", "B" or "0": the pattern opens with that set, so
# that the engine skips to those letters, and the look-behinds after it test the character
# before the address (none of [A-Za-z0-9]) and tell the kinds apart; the named group that
# matches (`lastgroup`) says which kind the whole match is.
WALLET_RE = re.compile(
    rf"[T13bB0](?<![A-Za-z0-9].)(?:"
    rf"(?<=T)(?P<tron>[{_B58}]{{33}})"
    rf"|(?<=[13])(?P<btc>[{_B58}]{{25,34}})"
    rf"|(?P<bech>(?<=b)c1|(?<=B)C1)[02-9ac-hj-np-zAC-HJ-NP-Z]{{11,87}}"
    rf"|(?<=0)(?P<eth>x[0-9a-fA-F]{{40}})"
    rf")(?![A-Za-z0-9])"
)


def base58check_payload(address: str) -> bytes | None:
    """The payload (version byte + data) of a base58check string, or None if it is corrupt."""
    number = 0
    for char in address:
        value = _B58_INDEX.get(char)
        if value is None:
            return None
        number = number * 58 + value
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    raw = b"\x00" * (len(address) - len(address.lstrip("1"))) + body
    if len(raw) < 5:
        return None
    payload, checksum = raw[:-4], raw[-4:]
    if hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] != checksum:
        return None
    return payload


def _bech32_polymod(values: list[int]) -> int:
    generator = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i in range(5):
            if (top >> i) & 1:
                chk ^= generator[i]
    return chk


def is_segwit_address(address: str, hrp: str = "bc") -> bool:
    """True for a valid bech32 (witness v0) or bech32m (v1+) address (BIP 173 / BIP 350)."""
    if address.lower() != address and address.upper() != address:
        return False
    address = address.lower()
    sep = address.rfind("1")
    if address[:sep] != hrp or len(address) > 90 or len(address) - sep < 7:
        return False
    data = [_BECH32_INDEX.get(c, -1) for c in address[sep + 1:]]
    if -1 in data:
        return False
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    const = _bech32_polymod(expanded + data)
    version = data[0]
    if version > 16 or const != (_BECH32_CONST if version == 0 else _BECH32M_CONST):
        return False
    # Regroup the 5-bit words (less the checksum) into bytes: the witness program.
    acc = bits = 0
    program = []
    for value in data[1:-6]:
        acc = (acc << 5) | value
        bits += 5
        while bits >= 8:
            bits -= 8
            program.append((acc >> bits) & 0xFF)
    if bits >= 5 or acc & ((1 << bits) - 1):
        return False
    if not 2 <= len(program) <= 40:
        return False
    return version != 0 or len(program) in (20, 32)


# --- Keccak-256 (the pre-standard padding Ethereum uses) ---------------------------------

def _round_constants() -> list[int]:
    def rc(t: int) -> int:
        r = 1
        for _ in range(t % 255):
            r <<= 1
            if r & 0x100:
                r ^= 0x171
        return r & 1

    return [
        sum(rc(j + 7 * rnd) << ((1 << j) - 1) for j in range(7)) for rnd in range(24)
    ]


def _rotation_offsets() -> list[list[int]]:
    offsets = [[0] * 5 for _ in range(5)]
    x, y = 1, 0
    for t in range(24):
        offsets[x][y] = ((t + 1) * (t + 2) // 2) % 64
        x, y = y, (2 * x + 3 * y) % 5
    return offsets


_RC = _round_constants()
_ROT = _rotation_offsets()
_MASK = (1 << 64) - 1


def _keccak_f(state: list[list[int]]) -> None:
    for rnd in range(24):
        c = [state[x][0] ^ state[x][1] ^ state[x][2] ^ state[x][3] ^ state[x][4]
             for x in range(5)]
        d = [c[(x - 1) % 5] ^ (((c[(x + 1) % 5] << 1) | (c[(x + 1) % 5] >> 63)) & _MASK)
             for x in range(5)]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                lane = state[x][y] ^ d[x]
                r = _ROT[x][y]
                b[y][(2 * x + 3 * y) % 5] = ((lane << r) | (lane >> (64 - r))) & _MASK if r \
                    else lane
        for x in range(5):
            for y in range(5):
                state[x][y] = b[x][y] ^ (~b[(x + 1) % 5][y] & b[(x + 2) % 5][y])
        state[0][0] ^= _RC[rnd]


def keccak256(data: bytes) -> bytes:
    """Keccak-256 as Ethereum uses it (padding 0x01, not SHA3's 0x06)."""
    rate = 136
    padded = bytearray(data) + b"\x01" + b"\x00" * ((-len(data) - 1) % rate)
    padded[-1] |= 0x80
    state = [[0] * 5 for _ in range(5)]
    for offset in range(0, len(padded), rate):
        block = padded[offset:offset + rate]
        for i in range(rate // 8):
            x, y = i % 5, i // 5
            state[x][y] ^= int.from_bytes(block[8 * i:8 * i + 8], "little")
        _keccak_f(state)
    out = b"".join(state[i % 5][i // 5].to_bytes(8, "little") for i in range(4))
    return out


@lru_cache(maxsize=4096)
def eip55_valid(address: str) -> bool:
    """An Ethereum address passes: all one case (no checksum), or mixed case per EIP-55."""
    hexpart = address[2:]
    if hexpart.lower() == hexpart or hexpart.upper() == hexpart:
        return True
    digest = keccak256(hexpart.lower().encode("ascii")).hex()
    for char, nibble in zip(hexpart, digest[:40], strict=True):
        if char.isalpha() and char.isupper() != (int(nibble, 16) >= 8):
            return False
    return True


def find_wallets(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(offset, {"chain", "address"}) for every checksum-valid address in `text`."""
    for match in WALLET_RE.finditer(text):
        kind = match.lastgroup
        address = match.group()
        if kind == "tron":
            payload = base58check_payload(address)
            if payload is not None and len(payload) == 21 and payload[0] == 0x41:
                yield match.start(), {"chain": "tron", "address": address}
        elif kind == "btc":
            payload = base58check_payload(address)
            if payload is not None and len(payload) == 21 and payload[0] in (0x00, 0x05):
                yield match.start(), {"chain": "bitcoin", "address": address}
        elif kind == "bech":
            if is_segwit_address(address):
                yield match.start(), {"chain": "bitcoin", "address": address.lower()}
        elif kind == "eth" and eip55_valid(address):
            yield match.start(), {"chain": "ethereum", "address": address.lower()}
