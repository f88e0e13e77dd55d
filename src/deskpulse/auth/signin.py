"""Password sign-in with lockout after repeated failures, per account and per address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from deskpulse.auth.passwords import hash_password, needs_rehash, verify_password
from deskpulse.config import AuthConfig
from deskpulse.store.auth_tables import SignInAttemptRow, UserRow


@dataclass(frozen=True, slots=True)
class SignInResult:
    """``user`` on success; otherwise ``locked_for`` seconds (lockout) or a plain failure."""

    user: UserRow | None = None
    locked_for: int = 0

    @property
    def ok(self) -> bool:
        """True when the password was right and nothing is locked."""
        return self.user is not None


def _recent_failures(
    session: Session, column: InstrumentedAttribute[str], value: str, since: datetime
) -> list[datetime]:
    return list(
        session.scalars(
            select(SignInAttemptRow.at)
            .where(column == value, SignInAttemptRow.at >= since, SignInAttemptRow.success.is_(False))
            .order_by(SignInAttemptRow.at)
        )
    )


def lockout_seconds(session: Session, *, email: str, ip: str, now: datetime, cfg: AuthConfig) -> int:
    """Seconds until a new attempt is allowed for this account or this address (0: allowed now)."""
    window = timedelta(minutes=cfg.lockout_minutes)
    waits = []
    for column, value in ((SignInAttemptRow.email, email), (SignInAttemptRow.ip, ip)):
        failures = _recent_failures(session, column, value, now - window)
        if len(failures) >= cfg.lockout_attempts:
            # Locked until the oldest failure that still counts leaves the window.
            unlock = failures[-cfg.lockout_attempts] + window
            waits.append(max(1, int((unlock - now).total_seconds()) + 1))
    return max(waits, default=0)


def authenticate(
    session: Session, *, email: str, password: str, ip: str, now: datetime, cfg: AuthConfig
) -> SignInResult:
    """Check a password; records the attempt. A locked account or address fails even with the right password."""
    address = email.strip().lower()
    locked = lockout_seconds(session, email=address, ip=ip, now=now, cfg=cfg)
    if locked:
        session.add(SignInAttemptRow(email=address, ip=ip, at=now, success=False))
        return SignInResult(locked_for=locked)
    user = session.scalar(select(UserRow).where(UserRow.email == address))
    good = verify_password(user.password_hash if user else None, password)
    ok = bool(user is not None and user.is_active and good)
    session.add(SignInAttemptRow(email=address, ip=ip, at=now, success=ok))
    if not ok or user is None:
        return SignInResult()
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_sign_in_at = now
    return SignInResult(user=user)


def failures_in_window(session: Session, *, email: str, now: datetime, cfg: AuthConfig) -> int:
    """Failed attempts for an account in the lockout window (for the sign-in page's warning)."""
    since = now - timedelta(minutes=cfg.lockout_minutes)
    return int(
        session.scalar(
            select(func.count())
            .select_from(SignInAttemptRow)
            .where(SignInAttemptRow.email == email, SignInAttemptRow.at >= since, SignInAttemptRow.success.is_(False))
        )
        or 0
    )
