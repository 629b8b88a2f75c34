"""Personal data at rest: AES-GCM sealing and the keyed blind index."""

from __future__ import annotations

import pytest

from onevisit.kernel.crypto import DecryptionError, PersonalDataVault
from onevisit.kernel.settings import Settings

NUMBER = "11010519491231002X"


KEY = "a-secret-key-that-is-long-enough-for-tests"


def vault(secret: str = KEY) -> PersonalDataVault:
    return PersonalDataVault.from_settings(Settings(secret_key=secret))


def test_seal_and_open_round_trip_without_the_value_in_the_ciphertext() -> None:
    v = vault()
    sealed = v.seal(NUMBER, kind=b"id")
    assert NUMBER.encode() not in sealed.ciphertext
    assert v.open(sealed.ciphertext, kind=b"id") == NUMBER


def test_encryption_is_randomised_but_the_index_is_deterministic() -> None:
    v = vault()
    a, b = v.seal(NUMBER, kind=b"id"), v.seal(NUMBER, kind=b"id")
    assert a.ciphertext != b.ciphertext
    assert a.index == b.index
    assert len(a.index) == 16


def test_the_index_depends_on_the_key_the_kind_and_the_value() -> None:
    v = vault()
    assert v.index(NUMBER, kind=b"id") != vault("another-secret-key-that-is-long-enough").index(NUMBER, kind=b"id")
    assert v.index("13800000000", kind=b"id") != v.index("13800000000", kind=b"phone")
    assert v.index(NUMBER, kind=b"id") != v.index("110105194912310021", kind=b"id")


@pytest.mark.parametrize("position", [0, 5, 20, -1])
def test_any_tampered_byte_is_detected(position: int) -> None:
    v = vault()
    blob = bytearray(v.encrypt(NUMBER, context=b"id"))
    blob[position] ^= 0x01
    with pytest.raises(DecryptionError):
        v.decrypt(bytes(blob), context=b"id")


def test_a_value_sealed_for_one_kind_cannot_be_opened_as_another() -> None:
    v = vault()
    blob = v.seal(NUMBER, kind=b"id").ciphertext
    with pytest.raises(DecryptionError):
        v.open(blob, kind=b"phone")


def test_another_key_cannot_open_it_and_short_blobs_are_refused() -> None:
    blob = vault().encrypt(NUMBER)
    with pytest.raises(DecryptionError):
        vault("another-secret-key-that-is-long-enough").decrypt(blob)
    with pytest.raises(DecryptionError):
        vault().decrypt(b"\x01short")


def test_explicit_hex_keys_override_the_derived_ones() -> None:
    settings = Settings(secret_key="x" * 40, data_key="11" * 32, index_key="22" * 16)
    explicit = PersonalDataVault.from_settings(settings)
    same_keys = PersonalDataVault(bytes.fromhex("11" * 32), bytes.fromhex("22" * 16))
    assert explicit.index(NUMBER, kind=b"id") == same_keys.index(NUMBER, kind=b"id")
    assert same_keys.decrypt(explicit.encrypt(NUMBER)) == NUMBER


def test_keys_of_the_wrong_size_are_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        PersonalDataVault(b"short", b"x" * 16)
