"""Domain errors. The API maps them to HTTP statuses; nothing here knows about HTTP."""


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""


class NotFound(DomainError):
    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} {key} not found")
        self.what = what
        self.key = key


class IllegalTransition(DomainError):
    """An action that the current state does not allow (answering an abandoned interaction, ...)."""

    def __init__(self, entity: str, state: str, action: str) -> None:
        super().__init__(f"cannot {action} a {entity} that is {state}")
        self.entity = entity
        self.state = state
        self.action = action


class Conflict(DomainError):
    """A request that contradicts what is already stored (duplicate name, reused idempotency key, ...)."""


class Forbidden(DomainError):
    """The actor may not do this to this record."""


class InvalidInput(DomainError):
    """Input that passed the schema but breaks a business rule."""
