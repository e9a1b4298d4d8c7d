"""Interrupts that must be neither lost nor hang: the farm's file sink (its writer thread
never waits unbounded on a wake-up a signal may have swallowed: the producer is the main
thread, where SIGINT/SIGTERM land; abort leaves nothing under the output name, promptly),
and a signal whose handler runs where Python ignores exceptions."""
import threading
import time

import numpy as np
import pytest
import soundfile as sf

from test_startup import _plain_env  # a user's environment (no tests/site sitecustomize)
from workers.mixer import FileSink


def _sink(path):
    return FileSink(str(path), 8000, format="wav", subtype="32f", threaded=True)


def test_a_block_queued_without_its_wakeup_is_still_written(tmp_path):
    out = tmp_path / "o.wav"
    sink = _sink(out)
    block = np.full((2, 800), 0.25)
    sink.write(block, {}, {})
    # What an interrupted put() leaves: the item in the queue, the consumer not notified.
    with sink._queue.mutex:
        sink._queue.queue.append((np.full((2, 800), 0.5), {}))
        sink._queue.unfinished_tasks += 1
    sink.frames += 800
    sink.close()
    y, sr = sf.read(str(out))
    assert y.shape == (1600, 2)
    assert np.allclose(y[:800], 0.25) and np.allclose(y[800:], 0.5)


def _stale_waiter(sink):
    """What a KeyboardInterrupt inside Condition.notify() leaves (between releasing a waiter
    and removing it from the list; the woken consumer re-locks it): a stale, locked waiter
    at the head of the list, which absorbs the next notify, so the consumer's real waiter
    is never woken. This is how a SIGINT 0.94 s into a farm render hung it (drills, seed 1)."""
    time.sleep(0.2)  # the writer thread is waiting in get()
    stale = threading.Lock()
    stale.acquire()
    with sink._queue.mutex:
        sink._queue.not_empty._waiters.appendleft(stale)


def _bounded(fn, seconds=5.0):
    t = threading.Thread(target=fn, daemon=True)
    t.start()
    t.join(seconds)
    return not t.is_alive()


def test_close_survives_a_swallowed_wakeup(tmp_path):
    out = tmp_path / "o.wav"
    sink = _sink(out)
    _stale_waiter(sink)
    sink.write(np.full((2, 800), 0.25), {}, {})
    assert _bounded(sink.close), "close() hung on a swallowed wake-up"
    y, _ = sf.read(str(out))
    assert y.shape == (800, 2) and np.allclose(y, 0.25)


def test_abort_survives_a_swallowed_wakeup(tmp_path):
    sink = _sink(tmp_path / "o.wav")
    _stale_waiter(sink)
    assert _bounded(sink.abort), "abort() hung on a swallowed wake-up"
    assert list(tmp_path.iterdir()) == []


def test_abort_returns_promptly_and_leaves_no_file(tmp_path):
    out = tmp_path / "o.wav"
    sink = _sink(out)
    for _ in range(3):
        sink.write(np.zeros((2, 800)), {}, {})
    with sink._queue.mutex:  # a queued block whose wake-up was lost
        sink._queue.queue.append((np.zeros((2, 800)), {}))
    t0 = time.perf_counter()
    sink.abort()
    assert time.perf_counter() - t0 < 2.0
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == []
    assert not any(t.name == "phonon-writer" and t.is_alive() for t in threading.enumerate())


def test_an_interrupt_where_python_ignores_exceptions_is_kept(capsys):
    """A SIGINT whose handler runs inside a __del__ (or a weakref callback of the import
    system: the drills hit one 0.2 s into a farm run) cannot unwind from there; it is kept
    for the next check_interrupt() instead of being printed as "Exception ignored" and lost."""
    import os
    import signal

    import pytest

    from phonon.cli import check_interrupt, stop_on_signals

    class Dies:
        def __del__(self):
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):  # the handler runs at one of these bytecodes
                pass

    with stop_on_signals():
        Dies()  # collected at once: the handler raises inside __del__
        with pytest.raises(KeyboardInterrupt):
            check_interrupt()
    assert "Exception ignored" not in capsys.readouterr().err


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM", "SIGHUP"])
def test_a_signal_before_the_commands_handlers_is_exit_130_without_traceback(sig):
    """From phonon's first line in a `phonon`/`phonon-farm` process until the command's own
    handlers take over (the imports: numpy's or numba's would break into an ImportError, or
    print a traceback): exit 130, 'interrupted', nothing else."""
    import subprocess
    import sys
    code = ("import sys; sys.argv[0] = 'phonon-farm'\n"
            "import os, signal, time, phonon\n"
            f"os.kill(os.getpid(), signal.{sig}); time.sleep(10); print('not stopped')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                       env=_plain_env())
    assert r.returncode == 130, r.stderr
    assert "interrupted" in r.stderr and "Traceback" not in r.stderr and "not stopped" not in r.stdout


def test_a_library_import_keeps_pythons_own_handlers():
    import subprocess
    import sys
    code = "import signal, phonon; print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                       env=_plain_env())
    assert r.stdout.split() == ["True"], r.stderr
