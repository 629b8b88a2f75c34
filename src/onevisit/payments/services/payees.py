"""Who is owed what of a payment: a bill's items each have a payee department.

Most bills have one payee (the bill's department) and their items carry none. A "one
matter" bundle's bill is paid once but its fees belong to several departments: each item
then names its own (``{"name", "amount_fen", "department_id"}``). Settlement credits each
payee department its items' sum, refunds give back from each no more than it received, and
the e-receipt lists each item with its payee. All in integer fen: the shares of a payment
always add up to exactly what was paid.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def item_payee(item: Mapping[str, Any], default: int) -> int:
    """The item's payee department (the bill's when the item names none)."""
    found = item.get("department_id")
    return int(found) if found is not None else default


def payee_shares(items: Iterable[Mapping[str, Any]], default: int) -> list[tuple[int, int]]:
    """``[(department id, fen), …]`` for a bill's items, in the order payees first appear."""
    shares: dict[int, int] = {}
    for item in items:
        department = item_payee(item, default)
        shares[department] = shares.get(department, 0) + int(item["amount_fen"])
    return list(shares.items()) or [(default, 0)]


def apportion(amount_fen: int, weights: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Splits ``amount_fen`` between departments in proportion to their weights (largest
    remainder, ties to the first): the parts add up to ``amount_fen`` exactly and, when
    ``amount_fen`` is at most the weights' sum, no part exceeds its weight. Parts of 0 are
    left out. One department, or an amount equal to the weights' sum, is split exactly as
    weighed (no arithmetic at all for a single payee)."""
    live = [(d, w) for d, w in weights if w > 0]
    total = sum(w for _, w in live)
    if len(live) == 1 or (live and amount_fen == total):
        if amount_fen == total:
            return live
        return [(live[0][0], amount_fen)]
    if not live:
        raise ValueError("nothing to apportion against")
    parts = [(d, amount_fen * w // total, amount_fen * w % total) for d, w in live]
    left = amount_fen - sum(p for _, p, _ in parts)
    order = sorted(range(len(parts)), key=lambda i: -parts[i][2])
    extra = set(order[:left])
    return [(d, p + (1 if i in extra else 0)) for i, (d, p, _) in enumerate(parts) if p + (1 if i in extra else 0)]
