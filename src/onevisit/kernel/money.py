"""Money on screens: one way to show an amount of fen as yuan, and to read one back.

Every amount is stored as an integer number of fen (1 yuan = 100 fen). Pages, PDFs, SMS
and exports show it with :func:`yuan` — ``¥24,080.00``, grouped by thousands, a leading
minus for a negative amount — and forms read what a person typed with :func:`parse_yuan`.
(The payment channels' wire format, ``"24080.00"``, is a protocol, not a display, and stays
in ``payments.channels.wire``.) Templates use the ``yuan`` filter registered in ``app.py``:
``{{ bill.amount_fen|yuan }}``.
"""

from __future__ import annotations

import re
import unicodedata

#: ``-¥1,234.5``, ``¥1234``, ``1,234.56元``: ASCII digits (after NFKC), groups of three.
_AMOUNT = re.compile(
    r"""
    (?P<sign>[-+])?\s*¥?\s*(?P<sign2>[-+])?
    (?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)
    (?:\.(?P<cents>[0-9]{1,2}))?
    \s*元?
    """,
    re.VERBOSE,
)
#: Larger amounts (a thousand trillion yuan or more) are a typing mistake, not money.
MAX_WHOLE_DIGITS = 15


def yuan(fen: int) -> str:
    """``2408000`` → ``"¥24,080.00"``; ``-150`` → ``"-¥1.50"``."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


def parse_yuan(text: str) -> int | None:
    """An amount as people type it, in fen: ``"24080"``, ``"24,080.5"``, ``"¥24,080.00"``,
    ``"-¥1.50"`` (the sign is kept: callers decide whether a negative amount makes sense);
    full-width input from a Chinese keyboard (``"￥２４，０８０"``) reads the same. None when
    it is not an amount with at most two decimals (garbage, ``"1.234"``, ``"1,23"``, an
    empty string)."""
    match = _AMOUNT.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match is None or (match["sign"] and match["sign2"]):
        return None
    digits = match["whole"].replace(",", "")
    if len(digits.lstrip("0")) > MAX_WHOLE_DIGITS:
        return None
    fen = int(digits) * 100 + int((match["cents"] or "0").ljust(2, "0"))
    return -fen if "-" in (match["sign"], match["sign2"]) else fen
