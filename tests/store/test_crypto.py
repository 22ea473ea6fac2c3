import base64

import pytest
from cryptography.exceptions import InvalidTag

from fairdial.store.crypto import FieldCipher, KeyConfigError, decode_key, load_or_create_key


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
