"""A witness: checks that each new tree head extends the last one it saw, and co-signs it.

A witness is run by another department or an outside party, as its own process with its
own Ed25519 key (``onevisit ledger witness run``). It remembers, in its own state file,
the last head it accepted for each log and the log's public key (pinned the first time,
or given up front). For each new head it:

1. checks the log's signature on the head with the pinned key;
2. refuses a smaller tree (a rollback) or a different root for the same size (a fork);
3. fetches a consistency proof from its last head and verifies it (RFC 9162 §2.1.4.2);
4. co-signs the head and submits the co-signature; only then advances its state.

A head that fails any check is refused: the witness signs an alert and submits it (staff
see it on the ledger page; an event is emitted), and its state stays where it was, so
every later head is checked against the last head it actually trusted.

The source is the log's HTTP API (:class:`HttpSource`) or, for a witness run inside a
department that can read the database, the services directly (:class:`DatabaseSource`).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

from onevisit.kernel.clock import Clock, SystemClock
from onevisit.kernel.errors import AppError
from onevisit.kernel.i18n import N_
from onevisit.kernel.platform import Platform
from onevisit.ledger.errors import LedgerError, LedgerInputError
from onevisit.ledger.merkle import verify_consistency
from onevisit.ledger.schemas import b64, unb64, unhex
from onevisit.ledger.signing import Cosignature, SigningKey, TreeHead, alert_message, key_id, to_millis


@dataclass(frozen=True, slots=True)
class ObservedHead:
    head: TreeHead
    public_key: bytes


class LogSource(Protocol):
    def log_names(self) -> list[str]: ...

    def latest_head(self, log: str) -> ObservedHead: ...

    def consistency_proof(self, log: str, first: int, second: int) -> list[bytes]: ...

    def submit_cosignature(self, log: str, tree_size: int, cosignature: Cosignature) -> None: ...

    def submit_alert(self, payload: Mapping[str, Any]) -> None: ...


class SourceUnavailableError(AppError):
    status = 503


def head_from_json(data: Mapping[str, Any]) -> ObservedHead:
    try:
        head = TreeHead(
            log=str(data["log"]),
            log_id=str(data["log_id"]),
            tree_size=int(data["tree_size"]),
            root_hash=unhex(str(data["root_hash"]), what="root hash"),
            timestamp=int(data["timestamp"]),
            signature=unb64(str(data["signature"]), what="signature"),
        )
        return ObservedHead(head, unhex(str(data["public_key"]), what="public key"))
    except (KeyError, TypeError, ValueError) as exc:
        raise LedgerInputError(LedgerError.PROOF_MALFORMED, N_("The tree head is malformed.")) from exc


class HttpSource:
    """A log reached through its public API (``/api/v1/ledger``)."""

    def __init__(self, base_url: str, client: httpx.Client | None = None) -> None:
        self.base = base_url.rstrip("/") + "/api/v1/ledger"
        self.client = client or httpx.Client(timeout=10.0)

    def _get(self, path: str, **params: int) -> Any:
        try:
            response = self.client.get(self.base + path, params=params)
        except httpx.HTTPError as exc:
            raise SourceUnavailableError(LedgerError.SOURCE_UNAVAILABLE, N_("The log could not be reached.")) from exc
        return self._json(response)

    def _post(self, path: str, body: Mapping[str, Any]) -> Any:
        try:
            response = self.client.post(self.base + path, json=dict(body))
        except httpx.HTTPError as exc:
            raise SourceUnavailableError(LedgerError.SOURCE_UNAVAILABLE, N_("The log could not be reached.")) from exc
        return self._json(response)

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            data = response.json()
        except ValueError as exc:
            raise SourceUnavailableError(
                LedgerError.SOURCE_UNAVAILABLE, N_("The log answered with something not JSON.")
            ) from exc
        if response.status_code >= 400:
            code = data.get("code", "") if isinstance(data, dict) else ""
            known = {c.value: c for c in LedgerError}
            raise LedgerInputError(
                known.get(code, LedgerError.SOURCE_UNAVAILABLE),
                N_("The log refused the request: %(detail)s"),
                params={"detail": str(data.get("detail", "")) if isinstance(data, dict) else ""},
                status=response.status_code,
            )
        return data

    def log_names(self) -> list[str]:
        return [str(item["name"]) for item in self._get("/logs")]

    def latest_head(self, log: str) -> ObservedHead:
        return head_from_json(self._get(f"/logs/{log}/heads/latest"))

    def consistency_proof(self, log: str, first: int, second: int) -> list[bytes]:
        data = self._get(f"/logs/{log}/proofs/consistency", first=first, second=second)
        if not isinstance(data, dict) or data.get("first") != first or data.get("second") != second:
            raise LedgerInputError(
                LedgerError.PROOF_MALFORMED, N_("The log answered a consistency proof for other sizes.")
            )
        path = data.get("path")
        if not isinstance(path, list):
            raise LedgerInputError(LedgerError.PROOF_MALFORMED, N_("The consistency proof has no path."))
        return [unhex(str(h), what="proof element") for h in path]

    def submit_cosignature(self, log: str, tree_size: int, cosignature: Cosignature) -> None:
        self._post(
            f"/logs/{log}/heads/{tree_size}/cosignatures",
            {
                "witness": cosignature.witness,
                "timestamp": cosignature.timestamp,
                "signature": b64(cosignature.signature),
            },
        )

    def submit_alert(self, payload: Mapping[str, Any]) -> None:
        self._post("/alerts", payload)


class DatabaseSource:
    """A log read straight from the platform's database (a witness inside the platform)."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def log_names(self) -> list[str]:
        from onevisit.ledger.services import logs

        with self.platform.db.session() as session:
            return [log.name for log in logs.list_logs(session)]

    def latest_head(self, log: str) -> ObservedHead:
        from onevisit.ledger.services import heads

        with self.platform.db.session() as session:
            signed = heads.latest_head(session, log)
            return ObservedHead(signed.head, signed.public_key)

    def consistency_proof(self, log: str, first: int, second: int) -> list[bytes]:
        from onevisit.ledger.services import proofs

        with self.platform.db.session() as session:
            return proofs.prove_consistency(session, log, first, second).path

    def submit_cosignature(self, log: str, tree_size: int, cosignature: Cosignature) -> None:
        from onevisit.ledger.services import witnesses

        with self.platform.uow() as uow:
            witnesses.add_cosignature(
                uow,
                log,
                tree_size,
                witness_name=cosignature.witness,
                timestamp=cosignature.timestamp,
                signature=cosignature.signature,
            )

    def submit_alert(self, payload: Mapping[str, Any]) -> None:
        from onevisit.ledger.services import witnesses

        with self.platform.uow() as uow:
            witnesses.submit_witness_alert(
                uow,
                witness_name=payload["witness"],
                log_name=payload["log"],
                kind=payload["kind"],
                message=payload["message"],
                detail=payload["detail"],
                timestamp=payload["timestamp"],
                signature=unb64(payload["signature"]),
            )


