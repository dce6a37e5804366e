"""What applying one inbound event (ERP, downtime) gives back: one shape for every stream.

`status` is the stream's own word (applied, rejected, parked, ignored ...); `error` is the refusal's
body (`code`, `message`, `details`, `status`) when it was refused; `replayed` says the same event had
been applied before and nothing changed now. A stream adds what it knows (`type`, `stop`, `work_order`,
`decision`) in `found`, which the API answers at the top level."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class InboundResult:
    event_id: str
    status: str
    id: int | None = None
    error: dict[str, Any] = field(default_factory=dict)
    replayed: bool = False
    found: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:  # result.work_order, result.type: what the stream found
        found = self.__dict__.get("found", {})
        if name in found:
            return found[name]
        raise AttributeError(name)

    def as_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "id": self.id,
            **self.found,
            "status": self.status,
            "error": self.error or None,
            "replayed": self.replayed,
        }
