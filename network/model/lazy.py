"""Containers made by a factory the first time they are read: a county's lookups cost seconds to
make, and a run often never asks for them."""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any, Callable, Optional


class _Made:
    """A container made by ``factory`` the first time it is read."""

    def __init__(self, factory: Callable[[], Any]):
        self._factory: Optional[Callable[[], Any]] = factory
        self._data: Any = None

    @property
    def data(self) -> Any:
        """The container itself, made now if needed."""
        if self._factory is not None:
            self._data = self._factory()
            self._factory = None
        return self._data


class LazyMapping(_Made, Mapping):
    """A read-only mapping made by ``factory`` the first time it is read (saves seconds on a county
    when nobody asks, e.g. per-feature results in a run that writes no pipes)."""

    def __getitem__(self, key):
        return self.data[key]

    def __iter__(self):
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __contains__(self, key) -> bool:
        return key in self.data

    def get(self, key, default=None):
        return self.data.get(key, default)


class LazySet(_Made, Set):
    """A read-only set made by ``factory`` the first time it is read (the 1.6 million names of a
    county's nodes that reach an outlet take 0.3 s, and the audit reads them as booleans instead).

    >>> names = LazySet(lambda: {"MH1", "MH2"})
    >>> "MH1" in names, sorted(names), names == {"MH2", "MH1"}, names | {"MH3"} == {"MH1", "MH2", "MH3"}
    (True, ['MH1', 'MH2'], True, True)
    """

    @classmethod
    def _from_iterable(cls, iterable) -> set:  # what | & - ^ give: a plain set
        return set(iterable)

    def __contains__(self, key) -> bool:
        return key in self.data

    def __iter__(self):
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)
