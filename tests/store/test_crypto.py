import base64
import logging

import pytest
from cryptography.exceptions import InvalidTag

from fairdial.store.crypto import (
    FieldCipher,
    KeyConfigError,
    decode_key,
    load_key,
    load_or_create_key,
)


def test_round_trip_and_fresh_nonce_each_time():
    cipher = FieldCipher(b"k" * 32)
    first, second = cipher.encrypt("王小明"), cipher.encrypt("王小明")
    assert first != second
    assert cipher.decrypt(first) == "王小明"
    assert "王" not in first


def test_a_different_key_cannot_open_a_field():
    sealed = FieldCipher(b"a" * 32).encrypt("+886912345678")
    with pytest.raises(InvalidTag):
        FieldCipher(b"b" * 32).decrypt(sealed)


def test_lookup_hash_is_keyed_and_stable():
    one, other = FieldCipher(b"a" * 32), FieldCipher(b"b" * 32)
    assert one.lookup_hash("+886912345678") == one.lookup_hash("+886912345678")
    assert one.lookup_hash("+886912345678") != other.lookup_hash("+886912345678")


def test_key_file_is_created_once_with_owner_only_access(tmp_path):
    key_file = tmp_path / "home" / "key"
    first = load_or_create_key(None, key_file)
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert load_or_create_key(None, key_file) == first


def test_environment_key_wins_and_bad_keys_are_named():
    text = base64.urlsafe_b64encode(b"z" * 32).decode()
    assert decode_key(text) == b"z" * 32
    with pytest.raises(KeyConfigError, match="32 bytes"):
        decode_key(base64.urlsafe_b64encode(b"short").decode())


def test_a_bad_key_file_is_named_by_its_path_not_by_the_variable(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_bytes(b"\xffgarbage\n")
    key_file.chmod(0o600)
    with pytest.raises(KeyConfigError) as not_base64:
        load_key(None, key_file)

    key_file.write_text(base64.urlsafe_b64encode(b"short").decode())
    with pytest.raises(KeyConfigError) as too_short:
        load_key(None, key_file)

    assert str(not_base64.value) == f"the key file {key_file} is not valid base64"
    assert str(too_short.value) == f"the key file {key_file} must decode to 32 bytes, got 5"
    with pytest.raises(KeyConfigError, match=r"^FAIRDIAL_KEY is not valid base64$"):
        load_key("abc", key_file)


def test_a_key_file_others_can_read_draws_a_warning_with_the_fix(tmp_path, caplog):
    key_file = tmp_path / "key"
    load_or_create_key(None, key_file)
    caplog.set_level(logging.WARNING, logger="fairdial.store")

    load_key(None, key_file)
    assert caplog.messages == []

    key_file.chmod(0o640)
    load_key(None, key_file)
    assert caplog.messages == [
        f"key file {key_file} can be read by group or others; run: chmod 600 {key_file}"
    ]
