"""The four channel styles' wire formats and signatures.

Each style signs its asynchronous notifications the way its real counterpart does, with a
key only the gateway holds (Ed25519) or shares with the merchant (HMAC-SHA256):

========== ================================= =========================================
channel    notification body                 signature
========== ================================= =========================================
alipay     form: ``out_trade_no``,           Ed25519 over the sorted ``k=v&…`` string
           ``total_amount`` in yuan ("12.30")  (``sign`` field, base64)
wechat     JSON ``{id, event_type, resource}`` HMAC-SHA256 over ``ts\\nnonce\\nbody\\n``
           amounts in fen                      (``Wechatpay-*`` headers)
unionpay   form: ``orderId``, ``txnAmt`` fen   Ed25519 over the sorted ``k=v&…`` string
counter    JSON, amounts in fen                HMAC-SHA256 over ``ts\\nnonce\\nbody\\n``
========== ================================= =========================================

Verification never trusts the message about which algorithm or key to use: the channel
fixes both. Requests from the platform to a gateway (create, query, refund, statement) carry
an HMAC-SHA256 merchant signature; the gateway's answers are signed like its notifications.
Amounts are parsed exactly (decimal yuan strings → integer fen; floats refused).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, urlencode

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

CHANNELS = ("alipay", "wechat", "unionpay", "counter")
ED25519_CHANNELS = frozenset({"alipay", "unionpay"})
FORM_CHANNELS = frozenset({"alipay", "unionpay"})
#: Page pay: the merchant signs the order into the URL the payer's browser carries to the
#: gateway, which creates the trade when the payer arrives (no server-to-server call).
#: WeChat Pay's unified order and the bank counter need the order registered first.
PAGE_PAY_CHANNELS = frozenset({"alipay", "unionpay"})
PAGE_PAY_FIELDS = ("order_number", "amount_fen", "subject", "notify_url", "return_url", "timestamp")

PAID = "paid"
CLOSED = "closed"


class WireError(ValueError):
    """A message that is malformed, unsigned, or signed with the wrong key."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ChannelEvent:
    """A notification or query answer, normalised: what every style says in its own words."""

    channel: str
    notify_id: str
    order_number: str
    trade_no: str
    amount_fen: int
    status: str  # PAID or CLOSED
    at: dt.datetime
    timestamp: int  # signed seconds since the epoch


@dataclass(frozen=True, slots=True)
class Keys:
    """One channel's keys, derived from a shared secret (a simulator convenience: a real
    deployment is given the gateway's public key and the merchant API key)."""

    channel: str
    merchant_key: bytes
    gateway_hmac_key: bytes
    gateway_private: Ed25519PrivateKey | None
    gateway_public: Ed25519PublicKey

    @classmethod
    def derive(cls, secret: bytes, channel: str, *, with_private: bool = True) -> Keys:
        def sub(label: str) -> bytes:
            return hmac.new(secret, f"{label}:{channel}".encode(), hashlib.sha256).digest()

        private = Ed25519PrivateKey.from_private_bytes(sub("gateway-ed25519"))
        return cls(
            channel=channel,
            merchant_key=sub("merchant"),
            gateway_hmac_key=sub("gateway-hmac"),
            gateway_private=private if with_private else None,
            gateway_public=private.public_key(),
        )

    # --- the gateway's signature (notifications and answers) -------------------------
    def gateway_sign(self, message: bytes) -> str:
        if self.channel in ED25519_CHANNELS:
            if self.gateway_private is None:
                raise RuntimeError("only the gateway holds its private key")
            return base64.b64encode(self.gateway_private.sign(message)).decode()
        return base64.b64encode(hmac.new(self.gateway_hmac_key, message, hashlib.sha256).digest()).decode()

    def gateway_verify(self, message: bytes, signature: str) -> bool:
        try:
            raw = base64.b64decode(signature, validate=True)
        except ValueError:
            return False
        if self.channel in ED25519_CHANNELS:
            try:
                self.gateway_public.verify(raw, message)
            except InvalidSignature:
                return False
            return True
        expected = hmac.new(self.gateway_hmac_key, message, hashlib.sha256).digest()
        return hmac.compare_digest(raw, expected)

    # --- the merchant's signature (requests to the gateway) --------------------------
    def merchant_sign(self, message: bytes) -> str:
        return hmac.new(self.merchant_key, message, hashlib.sha256).hexdigest()

    def merchant_verify(self, message: bytes, signature: str) -> bool:
        return hmac.compare_digest(self.merchant_sign(message), signature)


