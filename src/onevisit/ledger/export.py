"""Writing a log's export (the format is described in ``onevisit.ledger.verify``)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import IO

from sqlalchemy.orm import Session

from onevisit.ledger.services import heads, logs
from onevisit.ledger.verify import EXPORT_FORMAT

CHUNK = 20_000


def export_log(session: Session, log_name: str, out: IO[str], *, up_to: int | None = None) -> int:
    """Writes header, heads and entries ``[0, up_to)`` (default: all); returns entries written."""
    log = logs.find_log(session, log_name)
    size = log.tree_size if up_to is None else min(up_to, log.tree_size)
    header = {
        "format": EXPORT_FORMAT,
        "log": log.name,
        "log_id": log.log_id,
        "public_key": log.public_key.hex(),
        "tree_size": size,
    }
    out.write(json.dumps(header) + "\n")
    for signed in heads.heads_of(session, log_name):
        head = signed.head
        if head.tree_size > size:
            break
        item = {
            "type": "head",
            "tree_size": head.tree_size,
            "root_hash": head.root_hash.hex(),
            "timestamp": head.timestamp,
            "signature": base64.b64encode(head.signature).decode(),
            "cosignatures": [
                {
                    "witness": c.witness,
                    "public_key": key.hex(),
                    "timestamp": c.timestamp,
                    "signature": base64.b64encode(c.signature).decode(),
                }
                for c, key in signed.cosignatures
            ],
        }
        out.write(json.dumps(item) + "\n")
    b64 = base64.b64encode
    for start in range(0, size, CHUNK):
        rows = logs.read_entries(session, log_name, start, min(start + CHUNK, size))
        out.write(
            "".join(
                f'{{"type":"entry","index":{i},"leaf_hash":"{h.hex()}","data":"{b64(d).decode()}"}}\n'
                for i, h, d in rows
            )
        )
    return size


def export_to_file(session: Session, log_name: str, path: Path, *, up_to: int | None = None) -> int:
    with path.open("w", encoding="utf-8") as out:
        return export_log(session, log_name, out, up_to=up_to)
