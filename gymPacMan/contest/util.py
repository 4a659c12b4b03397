"""The contest's `util` module, as contest teams use it: `Counter` feature vectors, the search
containers, distances and a few probability helpers (the Berkeley API, written for this project).

A name the contest's `util` has and this one does not fails with an `AttributeError` naming it.
"""

from __future__ import annotations

import heapq
import random
import signal
import sys
from typing import Any, Callable, Iterable


def missing(what: str, name: str) -> AttributeError:
    """The error for a contest call this project does not provide: it names the call (dunder lookups by
    Python itself get a plain `AttributeError`)."""
    if name.startswith("__"):
        return AttributeError(name)
    return AttributeError(f"{what} that marl-lightning provides has no {name!r}: this contest call is not "
                          "supported (the modules are in gymPacMan/contest/)")


def manhattanDistance(xy1, xy2) -> int:
    return abs(xy1[0] - xy2[0]) + abs(xy1[1] - xy2[1])


def nearestPoint(pos):
    """The grid point nearest to `pos` (positions are always on the grid in this engine)."""
    x, y = pos
    return int(x + 0.5), int(y + 0.5)


def sign(x) -> int:
    return 1 if x >= 0 else -1


def raiseNotDefined():
    caller = sys._getframe(1).f_code
    raise NotImplementedError(f"method not implemented: {caller.co_name} in {caller.co_filename}, line {caller.co_firstlineno}")


def flipCoin(p: float) -> bool:
    return random.random() < p


class Stack:
    """Last in, first out."""

    def __init__(self):
        self.list = []

    def push(self, item):
        self.list.append(item)

    def pop(self):
        return self.list.pop()

    def isEmpty(self) -> bool:
        return len(self.list) == 0


class Queue(Stack):
    """First in, first out."""

    def push(self, item):
        self.list.insert(0, item)


class PriorityQueue:
    """The lowest priority first; `update` lowers an item's priority (or pushes it)."""

    def __init__(self):
        self.heap = []
        self.count = 0

    def push(self, item, priority):
        heapq.heappush(self.heap, (priority, self.count, item))
        self.count += 1

    def pop(self):
        return heapq.heappop(self.heap)[2]

    def isEmpty(self) -> bool:
        return len(self.heap) == 0

    def update(self, item, priority):
        for index, (p, c, i) in enumerate(self.heap):
            if i == item:
                if p <= priority:
                    return
                del self.heap[index]
                self.heap.append((priority, c, item))
                heapq.heapify(self.heap)
                return
        self.push(item, priority)


class PriorityQueueWithFunction(PriorityQueue):
    """A priority queue whose priorities come from `priorityFunction(item)`."""

    def __init__(self, priorityFunction: Callable[[Any], float]):
        self.priorityFunction = priorityFunction
        super().__init__()

    def push(self, item):
        super().push(item, self.priorityFunction(item))


class Counter(dict):
    """A dict whose missing keys count 0; `a * b` is the dot product (features times weights)."""

    def __getitem__(self, key):
        self.setdefault(key, 0)
        return dict.__getitem__(self, key)

    def incrementAll(self, keys: Iterable, count):
        for key in keys:
            self[key] += count

    def argMax(self):
        if len(self) == 0:
            return None
        return max(self.items(), key=lambda item: item[1])[0]

    def sortedKeys(self) -> list:
        return [key for key, _ in sorted(self.items(), key=lambda item: -item[1])]

    def totalCount(self):
        return sum(self.values())

    def normalize(self):
        total = float(self.totalCount())
        if total == 0:
            return
        for key in list(self.keys()):
            self[key] = self[key] / total

    def divideAll(self, divisor):
        divisor = float(divisor)
        for key in self:
            self[key] /= divisor

    def copy(self) -> "Counter":
        return Counter(dict.copy(self))

    def __mul__(self, other) -> float:
        x, y = (self, other) if len(self) <= len(other) else (other, self)
        return sum(x[key] * y[key] for key in x if key in y)

    def __radd__(self, other):
        for key, value in other.items():
            self[key] += value

    def __add__(self, other) -> "Counter":
        out = Counter()
        for key in set(self) | set(other):
            out[key] = self.get(key, 0) + other.get(key, 0)
        return out

    def __sub__(self, other) -> "Counter":
        out = Counter()
        for key in set(self) | set(other):
            out[key] = self.get(key, 0) - other.get(key, 0)
        return out


def normalize(vectorOrCounter):
    if isinstance(vectorOrCounter, Counter):
        out = Counter()
        total = float(vectorOrCounter.totalCount())
        if total == 0:
            return vectorOrCounter
        for key, value in vectorOrCounter.items():
            out[key] = value / total
        return out
    total = float(sum(vectorOrCounter))
    return vectorOrCounter if total == 0 else [v / total for v in vectorOrCounter]


def sample(distribution, values=None):
    """One draw from `distribution` (a list of probabilities with `values`, or a `Counter`)."""
    if isinstance(distribution, Counter):
        items = sorted(distribution.items())
        distribution, values = [i[1] for i in items], [i[0] for i in items]
    if sum(distribution) != 1:
        distribution = normalize(distribution)
    choice, i, total = random.random(), 0, distribution[0]
    while choice > total:
        i += 1
        total += distribution[i]
    return values[i]


def nSample(distribution, values, n: int) -> list:
    return [sample(distribution, values) for _ in range(n)]


def sampleFromCounter(ctr: Counter):
    return sample(ctr)


def chooseFromDistribution(distribution):
    """A draw from a `Counter` or a list of `(probability, value)` pairs."""
    if isinstance(distribution, (dict, Counter)):
        return sample(distribution)
    r, base = random.random(), 0.0
    for prob, element in distribution:
        base += prob
        if r <= base:
            return element
    return distribution[-1][1]


def getProbability(value, distribution, values) -> float:
    return sum(prob for prob, v in zip(distribution, values) if v == value)


def arrayInvert(array):
    return [list(column) for column in zip(*array)]


def matrixAsList(matrix, value=True) -> list:
    return [(x, y) for x, column in enumerate(matrix) for y, cell in enumerate(column) if cell == value]


def lookup(name: str, namespace: dict):
    """An object by `module.name` or by a name in `namespace`."""
    if "." in name:
        module_name, obj_name = name.rsplit(".", 1)
        return getattr(__import__(module_name), obj_name)
    if name in namespace:
        return namespace[name]
    raise Exception(f"{name} not found as a method or class")


def pause():
    input("<Press enter/return to continue>")


class TimeoutFunctionException(Exception):
    """Raised when a `TimeoutFunction` runs out of time."""


class TimeoutFunction:
    """Call `function` with a limit of `timeout` seconds (by `SIGALRM` where it can, as the contest does)."""

    def __init__(self, function: Callable, timeout: float):
        self.timeout, self.function = timeout, function

    def handle_timeout(self, signum, frame):
        raise TimeoutFunctionException()

    def __call__(self, *args, **kwargs):
        if not hasattr(signal, "SIGALRM"):
            return self.function(*args, **kwargs)
        old = signal.signal(signal.SIGALRM, self.handle_timeout)
        signal.setitimer(signal.ITIMER_REAL, self.timeout)
        try:
            return self.function(*args, **kwargs)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)


def __getattr__(name: str):
    raise missing("the contest module 'util'", name)
