"""Logging in and out: ID number + password, or ID number + one-time SMS code.

Failed attempts are counted per account; after ``login_max_failures`` in a row the account
is locked for ``login_lockout_seconds`` (persisted, so restarts do not reset it). Per-client
rate limits stop one address hammering many accounts. Unknown ID numbers get the same answer
as wrong passwords, after the same argon2 work, so the login form cannot be used to find out
who is registered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update

from onevisit.identity.errors import IdentityError
from onevisit.identity.events import AccountLocked
from onevisit.identity.idnumbers import parse_id_number
from onevisit.identity.models import Account, OtpChallenge, Person, WebSession
from onevisit.identity.services.people import ensure_account, find_person_by_id_number, phone_of
from onevisit.kernel.actors import ActorKind, Principal
from onevisit.kernel.errors import AppError
from onevisit.kernel.i18n import N_
from onevisit.kernel.passwords import hash_password, verify_password
from onevisit.kernel.uow import UnitOfWork

_DUMMY_HASH = hash_password("not-a-real-password-used-for-timing")
OTP_RESEND_SECONDS = 60
OTP_MAX_ATTEMPTS = 5
CLIENT_LIMIT = 30  # login attempts per client address per window
CLIENT_WINDOW = 300.0


@dataclass(frozen=True, slots=True)
class LoginResult:
    account_id: int
    token: str


def _failed() -> AppError:
    return AppError(
        IdentityError.LOGIN_FAILED,
        N_("The ID number or password is not right."),
        status=401,
    )


def _locked(until: dt.datetime) -> AppError:
    return AppError(
        IdentityError.ACCOUNT_LOCKED,
        N_(
            "Too many failed attempts. For your safety this account is locked until %(until)s (UTC). "
            "You can try again then."
        ),
        status=429,
        params={"until": until.strftime("%Y-%m-%d %H:%M")},
    )


def _throttle_client(uow: UnitOfWork, ip: str | None) -> None:
    if not uow.platform.rate_limiter.hit(f"login:{ip or '-'}", limit=CLIENT_LIMIT, window_seconds=CLIENT_WINDOW):
        raise AppError(
            IdentityError.ACCOUNT_LOCKED,
            N_("Too many login attempts from your connection. Please wait a few minutes and try again."),
            status=429,
            headers={"Retry-After": str(int(CLIENT_WINDOW))},
        )


def _check_not_locked(uow: UnitOfWork, account: Account) -> None:
    now = uow.clock.now()
    if account.locked_until is not None and account.locked_until > now:
        raise _locked(account.locked_until)


def _record_failure(platform_uow: UnitOfWork, account_id: int, reason: str) -> None:
    """Counts a failure in its own committed transaction (the caller's will roll back)."""
    settings = platform_uow.platform.settings
    with platform_uow.platform.uow(platform_uow.actor, ip=platform_uow.ip) as uow:
        account = uow.session.get(Account, account_id, with_for_update=True)
        if account is None:
            return
        account.failed_logins += 1
        uow.audit("identity.login.failed", "account", account.id, {"reason": reason, "count": account.failed_logins})
        if account.failed_logins >= settings.login_max_failures:
            account.locked_until = uow.clock.now() + dt.timedelta(seconds=settings.login_lockout_seconds)
            account.failed_logins = 0
            uow.audit("identity.account.locked", "account", account.id, {"until": account.locked_until.isoformat()})
            uow.emit(AccountLocked(account_id=account.id, until=account.locked_until.isoformat()))


def _succeed(uow: UnitOfWork, account: Account, method: str) -> LoginResult:
    now = uow.clock.now()
    account.failed_logins = 0
    account.locked_until = None
    account.last_login_at = now
    raw = secrets.token_urlsafe(32)
    uow.session.add(
        WebSession(
            token_hash=hash_token(raw),
            account_id=account.id,
            created_at=now,
            expires_at=now + dt.timedelta(seconds=uow.platform.settings.session_max_age_seconds),
            ip=uow.ip,
        )
    )
    # The person logged themselves in: the record names their account as the actor.
    uow.audit("identity.login", "account", account.id, {"method": method}, actor=_account_actor(account))
    return LoginResult(account.id, raw)


def _account_actor(account: Account) -> Principal:
    return Principal(kind=ActorKind.CITIZEN, account_id=account.id, person_id=account.person_id)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def login_with_password(uow: UnitOfWork, *, id_number: str, password: str) -> LoginResult:
    _throttle_client(uow, uow.ip)
    number = parse_id_number(id_number, today=uow.clock.now().date()).number
    person = find_person_by_id_number(uow.session, uow.platform.vault, number)
    account = uow.session.scalar(select(Account).where(Account.person_id == person.id)) if person else None
    if account is None or not account.active or account.password_hash is None:
        verify_password(_DUMMY_HASH, password)
        raise _failed()
    _check_not_locked(uow, account)
    if not verify_password(account.password_hash, password):
        _record_failure(uow, account.id, "password")
        raise _failed()
    return _succeed(uow, account, "password")


def _otp_hash(uow: UnitOfWork, challenge_person: int, code: str) -> str:
    key = uow.platform.settings.secret_key.encode()
    return hmac.new(key, f"otp:{challenge_person}:{code}".encode(), hashlib.sha256).hexdigest()


def send_login_code(uow: UnitOfWork, *, id_number: str) -> None:
    """Sends a 6-digit code to the phone on record, if there is one.

    The caller shows the same message whether or not a code was sent.
    """
    _throttle_client(uow, uow.ip)
    number = parse_id_number(id_number, today=uow.clock.now().date()).number
    person = find_person_by_id_number(uow.session, uow.platform.vault, number)
    if person is None or person.phone_enc is None:
        return
    now = uow.clock.now()
    last = uow.session.scalar(
        select(OtpChallenge).where(OtpChallenge.person_id == person.id).order_by(OtpChallenge.id.desc()).limit(1)
    )
    if last is not None and (now - last.created_at).total_seconds() < OTP_RESEND_SECONDS:
        raise AppError(
            IdentityError.OTP_TOO_SOON,
            N_("A code was sent less than a minute ago. Please wait before asking for another."),
            status=429,
        )
    uow.session.execute(
        update(OtpChallenge)
        .where(OtpChallenge.person_id == person.id, OtpChallenge.used_at.is_(None))
        .values(used_at=now)
    )
    code = f"{secrets.randbelow(1_000_000):06d}"
    uow.session.add(
        OtpChallenge(
            person_id=person.id,
            code_hash=_otp_hash(uow, person.id, code),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=uow.platform.settings.otp_ttl_seconds),
            attempts=0,
        )
    )
    phone = phone_of(uow.platform.vault, person)
    if phone is None:
        return
    minutes = uow.platform.settings.otp_ttl_seconds // 60
    uow.platform.notifier.sms.send(
        uow.session,
        phone,
        f"【浙里办·OneVisit】您的登录验证码是 {code}，{minutes} 分钟内有效，请勿告诉他人。"
        f" Your OneVisit login code is {code}; valid for {minutes} minutes.",
        now,
    )
    uow.audit("identity.otp.sent", "person", person.id)


