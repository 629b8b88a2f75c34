from __future__ import annotations

from onevisit.kernel.passwords import hash_password, needs_rehash, verify_password


def test_argon2id_hash_verifies_only_the_right_password() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert "correct horse battery" not in stored
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse batterY")
    assert not verify_password(stored, "")


def test_hashes_are_salted() -> None:
    assert hash_password("same") != hash_password("same")


def test_a_corrupt_stored_hash_is_a_failed_login_not_a_crash() -> None:
    assert not verify_password("not-a-hash", "anything")
    assert not needs_rehash(hash_password("x"))
