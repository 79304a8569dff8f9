"""Users, passwords (argon2) and bearer tokens; turning a credential into an `Actor`."""

import hashlib
import secrets
import time
from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from helpline.adapters.db.models import Agent, ApiToken, Site, User
from helpline.domain.errors import Conflict, InvalidInput, NotFound
from helpline.domain.permissions import Actor
from helpline.domain.vocabulary import Role
from helpline.services.unit_of_work import UnitOfWork

_hasher = PasswordHasher()
# Verifying against this keeps the time of "no such user" equal to "wrong password".
_DUMMY_HASH = _hasher.hash("not-a-real-password")
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(uow: UnitOfWork, *, username: str, role: Role | str, password: str | None,
                full_name: str = "", language: str = "ru", site_ids: list[int] | None = None) -> User:
    """Add a user (not committed: the caller's use case commits)."""
    role = Role(role)
    if uow.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} already exists")
    user = User(username=username, role=role.value, full_name=full_name, language=language,
                password_hash=hash_password(password) if password else None, created_at=uow.now())
    if site_ids:
        user.sites = _sites(uow, site_ids)
    uow.session.add(user)
    uow.flush()
    return user


def _sites(uow: UnitOfWork, site_ids: list[int]) -> list[Site]:
    sites = list(uow.session.scalars(select(Site).where(Site.id.in_(site_ids))))
    missing = set(site_ids) - {site.id for site in sites}
    if missing:
        raise NotFound("site", sorted(missing)[0])
    return sites


def authenticate(uow: UnitOfWork, username: str, password: str) -> User | None:
    user = uow.session.scalar(select(User).where(User.username == username, User.is_active.is_(True)))
    try:
        if user is None or user.password_hash is None:
            _hasher.verify(_DUMMY_HASH, password + "x")
            return None
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
        uow.commit()
    return user


def issue_token(uow: UnitOfWork, username: str, name: str = "") -> str:
    """Create a bearer token for a user and commit; only its digest is stored."""
    user = uow.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound("user", username)
    token = "hl_" + secrets.token_urlsafe(32)
    uow.session.add(ApiToken(user_id=user.id, token_hash=token_digest(token), name=name, created_at=uow.now()))
    uow.commit()
    return token


class ActorCache:
    """Bearer tokens resolved in the last `ttl_s` seconds, per process, so that the API's hot path needs no
    query to authenticate. A revoked token, a deactivated user or a changed role takes effect within ttl_s."""

    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic, max_entries: int = 10_000) -> None:
        self.ttl_s, self._clock, self._max = ttl_s, clock, max_entries
        self._entries: dict[str, tuple[float, Actor]] = {}

    def get(self, digest: str) -> Actor | None:
        entry = self._entries.get(digest)
        if entry is None or entry[0] <= self._clock():
            return None
        return entry[1]

    def put(self, digest: str, actor: Actor) -> None:
        if self.ttl_s <= 0:
            return
        if len(self._entries) >= self._max:
            self._entries.clear()  # rare; simpler than LRU bookkeeping on every hit
        self._entries[digest] = (self._clock() + self.ttl_s, actor)


def actor_for_token(uow: UnitOfWork, token: str, cache: ActorCache | None = None) -> Actor | None:
    digest = token_digest(token)
    if cache is not None and (cached := cache.get(digest)) is not None:
        return cached
    actor = _actor_for_digest(uow, digest)
    if cache is not None and actor is not None:
        cache.put(digest, actor)
    return actor


def _actor_for_digest(uow: UnitOfWork, digest: str) -> Actor | None:
    user = uow.session.scalar(
        select(User).join(ApiToken, ApiToken.user_id == User.id).where(
            ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None), User.is_active.is_(True)))
    return actor_for_user(uow, user) if user else None


def actor_for_user_id(uow: UnitOfWork, user_id: int) -> Actor | None:
    user = uow.session.get(User, user_id)
    return actor_for_user(uow, user) if user and user.is_active else None


def actor_for_user(uow: UnitOfWork, user: User) -> Actor:
    agent_id = uow.session.scalar(select(Agent.id).where(Agent.user_id == user.id))
    return Actor(user_id=user.id, username=user.username, role=Role(user.role),
                 site_ids=frozenset(site.id for site in user.sites), agent_id=agent_id)
