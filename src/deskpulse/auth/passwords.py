"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from deskpulse.sentences import N_, Sentence

_hasher = PasswordHasher()
# A hash of a random password, verified when the account does not exist, so timing does not reveal accounts.
_DUMMY = _hasher.hash("deskpulse-no-such-account-placeholder")


class PasswordPolicyError(ValueError):
    """The password does not meet the policy; the message says which rule (English; ``sentence`` translates)."""

    def __init__(self, sentence: Sentence) -> None:
        super().__init__(str(sentence))
        self.sentence = sentence


def check_policy(password: str, *, min_length: int, email: str = "") -> None:
    """Raise PasswordPolicyError with a sentence when ``password`` is too weak."""
    if len(password) < min_length:
        raise PasswordPolicyError(
            Sentence(N_("The password must be at least %(min_length)d characters long."), {"min_length": min_length})
        )
    if len(password) > 1024:
        raise PasswordPolicyError(Sentence(N_("The password must be at most 1024 characters long.")))
    if email and password.strip().lower() == email.strip().lower():
        raise PasswordPolicyError(Sentence(N_("The password must not be the e-mail address.")))
    if len(set(password)) < 4:
        raise PasswordPolicyError(Sentence(N_("The password needs more different characters.")))


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; takes the same time whether or not there is a hash."""
    try:
        return _hasher.verify(stored_hash or _DUMMY, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored_hash)
