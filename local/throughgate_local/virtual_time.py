"""A virtual clock shared by moto's Step Functions interpreter and the handlers, plus quiescence.

moto runs each execution in daemon threads that really sleep in Wait states, Retry intervals and
callback waits. This module replaces those three points (see platform-facts.md) so that:

- a Wait until a timestamp blocks until the *virtual* clock reaches it, and `advance()` wakes it;
- a Retry interval passes at once (virtual time does not move inside one step);
- a `.waitForTaskToken` wait is tracked as "blocked", and its task's TimeoutSeconds (if any) is
  virtual too: `advance()` past it times the task out (States.Timeout), as on AWS.

It also hands out one turn: an execution runs only while the driver waits in `settle()` (or
`advance_to()`), one at a time, and `settle()` returns exactly when every execution has either ended
or is blocked on the clock or a task token. The driver then acts, and the whole simulation runs one
step at a time: deterministic for a seed, and free of moto's thread-safety limits.

Constraint this relies on: blocking states (Wait, `.waitForTaskToken`) sit on an execution's main
path, never inside Map or Parallel branches (tests/unit/test_workflow_definitions.py checks it).
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# The moto internals patched here; tests/integration/test_moto_canaries.py pins each one.
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
from moto.stepfunctions.parser.asl.component.state.wait.wait_function import timestamp as timestamp_mod
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint
from moto.stepfunctions.parser.asl.eval.environment import Environment
from moto.stepfunctions.parser.asl.eval.program_state import ProgramStopped
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

from throughgate import clock as app_clock


class SettleTimeout(RuntimeError):
    """Executions kept running without blocking: a workflow is looping or a handler hangs."""


@dataclass(eq=False)
class _Turn:
    """An execution's claim to run: new, or parked on the clock or on a task token."""

    wake: threading.Condition  # on the clock's lock: its thread alone waits here for the turn
    env: Any = None
    until: _dt.datetime | None = None  # a Wait's due time, a task token's timeout; None: neither
    callback: bool = False  # parked on a task token (its `until`, if any, is the task's TimeoutSeconds)
    seq: int = 0
    granted: bool = False  # its turn has come: its thread may go on