def signed_message(timestamp: str, nonce: str, body: bytes) -> bytes:
    return timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"


def fen_to_yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


_YUAN = re.compile(r"^-?\d{1,12}(\.\d{1,2})?$")


def yuan_to_fen(text: str) -> int:
    if not _YUAN.match(text):
        raise WireError("malformed", "amount is not a decimal yuan string")
    try:
        return int(Decimal(text) * 100)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already guards it
        raise WireError("malformed", "amount is not a number") from exc


def _strict_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise WireError("malformed", f"{name} must be an integer number of fen")
    return value


def _sorted_query(fields: Mapping[str, str]) -> bytes:
    return "&".join(f"{k}={fields[k]}" for k in sorted(fields) if k not in ("sign", "sign_type", "signature")).encode()


def _iso(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    except ValueError as exc:
        raise WireError("malformed", "time is not in the expected format") from exc


# --- notifications -------------------------------------------------------------------


def encode_notification(keys: Keys, event: ChannelEvent, nonce: str) -> tuple[dict[str, str], bytes]:
    """The gateway side: headers and body of ``event`` in ``keys.channel``'s style."""
    ts = str(event.timestamp)
    if keys.channel == "alipay":
        fields = {
            "notify_id": event.notify_id,
            "notify_time": ts,
            "out_trade_no": event.order_number,
            "trade_no": event.trade_no,
            "total_amount": fen_to_yuan(event.amount_fen),
            "trade_status": "TRADE_SUCCESS" if event.status == PAID else "TRADE_CLOSED",
            "gmt_payment": _iso(event.at),
            "charset": "utf-8",
        }
        fields["sign_type"] = "ED25519"
        fields["sign"] = keys.gateway_sign(_sorted_query(fields))
        return {"content-type": "application/x-www-form-urlencoded"}, urlencode(fields).encode()
    if keys.channel == "unionpay":
        fields = {
            "notifyId": event.notify_id,
            "orderId": event.order_number,
            "queryId": event.trade_no,
            "txnAmt": str(event.amount_fen),
            "respCode": "00" if event.status == PAID else "34",
            "txnTime": _iso(event.at),
            "timestamp": ts,
            "signMethod": "ED25519",
        }
        fields["signature"] = keys.gateway_sign(_sorted_query(fields))
        return {"content-type": "application/x-www-form-urlencoded"}, urlencode(fields).encode()
    if keys.channel == "wechat":
        body = json.dumps(
            {
                "id": event.notify_id,
                "event_type": "TRANSACTION.SUCCESS" if event.status == PAID else "TRANSACTION.CLOSED",
                "resource": {
                    "out_trade_no": event.order_number,
                    "transaction_id": event.trade_no,
                    "amount": {"total": event.amount_fen, "currency": "CNY"},
                    "trade_state": "SUCCESS" if event.status == PAID else "CLOSED",
                    "success_time": _iso(event.at),
                },
            },
            separators=(",", ":"),
        ).encode()
        headers = {
            "content-type": "application/json",
            "wechatpay-timestamp": ts,
            "wechatpay-nonce": nonce,
            "wechatpay-signature": keys.gateway_sign(signed_message(ts, nonce, body)),
        }
        return headers, body
    body = json.dumps(
        {
            "notify_id": event.notify_id,
            "order_number": event.order_number,
            "receipt_no": event.trade_no,
            "amount_fen": event.amount_fen,
            "status": event.status,
            "paid_at": _iso(event.at),
        },
        separators=(",", ":"),
    ).encode()
    headers = {
        "content-type": "application/json",
        "x-counter-timestamp": ts,
        "x-counter-nonce": nonce,
        "x-counter-signature": keys.gateway_sign(signed_message(ts, nonce, body)),
    }
    return headers, body


def _form(body: bytes) -> dict[str, str]:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError) as exc:
        raise WireError("malformed", "body is not a form") from exc
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise WireError("malformed", "a field is repeated")
    return fields


def _json(body: bytes) -> dict[str, object]:
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise WireError("malformed", "body is not JSON") from exc
    if not isinstance(value, dict):
        raise WireError("malformed", "body is not a JSON object")
    return value