def login_with_code(uow: UnitOfWork, *, id_number: str, code: str) -> LoginResult:
    _throttle_client(uow, uow.ip)
    number = parse_id_number(id_number, today=uow.clock.now().date()).number
    person = find_person_by_id_number(uow.session, uow.platform.vault, number)
    failed = AppError(
        IdentityError.OTP_FAILED, N_("The code is not right or has expired. Ask for a new code."), status=401
    )
    if person is None:
        raise failed
    account = uow.session.scalar(select(Account).where(Account.person_id == person.id))
    if account is not None:
        _check_not_locked(uow, account)
    now = uow.clock.now()
    challenge = uow.session.scalar(
        select(OtpChallenge)
        .where(OtpChallenge.person_id == person.id, OtpChallenge.used_at.is_(None))
        .order_by(OtpChallenge.id.desc())
        .limit(1)
    )
    if challenge is None or challenge.expires_at <= now or challenge.attempts >= OTP_MAX_ATTEMPTS:
        raise failed
    if not hmac.compare_digest(challenge.code_hash, _otp_hash(uow, person.id, code.strip())):
        with uow.platform.uow(uow.actor, ip=uow.ip) as side:
            row = side.session.get(OtpChallenge, challenge.id)
            if row is not None:
                row.attempts += 1
        if account is not None:
            _record_failure(uow, account.id, "otp")
        raise failed
    challenge.used_at = now
    account = ensure_account(uow, person)
    if not account.active:
        raise failed
    return _succeed(uow, account, "sms")


def logout(uow: UnitOfWork, raw_token: str) -> None:
    row = uow.session.get(WebSession, hash_token(raw_token))
    if row is not None:
        uow.audit("identity.logout", "account", row.account_id)
        uow.session.delete(row)


def set_acting_for(uow: UnitOfWork, raw_token: str, enterprise_id: int | None) -> None:
    row = uow.session.get(WebSession, hash_token(raw_token))
    if row is not None:
        row.acting_for_enterprise_id = enterprise_id
        uow.audit("identity.session.act_for", "account", row.account_id, {"enterprise": enterprise_id})


def person_of_account(uow: UnitOfWork, account_id: int) -> Person | None:
    account = uow.session.get(Account, account_id)
    return uow.session.get(Person, account.person_id) if account else None
