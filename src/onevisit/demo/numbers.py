"""Identifier arithmetic over whole arrays: ID numbers, mobile numbers, credit codes.

``identity.idnumbers`` and ``identity.creditcodes`` check one number at a time, which is
right for a form and far too slow for a million people. These functions compute the same
check characters with numpy over every row at once; the tests run every generated number
back through the one-at-a-time parsers, so the two can never drift apart unnoticed.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from onevisit.identity import creditcodes, idnumbers

IntArray = npt.NDArray[np.int64]

_ID_WEIGHTS = np.array(idnumbers.WEIGHTS, dtype=np.int64)
_ID_CHECK = np.frombuffer(idnumbers.CHECK_CHARS.encode(), dtype=np.uint8)
_POW10 = 10 ** np.arange(16, -1, -1, dtype=np.int64)

_CC_ALPHABET = np.frombuffer(creditcodes.ALPHABET.encode(), dtype=np.uint8)
_CC_WEIGHTS = np.array(creditcodes.WEIGHTS, dtype=np.int64)
#: GB 11714 organisation-code weights (the check character of pre-2015 organisation codes).
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)

#: Mobile prefixes in use by China Mobile, China Unicom and China Telecom.
MOBILE_PREFIXES = np.array(
    [134, 135, 136, 137, 138, 139, 147, 150, 151, 152, 157, 158, 159, 178, 182, 183, 184, 187, 188, 198,
     130, 131, 132, 155, 156, 166, 175, 176, 185, 186,
     133, 153, 173, 177, 180, 181, 189, 191, 199],
    dtype=np.int64,
)


def _ascii_rows(codes: npt.NDArray[np.uint8]) -> list[str]:
    """(n, k) ASCII byte matrix to a list of n strings."""
    width = codes.shape[1]
    return np.ascontiguousarray(codes).view(f"S{width}").ravel().astype(f"U{width}").tolist()


def id_prefix_keys(
    regions: IntArray, years: IntArray, months: IntArray, days: IntArray, sequences: IntArray
) -> IntArray:
    """The first 17 digits as one integer (they fit in 64 bits): a cheap uniqueness key."""
    return regions * 10**11 + years * 10**7 + months * 10**5 + days * 10**3 + sequences


def id_numbers(keys: IntArray) -> list[str]:
    """18-character GB 11643 numbers from 17-digit keys (see :func:`id_prefix_keys`)."""
    digits = (keys[:, None] // _POW10) % 10
    check = _ID_CHECK[(digits * _ID_WEIGHTS).sum(axis=1) % 11]
    ascii_digits = (digits + ord("0")).astype(np.uint8)
    return _ascii_rows(np.concatenate([ascii_digits, check[:, None]], axis=1))


def mobile_numbers(rng: np.random.Generator, n: int, taken: IntArray | None = None) -> IntArray:
    """``n`` distinct 11-digit mobile numbers (as integers), none of them in ``taken``."""
    taken = np.empty(0, dtype=np.int64) if taken is None else taken
    out = MOBILE_PREFIXES[rng.integers(0, len(MOBILE_PREFIXES), size=n)] * 10**8 + rng.integers(0, 10**8, size=n)
    while True:
        clash = duplicates(np.concatenate([taken, out]))[len(taken):]
        if not clash.any():
            return out
        count = int(clash.sum())
        out[clash] = MOBILE_PREFIXES[rng.integers(0, len(MOBILE_PREFIXES), size=count)] * 10**8 + rng.integers(
            0, 10**8, size=count
        )


def duplicates(values: npt.NDArray[np.generic]) -> npt.NDArray[np.bool_]:
    """True for every occurrence of a value after its first: the rows a generator must redraw."""
    _, first = np.unique(values, return_index=True)
    dup = np.ones(len(values), dtype=bool)
    dup[first] = False
    return dup


def organisation_codes_new(rng: np.random.Generator, n: int) -> npt.NDArray[np.uint8]:
    """Organisation parts of post-2015 codes: "MA" followed by 7 characters of the alphabet."""
    body = rng.integers(0, len(_CC_ALPHABET), size=(n, 7))
    head = np.tile(np.array([ord("M"), ord("A")], dtype=np.uint8), (n, 1))
    return np.concatenate([head, _CC_ALPHABET[body]], axis=1)


def organisation_codes_old(rng: np.random.Generator, n: int) -> npt.NDArray[np.uint8]:
    """Pre-2015 GB 11714 organisation codes: 8 digits and their check character."""
    digits = rng.integers(0, 10, size=(n, 8))
    value = 11 - (digits * _ORG_WEIGHTS).sum(axis=1) % 11
    check = np.where(value == 10, ord("X"), np.where(value == 11, ord("0"), value + ord("0")))
    return np.concatenate([(digits + ord("0")).astype(np.uint8), check[:, None].astype(np.uint8)], axis=1)


def credit_codes(authority: str, entity_types: npt.NDArray[np.str_], regions: npt.NDArray[np.str_],
                 organisations: npt.NDArray[np.uint8]) -> list[str]:
    """18-character GB 32100 codes: authority + type + region + organisation + check."""
    n = len(regions)
    head = np.empty((n, 8), dtype=np.uint8)
    head[:, 0] = ord(authority)
    head[:, 1] = np.frombuffer("".join(entity_types.tolist()).encode(), dtype=np.uint8)
    head[:, 2:] = np.frombuffer("".join(regions.tolist()).encode(), dtype=np.uint8).reshape(n, 6)
    first17 = np.concatenate([head, organisations], axis=1)
    lookup = np.zeros(256, dtype=np.int64)
    lookup[_CC_ALPHABET] = np.arange(len(_CC_ALPHABET))
    total = (lookup[first17] * _CC_WEIGHTS).sum(axis=1)
    check = _CC_ALPHABET[(31 - total % 31) % 31]
    return _ascii_rows(np.concatenate([first17, check[:, None]], axis=1))