@dataclass(frozen=True, slots=True)
class LogState:
    public_key: bytes
    tree_size: int
    root_hash: bytes
    timestamp: int

    def to_json(self) -> dict[str, Any]:
        return {
            "public_key": self.public_key.hex(),
            "log_id": key_id(self.public_key),
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "timestamp": self.timestamp,
        }


class WitnessState:
    """The witness's memory, one JSON file: per log, the pinned key and the last head accepted."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.logs: dict[str, LogState] = {}
        if path.exists():
            try:
                data = json.loads(path.read_text())
                for name, item in data.get("logs", {}).items():
                    self.logs[name] = LogState(
                        public_key=bytes.fromhex(item["public_key"]),
                        tree_size=int(item["tree_size"]),
                        root_hash=bytes.fromhex(item["root_hash"]),
                        timestamp=int(item["timestamp"]),
                    )
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise LedgerInputError(
                    LedgerError.EXPORT_MALFORMED,
                    N_("The witness state file %(path)s is unreadable."),
                    params={"path": str(path)},
                ) from exc

    def save(self) -> None:
        """Atomically replaces the state file (write a temporary file, then rename)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = json.dumps(
            {
                "format": "onevisit.ledger.witness-state.v1",
                "logs": {n: s.to_json() for n, s in sorted(self.logs.items())},
            },
            indent=2,
        )
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".witness-state.")
        with os.fdopen(fd, "w") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        Path(tmp).replace(self.path)


@dataclass(frozen=True, slots=True)
class Outcome:
    log: str
    status: str
    """``cosigned``, ``unchanged`` (already co-signed this size), ``refused``, ``no_head`` or ``unavailable``."""
    tree_size: int | None = None
    code: str | None = None
    message: str = ""