@dataclass
class VirtualClock:
    """UTC time that moves only when told to, and one turn: executions run one at a time, and only
    while the driver waits in `settle()` or `advance_to()`.

    An execution that becomes runnable (started, its Wait due, its task token answered) queues for
    the turn instead of running beside the driver, so no two threads ever act at once: the order of
    every request is fixed by the driver's, and a seed gives the same run however fast the machine."""

    now_utc: _dt.datetime
    _lock: threading.RLock = field(default_factory=threading.RLock)
    # The driver waits here for the running execution to give up the turn. Each parked execution
    # waits on its own turn's condition, so a handoff wakes one thread, not every parked one.
    _cond: threading.Condition = field(init=False)
    _parked: list[_Turn] = field(default_factory=list)
    _ready: deque[_Turn] = field(default_factory=deque)
    _running: _Turn | None = None
    _callbacks: dict[int, _Turn] = field(default_factory=dict)
    _arrivals: int = 0
    # Called (outside the lock) each time the clock has moved: the local stack carries out pending
    # effects there, as the reconciler's schedule and the table's stream would on AWS.
    on_moved: list[Callable[[], object]] = field(default_factory=list)
    # Something outside the interpreter due at a virtual time (EventBridge Scheduler's one-time
    # schedules): `next_due(moment)` names the earliest time at or before `moment` something is due
    # (None: nothing), and `fire_due()` runs what is due now. `advance_to` stops the clock at each
    # such time, fires it, and lets what it started run, before it goes on.
    alarms: list[tuple[Callable[[_dt.datetime], _dt.datetime | None], Callable[[], object]]] = field(
        default_factory=list
    )

    def __post_init__(self) -> None:
        self._cond = threading.Condition(self._lock)

    def _turn(self, env: Any = None, until: _dt.datetime | None = None) -> _Turn:
        return _Turn(threading.Condition(self._lock), env=env, until=until)

    def now(self) -> _dt.datetime:
        with self._cond:
            return self.now_utc

    # -- driver side -------------------------------------------------------------------------------
    def advance_to(self, moment: _dt.datetime, timeout_seconds: float = 60.0) -> None:
        """Move the clock forward, releasing each Wait (or task timeout) that falls due at its own
        time, one at a time, in (time, arrival) order, each run (with whatever it makes runnable)
        until all block. An alarm due on the way stops the clock at its time and fires there."""
        if moment < self.now():
            raise ValueError("the virtual clock only moves forward")
        while True:
            due = [d for next_due, _ in self.alarms if (d := next_due(moment)) is not None]
            if not due:
                break
            self._advance(max(min(due), self.now()), timeout_seconds)
            for _, fire in self.alarms:
                fire()
            self.settle(timeout_seconds)
        self._advance(moment, timeout_seconds)

    def _advance(self, moment: _dt.datetime, timeout_seconds: float) -> None:
        with self._cond:
            if moment < self.now_utc:
                raise ValueError("the virtual clock only moves forward")
            moved = moment > self.now_utc
            self._run_ready(timeout_seconds)
            while True:
                due = [t for t in self._parked if t.until is not None and t.until <= moment]
                if not due:
                    break
                first = min(due, key=lambda t: (t.until, t.seq))
                assert first.until is not None
                self.now_utc = max(self.now_utc, first.until)
                self._wake(first)
                self._run_ready(timeout_seconds)
            self.now_utc = moment
        if moved:
            for hook in self.on_moved:
                hook()
            self.settle(timeout_seconds)

    def advance(self, delta: _dt.timedelta) -> None:
        self.advance_to(self.now() + delta)

    def settle(self, timeout_seconds: float = 60.0) -> None:
        """Give the turn to each runnable execution in the order they became runnable, until every
        execution has ended or is blocked on the clock or a task token."""
        with self._cond:
            self._run_ready(timeout_seconds)

    @property
    def waiting_on_clock(self) -> int:
        with self._cond:
            return sum(1 for t in self._parked if t.until is not None and not t.callback)

    def _run_ready(self, timeout_seconds: float) -> None:
        while True:
            if not self._cond.wait_for(lambda: self._running is None, timeout=timeout_seconds):
                raise SettleTimeout(f"{1 + len(self._ready)} execution(s) still runnable")
            if not self._ready:
                return
            turn = self._ready.popleft()
            turn.granted = True
            self._running = turn
            turn.wake.notify()

    # -- interpreter side --------------------------------------------------------------------------
    def _wake(self, turn: _Turn) -> None:
        if turn in self._parked:
            self._parked.remove(turn)
            self._ready.append(turn)

    def execution_started(self) -> _Turn:
        """A new execution queues for its first turn; its thread waits in `take_first_turn`."""
        with self._cond:
            turn = self._turn()
            self._ready.append(turn)
            return turn

    def take_first_turn(self, turn: _Turn) -> None:
        with self._cond:
            turn.wake.wait_for(lambda: turn.granted)

    def execution_ended(self) -> None:
        with self._cond:
            self._running = None
            self._cond.notify_all()

    def block_until(self, env: Any, until: _dt.datetime) -> None:
        with self._cond:
            if until <= self.now_utc or not env.is_running():
                return
            self._park(self._turn(env=env, until=until))

    def block_on_callback(self, endpoint: CallbackEndpoint, timeout_seconds: float | None = None) -> None:
        """Park until the token is answered or, for a task with TimeoutSeconds, until the virtual
        clock passes its timeout (the caller then finds no outcome: the task times out)."""
        with self._cond:
            if endpoint._notify_event.is_set():
                return
            until = None
            if timeout_seconds is not None and timeout_seconds < TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS:
                until = self.now_utc + _dt.timedelta(seconds=timeout_seconds)
            turn = self._turn(until=until)
            turn.callback = True
            self._callbacks[id(endpoint)] = turn
            try:
                self._park(turn)
            finally:
                self._callbacks.pop(id(endpoint), None)

    def _park(self, turn: _Turn) -> None:
        """The running execution gives up the turn until it is woken and its turn comes again."""
        self._arrivals += 1
        turn.seq = self._arrivals
        self._parked.append(turn)
        self._running = None
        self._cond.notify_all()
        turn.wake.wait_for(lambda: turn.granted)

    def callback_notified(self, endpoint: CallbackEndpoint) -> None:
        with self._cond:
            turn = self._callbacks.get(id(endpoint))
            if turn is not None:
                self._wake(turn)

    def execution_stopped(self, env: Any) -> None:
        """Release whatever a stopped execution is blocked on, so that its thread ends (ABORTED)."""
        endpoints = {id(e) for e in env.callback_pool_manager._pool.values()}
        with self._cond:
            for turn in list(self._parked):
                if turn.env is env or _is_frame_of(turn.env, env):
                    self._wake(turn)
            for endpoint_id, turn in list(self._callbacks.items()):
                if endpoint_id in endpoints:
                    self._wake(turn)


def _is_frame_of(frame: Any, root: Any) -> bool:
    return any(frame is f for f in getattr(root, "_frames", ()))


class _NaiveUtcDatetime(_dt.datetime):
    """moto's timestamp Wait compares with naive local `datetime.now()`: give it virtual UTC."""

    _clock: VirtualClock | None = None

    @classmethod
    def now(cls, tz: _dt.tzinfo | None = None) -> _NaiveUtcDatetime:
        assert cls._clock is not None
        moment = cls._clock.now()
        moment = moment.astimezone(tz) if tz else moment.replace(tzinfo=None)
        return cls.combine(moment.date(), moment.timetz())


