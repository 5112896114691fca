"""The one error type case rules raise; pages and the API turn it into a message."""

from __future__ import annotations


class CaseError(Exception):
    """A refused action. ``kind`` says why, and so which HTTP status fits:

    - ``state`` (409): not allowed in the case's current state;
    - ``permission`` (403): the user's role or scope does not allow it;
    - ``input`` (400): the input is wrong; ``fields`` maps field → messages.
    """

    STATUS = {"state": 409, "permission": 403, "input": 400}

    def __init__(self, kind: str, message: str, fields: dict[str, list[str]] | None = None):
        if kind not in self.STATUS:
            raise ValueError(kind)
        self.kind = kind
        self.message = str(message)
        self.fields = {name: [str(m) for m in messages] for name, messages in (fields or {}).items()}
        super().__init__(self.message)

    @property
    def http_status(self) -> int:
        return self.STATUS[self.kind]

    @classmethod
    def invalid(cls, fields: dict[str, list[str] | str], message: str | None = None) -> CaseError:
        normalised = {name: [m] if isinstance(m, str) else list(m) for name, m in fields.items()}
        first = next(iter(normalised.values()))[0] if normalised else ""
        return cls("input", message or first, normalised)