class Witness:
    def __init__(
        self,
        name: str,
        key: SigningKey,
        state: WitnessState,
        *,
        pinned_keys: Mapping[str, bytes] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.name = name
        self.key = key
        self.state = state
        self.pinned = dict(pinned_keys or {})
        self.clock = clock or SystemClock()

    def check_all(self, source: LogSource, logs: list[str] | None = None) -> list[Outcome]:
        try:
            names = logs or source.log_names()
        except AppError as err:
            return [Outcome("*", "unavailable", code=err.code.value, message=err.message)]
        return [self.check(source, name) for name in names]

    def check(self, source: LogSource, log: str) -> Outcome:
        try:
            observed = source.latest_head(log)
        except AppError as err:
            if err.code is LedgerError.HEAD_NOT_FOUND:
                return Outcome(log, "no_head", code=err.code.value, message=err.message)
            if isinstance(err, SourceUnavailableError) or err.code is LedgerError.SOURCE_UNAVAILABLE:
                return Outcome(log, "unavailable", code=err.code.value, message=err.message)
            return self._refuse(source, log, None, err)
        head = observed.head
        previous = self.state.logs.get(log)
        try:
            self._verify(source, log, observed, previous)
        except SourceUnavailableError as err:
            return Outcome(log, "unavailable", head.tree_size, err.code.value, err.message)
        except AppError as err:
            return self._refuse(source, log, observed, err)
        unchanged = previous is not None and previous.tree_size == head.tree_size
        self.state.logs[log] = LogState(observed.public_key, head.tree_size, head.root_hash, head.timestamp)
        self.state.save()
        cosignature = Cosignature.create(head, self.name, to_millis(self.clock.now()), self.key)
        try:
            source.submit_cosignature(log, head.tree_size, cosignature)
        except AppError as err:
            return Outcome(log, "unavailable", head.tree_size, err.code.value, err.message)
        return Outcome(log, "unchanged" if unchanged else "cosigned", head.tree_size)

    def _verify(self, source: LogSource, log: str, observed: ObservedHead, previous: LogState | None) -> None:
        head = observed.head
        expected_key = previous.public_key if previous else self.pinned.get(log)
        if expected_key is not None and observed.public_key != expected_key:
            raise LedgerInputError(LedgerError.KEY_MISMATCH, N_("The log now presents a different public key."))
        if head.log != log:
            raise LedgerInputError(LedgerError.KEY_MISMATCH, N_("The head is for another log."))
        head.verify(observed.public_key)
        if previous is None:
            return
        if head.tree_size < previous.tree_size:
            raise LedgerInputError(
                LedgerError.HEAD_ROLLBACK,
                N_("The log shrank from %(old)s to %(new)s entries."),
                params={"old": previous.tree_size, "new": head.tree_size},
            )
        proof = (
            []
            if head.tree_size == previous.tree_size
            else source.consistency_proof(log, previous.tree_size, head.tree_size)
        )
        verify_consistency(previous.tree_size, head.tree_size, previous.root_hash, head.root_hash, proof)

    def _refuse(self, source: LogSource, log: str, observed: ObservedHead | None, err: AppError) -> Outcome:
        previous = self.state.logs.get(log)
        # The message as a msgid and its parameters, so staff read it in their own language.
        detail: dict[str, Any] = {
            "code": err.code.value,
            "message_id": err.message,
            "message_params": {k: v if isinstance(v, int | str) else str(v) for k, v in err.params.items()},
        }
        if previous is not None:
            detail |= {"trusted_tree_size": previous.tree_size, "trusted_root_hash": previous.root_hash.hex()}
        if observed is not None:
            detail |= {"tree_size": observed.head.tree_size, "root_hash": observed.head.root_hash.hex()}
        kind = err.code.value
        timestamp = to_millis(self.clock.now())
        message = err.message % dict(err.params) if err.params else err.message
        signature = self.key.sign(
            alert_message(witness=self.name, log=log, kind=kind, detail=detail, timestamp=timestamp)
        )
        payload = {
            "witness": self.name,
            "log": log,
            "kind": kind,
            "message": message,
            "detail": detail,
            "timestamp": timestamp,
            "signature": b64(signature),
        }
        # The refusal stands even if the log will not hear about it; the CLI reports it.
        with contextlib.suppress(AppError):
            source.submit_alert(payload)
        size = observed.head.tree_size if observed else None
        return Outcome(log, "refused", size, kind, message)
