"""workers.shm: segments with headers, untracked attach, stale cleanup, SPSC rings."""
import multiprocessing as mp
import os
from multiprocessing import shared_memory

import numpy as np
import pytest

from workers import shm

pytestmark = pytest.mark.timeout(60)


def test_segment_header_and_name():
    seg = shm.Segment.create((3, 4))
    try:
        assert seg.name.startswith(f"phonon_{os.getpid()}_")
        seg.array[:] = np.arange(12).reshape(3, 4)
        other = shm.Segment.attach(seg.name)
        assert other.shape == (3, 4) and other.dtype == np.float64
        assert np.array_equal(other.array, seg.array)
        other.close()
    finally:
        seg.unlink()
    assert seg.name not in shm.live_segments()


def _child_attach(name, q):
    seg = shm.Segment.attach(name)
    seg.array[0] = 42.0
    seg.close()
    q.put("ok")


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_worker_attach_is_untracked(method):
    """A worker that attaches and exits must not make the resource tracker unlink the
    parent's segment (nor, under fork, drop the parent's registration)."""
    ctx = mp.get_context(method)
    seg = shm.Segment.create((4,))
    try:
        q = ctx.Queue()
        p = ctx.Process(target=_child_attach, args=(seg.name, q))
        p.start()
        assert q.get(timeout=30) == "ok"
        p.join(30)
        assert seg.name in shm.live_segments()
        assert seg.array[0] == 42.0
    finally:
        seg.unlink()


def test_remove_stale_removes_dead_owner_only():
    dead = 4_000_000  # above pid_max defaults: no such process
    s = shared_memory.SharedMemory(name=f"phonon_{dead}_1", create=True, size=64)
    s.close()
    mine = shm.Segment.create((2,))
    try:
        removed = shm.remove_stale()
        assert f"phonon_{dead}_1" in removed
        assert mine.name in shm.live_segments()
    finally:
        mine.unlink()
        try:
            shared_memory.SharedMemory(name=f"phonon_{dead}_1").unlink()
        except FileNotFoundError:
            pass


def _producer(handle, items, space, total, block):
    ring = shm.Ring.attach(handle, items, space)
    pos = 0
    while pos < total:
        n = min(block, total - pos)
        ring.write(np.vstack([np.arange(pos, pos + n), -np.arange(pos, pos + n)]).astype(float))
        pos += n
    ring.close()


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_ring_spsc_across_processes(method):
    ctx = mp.get_context(method)
    ring = shm.Ring.create(2, 1000, ctx)
    try:
        total = 25_013
        p = ctx.Process(target=_producer, args=(ring.handle(), ring.items, ring.space, total, 333))
        p.start()
        out = np.empty((2, total))
        pos = 0
        for n in (1, 999, 1000, 4000, 7):  # reads larger than the ring, and tiny ones
            ring.read_into(out[:, pos:pos + n])
            pos += n
        ring.read_into(out[:, pos:])
        p.join(30)
        assert np.array_equal(out[0], np.arange(total)) and np.array_equal(out[1], -np.arange(total))
        assert ring.read == ring.written == total
    finally:
        ring.unlink()
