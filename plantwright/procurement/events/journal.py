"""The unit of work of a batch: every change an event makes is journalled, so a refused event is
undone before the next one, and the whole batch is written once at the end."""

from plantwright.procurement.events.results import _MISSING


class _Journal:
    """Undo log of in-memory changes, so a refused event leaves the batch's state as it found it."""

    def __init__(self) -> None:
        self.undo: list[tuple] = []

    def set(self, obj, **fields) -> None:
        for name, value in fields.items():
            self.undo.append(("attr", obj, name, getattr(obj, name)))
            setattr(obj, name, value)

    def append(self, items: list, item) -> None:
        self.undo.append(("pop", items))
        items.append(item)

    def put(self, mapping: dict, key, value) -> None:
        self.undo.append(("key", mapping, key, mapping.get(key, _MISSING)))
        mapping[key] = value

    def mark(self, objects: dict, obj) -> None:
        """Remember `obj` for writing (model instances without a key are not hashable: key by identity)."""
        if id(obj) not in objects:
            self.put(objects, id(obj), obj)

    def rollback(self) -> None:
        for entry in reversed(self.undo):
            match entry:
                case ("attr", obj, name, old):
                    setattr(obj, name, old)
                case ("pop", items):
                    items.pop()
                case ("key", mapping, key, old):
                    if old is _MISSING:
                        mapping.pop(key, None)
                    else:
                        mapping[key] = old
        self.undo.clear()

    def commit(self) -> None:
        self.undo.clear()