class _TimestampDatetimeModule:
    """Stands in for the `datetime` module inside moto's timestamp Wait."""

    datetime = _NaiveUtcDatetime
    timezone = _dt.timezone
    timedelta = _dt.timedelta


class _InstantTime:
    """Stands in for `time` inside moto's retrier: a Retry interval passes in no virtual time."""

    @staticmethod
    def sleep(_seconds: float) -> None:
        return None


_installed: dict[str, Any] = {}


def install(clock: VirtualClock) -> None:
    """Patch moto's interpreter and the app clock to use `clock`. Idempotent; `uninstall` reverts."""
    if _installed:
        uninstall()
    _NaiveUtcDatetime._clock = clock
    _installed.update(
        wait_interval=WaitFunction._wait_interval,
        timestamp_datetime=timestamp_mod.datetime,
        retrier_time=retrier_decl.time,
        callback_wait=CallbackEndpoint.wait,
        callback_notify=CallbackEndpoint.notify,
        callback_interrupt=CallbackEndpoint.interrupt_all,
        worker_start=ExecutionWorker.start,
        worker_logic=ExecutionWorker._execution_logic,
        worker_stop=ExecutionWorker.stop,
        env_set_error=Environment.set_error,
    )

    def wait_interval(self: WaitFunction, env: Any, wait_seconds: int) -> None:
        clock.block_until(env, clock.now() + _dt.timedelta(seconds=wait_seconds))

    original_wait = _installed["callback_wait"]
    original_notify = _installed["callback_notify"]
    original_interrupt = _installed["callback_interrupt"]
    original_start = _installed["worker_start"]
    original_logic = _installed["worker_logic"]
    original_stop = _installed["worker_stop"]

    def callback_wait(self: CallbackEndpoint, timeout: float | None = None) -> Any:
        clock.block_on_callback(self, timeout)
        return original_wait(self, timeout=0)

    def callback_notify(self: CallbackEndpoint, outcome: Any) -> None:
        original_notify(self, outcome)
        clock.callback_notified(self)

    def callback_interrupt(self: CallbackEndpoint) -> None:
        original_interrupt(self)
        clock.callback_notified(self)

    first_turns: dict[int, _Turn] = {}

    def worker_start(self: ExecutionWorker) -> None:
        first_turns[id(self)] = clock.execution_started()
        original_start(self)

    def worker_logic(self: ExecutionWorker) -> None:
        clock.take_first_turn(first_turns.pop(id(self)))
        try:
            original_logic(self)
        finally:
            clock.execution_ended()

    def worker_stop(self: ExecutionWorker, stop_date: Any, error: Any, cause: Any) -> None:
        original_stop(self, stop_date, error, cause)
        clock.execution_stopped(self.env)

    original_set_error = _installed["env_set_error"]

    def set_error(self: Environment, error: Any) -> None:
        # On AWS a stopped execution stays ABORTED; moto would let the released wait fail it.
        if not isinstance(self._program_state, ProgramStopped):
            original_set_error(self, error)

    Environment.set_error = set_error  # type: ignore[method-assign]
    WaitFunction._wait_interval = wait_interval  # type: ignore[method-assign]
    timestamp_mod.datetime = _TimestampDatetimeModule  # type: ignore[assignment]
    retrier_decl.time = _InstantTime  # type: ignore[assignment]
    CallbackEndpoint.wait = callback_wait  # type: ignore[method-assign]
    CallbackEndpoint.notify = callback_notify  # type: ignore[method-assign]
    CallbackEndpoint.interrupt_all = callback_interrupt  # type: ignore[method-assign]
    ExecutionWorker.start = worker_start  # type: ignore[method-assign]
    ExecutionWorker._execution_logic = worker_logic  # type: ignore[method-assign]
    ExecutionWorker.stop = worker_stop  # type: ignore[method-assign]
    app_clock.install(clock.now)


def uninstall() -> None:
    if not _installed:
        return
    WaitFunction._wait_interval = _installed["wait_interval"]  # type: ignore[method-assign]
    timestamp_mod.datetime = _installed["timestamp_datetime"]
    retrier_decl.time = _installed["retrier_time"]
    CallbackEndpoint.wait = _installed["callback_wait"]  # type: ignore[method-assign]
    CallbackEndpoint.notify = _installed["callback_notify"]  # type: ignore[method-assign]
    CallbackEndpoint.interrupt_all = _installed["callback_interrupt"]  # type: ignore[method-assign]
    ExecutionWorker.start = _installed["worker_start"]  # type: ignore[method-assign]
    ExecutionWorker._execution_logic = _installed["worker_logic"]  # type: ignore[method-assign]
    ExecutionWorker.stop = _installed["worker_stop"]  # type: ignore[method-assign]
    Environment.set_error = _installed["env_set_error"]  # type: ignore[method-assign]
    _installed.clear()
    app_clock.install(None)