def _need(fields: Mapping[str, object], *names: str) -> None:
    missing = [n for n in names if n not in fields]
    if missing:
        raise WireError("malformed", f"missing field {missing[0]}")


def _int_text(text: str, name: str) -> int:
    if not text.isdigit() or len(text) > 15:
        raise WireError("malformed", f"{name} must be an integer")
    return int(text)


def decode_notification(keys: Keys, headers: Mapping[str, str], body: bytes) -> ChannelEvent:
    """The merchant side: verify the signature first, then parse. Raises :class:`WireError`."""
    channel = keys.channel
    if channel in FORM_CHANNELS:
        fields = _form(body)
        sig_field = "sign" if channel == "alipay" else "signature"
        if sig_field not in fields:
            raise WireError("signature", "notification is not signed")
        if not keys.gateway_verify(_sorted_query(fields), fields[sig_field]):
            raise WireError("signature", "notification signature does not verify")
        if channel == "alipay":
            _need(
                fields,
                "notify_id",
                "notify_time",
                "out_trade_no",
                "trade_no",
                "total_amount",
                "trade_status",
                "gmt_payment",
            )
            status = {"TRADE_SUCCESS": PAID, "TRADE_CLOSED": CLOSED}.get(fields["trade_status"])
            if status is None:
                raise WireError("malformed", "unknown trade_status")
            return ChannelEvent(
                channel,
                fields["notify_id"],
                fields["out_trade_no"],
                fields["trade_no"],
                yuan_to_fen(fields["total_amount"]),
                status,
                _parse_time(fields["gmt_payment"]),
                _int_text(fields["notify_time"], "notify_time"),
            )
        _need(fields, "notifyId", "orderId", "queryId", "txnAmt", "respCode", "txnTime", "timestamp")
        return ChannelEvent(
            channel,
            fields["notifyId"],
            fields["orderId"],
            fields["queryId"],
            _int_text(fields["txnAmt"], "txnAmt"),
            PAID if fields["respCode"] == "00" else CLOSED,
            _parse_time(fields["txnTime"]),
            _int_text(fields["timestamp"], "timestamp"),
        )
    prefix = "wechatpay-" if channel == "wechat" else "x-counter-"
    lower = {k.lower(): v for k, v in headers.items()}
    ts, nonce, sig = (lower.get(prefix + p) for p in ("timestamp", "nonce", "signature"))
    if not ts or not nonce or not sig:
        raise WireError("signature", "notification is not signed")
    if not keys.gateway_verify(signed_message(ts, nonce, body), sig):
        raise WireError("signature", "notification signature does not verify")
    data = _json(body)
    timestamp = _int_text(ts, "timestamp")
    if channel == "wechat":
        _need(data, "id", "resource")
        resource = data["resource"]
        if not isinstance(resource, dict):
            raise WireError("malformed", "resource is not an object")
        _need(resource, "out_trade_no", "transaction_id", "amount", "trade_state", "success_time")
        amount = resource["amount"]
        if not isinstance(amount, dict) or "total" not in amount:
            raise WireError("malformed", "amount.total missing")
        return ChannelEvent(
            channel,
            str(data["id"]),
            str(resource["out_trade_no"]),
            str(resource["transaction_id"]),
            _strict_int(amount["total"], "amount.total"),
            PAID if resource["trade_state"] == "SUCCESS" else CLOSED,
            _parse_time(str(resource["success_time"])),
            timestamp,
        )
    _need(data, "notify_id", "order_number", "receipt_no", "amount_fen", "status", "paid_at")
    if data["status"] not in (PAID, CLOSED):
        raise WireError("malformed", "unknown status")
    return ChannelEvent(
        channel,
        str(data["notify_id"]),
        str(data["order_number"]),
        str(data["receipt_no"]),
        _strict_int(data["amount_fen"], "amount_fen"),
        str(data["status"]),
        _parse_time(str(data["paid_at"])),
        timestamp,
    )


# --- page pay: the order signed into the payer's URL -------------------------------------


