"""API keys: ``wc_<key id>_<secret>``, shown once, stored as a salted PBKDF2 hash.

The key id is public and indexed, so a request costs one lookup and one hash. The secret
has 256 random bits, so the hash needs no slow work factor to resist guessing; PBKDF2 at
a modest count only keeps a leaked table from being a list of keys. Verified keys are
remembered in-process (by their hash) so a busy client costs one hash per process.

>>> key = issue_key()
>>> key.text.startswith("wc_" + key.key_id + "_")
True
>>> split_key(key.text) == (key.key_id, key.text.split("_", 2)[2])
True
>>> matches(key.text.split("_", 2)[2], key.salt, key.key_hash)
True
>>> split_key("Bearer nonsense") is None
True
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass

PREFIX = "wc"
PBKDF2_ITERATIONS = 20_000


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key: ``text`` is shown to its party once and never stored."""

    text: str
    key_id: str
    salt: str
    key_hash: str


def issue_key() -> IssuedKey:
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    return IssuedKey(f"{PREFIX}_{key_id}_{secret}", key_id, salt, _hash(secret, salt))


def split_key(text: str) -> tuple[str, str] | None:
    """``(key id, secret)`` of a well-formed key, else ``None``."""
    parts = text.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def matches(secret: str, salt: str, key_hash: str) -> bool:
    return hmac.compare_digest(_hash(secret, salt), key_hash)


@functools.lru_cache(maxsize=4096)
def _hash(secret: str, salt: str) -> str:
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), bytes.fromhex(salt), PBKDF2_ITERATIONS)
    return digest.hex()