def page_pay_query(
    keys: Keys,
    *,
    order_number: str,
    amount_fen: int,
    subject: str,
    notify_url: str,
    return_url: str,
    timestamp: int,
) -> str:
    """The query string of a page-pay URL, signed with the merchant key (the payer can read
    it but not change the amount, the order or where the notification goes)."""
    fields = {
        "order_number": order_number,
        "amount_fen": str(amount_fen),
        "subject": subject,
        "notify_url": notify_url,
        "return_url": return_url,
        "timestamp": str(timestamp),
    }
    fields["sign"] = keys.merchant_sign(_canonical_fields(fields))
    return urlencode(fields)


def _canonical_fields(fields: Mapping[str, str]) -> bytes:
    # Sorted JSON: no value can pose as a field boundary.
    return json.dumps({k: v for k, v in fields.items() if k != "sign"}, sort_keys=True, separators=(",", ":")).encode()


def verify_page_pay(keys: Keys, query: str) -> dict[str, str]:
    """The gateway side: the page-pay fields, if the merchant signed exactly these."""
    fields = _form(query.encode())
    if "sign" not in fields:
        raise WireError("signature", "the order is not signed")
    _need(fields, *PAGE_PAY_FIELDS)
    if set(fields) != {*PAGE_PAY_FIELDS, "sign"}:
        raise WireError("malformed", "unexpected fields")
    if not keys.merchant_verify(_canonical_fields(fields), fields["sign"]):
        raise WireError("signature", "the order's signature does not verify")
    _int_text(fields["timestamp"], "timestamp")
    amount = _int_text(fields["amount_fen"], "amount_fen")
    if amount <= 0:
        raise WireError("malformed", "amount_fen must be positive")
    return fields


# --- signed answers and requests (JSON, all styles) ------------------------------------

ANSWER_SIGNATURE = "x-gateway-signature"
ANSWER_TIMESTAMP = "x-gateway-timestamp"
ANSWER_NONCE = "x-gateway-nonce"
REQUEST_SIGNATURE = "x-merchant-signature"
REQUEST_TIMESTAMP = "x-merchant-timestamp"
REQUEST_NONCE = "x-merchant-nonce"


def sign_answer(keys: Keys, body: bytes, timestamp: int, nonce: str) -> dict[str, str]:
    ts = str(timestamp)
    return {
        ANSWER_TIMESTAMP: ts,
        ANSWER_NONCE: nonce,
        ANSWER_SIGNATURE: keys.gateway_sign(signed_message(ts, nonce, body)),
    }


def verify_answer(keys: Keys, headers: Mapping[str, str], body: bytes) -> None:
    ts, nonce, sig = headers.get(ANSWER_TIMESTAMP), headers.get(ANSWER_NONCE), headers.get(ANSWER_SIGNATURE)
    if not ts or not nonce or not sig or not keys.gateway_verify(signed_message(ts, nonce, body), sig):
        raise WireError("signature", "the gateway's answer is not signed by the gateway")


def sign_request(keys: Keys, method: str, path: str, body: bytes, *, timestamp: int, nonce: str) -> dict[str, str]:
    ts = str(timestamp)
    message = signed_message(ts, nonce, method.encode() + b" " + path.encode() + b"\n" + body)
    return {REQUEST_TIMESTAMP: ts, REQUEST_NONCE: nonce, REQUEST_SIGNATURE: keys.merchant_sign(message)}


def verify_request(keys: Keys, method: str, path: str, headers: Mapping[str, str], body: bytes) -> bool:
    ts, nonce, sig = headers.get(REQUEST_TIMESTAMP), headers.get(REQUEST_NONCE), headers.get(REQUEST_SIGNATURE)
    if not ts or not nonce or not sig:
        return False
    message = signed_message(ts, nonce, method.encode() + b" " + path.encode() + b"\n" + body)
    return keys.merchant_verify(message, sig)


def event_from_answer(channel: str, data: Mapping[str, object]) -> ChannelEvent | None:
    """A query answer (``{"status": "paid", ...}``) as an event; None while unpaid."""
    status = data.get("status")
    if status not in (PAID, CLOSED):
        return None
    return ChannelEvent(
        channel,
        f"query:{data.get('trade_no')}",
        str(data["order_number"]),
        str(data.get("trade_no") or ""),
        _strict_int(data.get("amount_fen"), "amount_fen"),
        str(status),
        _parse_time(str(data.get("paid_at") or data.get("closed_at"))),
        _strict_int(data.get("timestamp"), "timestamp"),
    )
