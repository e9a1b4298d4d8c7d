"""Streaming audio file output (soundfile): WAV or FLAC, 16/24-bit integer or 32-bit float.

    with AudioWriter("out.wav", 44100, channels=2, subtype="24") as w:
        for block in blocks:          # float64 (channels, n)
            w.write(block)
    print(w.peak_dbfs, w.rms_dbfs, w.clipped)

The file is written under a temporary name in the destination directory
(`.{name}.partial-{pid}`) and renamed into place (after fsync) only when the
`with` body finishes without an exception; on an exception or `abort()` the
temporary file is deleted, so a failed render never leaves a file under the
output name. There is no hidden clamp: integer formats clip only where the format
must, and `clipped` counts the samples that did (|x| > 1).

Hostile outputs (see README "Limits and bad input"): an output that exists and is not a
regular file (a device, a directory, a socket) is refused; a symbolic link is written
through (its target is replaced, the link stays; the target must be a regular file or
absent); the folder must take a new file (`check_output` probes it before rendering).
A non-finite sample is never written (NonFiniteError names the time of the first one).
A disk-full or other write error is a RenderError naming the file, and no file is left.
A WAV whose data would pass 4 GiB is written as RF64 (give `frames` to decide up front).
Float WAVs carry no PEAK chunk (libsndfile stamps it with the time of writing: two
identical renders would differ); an RF64 float file keeps one (libsndfile will not drop
it) with its timestamp cleared; so identical renders give identical bytes. WAV and RF64
samples are encoded by `phonon.pcm` (libsndfile's conversion, byte for byte, 4x faster).
Temporary files of runs whose process is gone (`.NAME.partial-PID`) are removed.
"""
from __future__ import annotations

import errno
import math
import os
import re
import sys
import tempfile
from typing import Optional

import numpy as np

from .errors import NonFiniteError, RenderError  # noqa: F401  (NonFiniteError re-exported)
from .formats import FORMATS, SUBTYPES  # noqa: F401  (the one table of output formats)


class AudioFormatError(RenderError):
    """An output format / bit depth combination that cannot be written."""


class OutputError(RenderError):
    """An output path that cannot take the file (device, directory, unwritable folder, full disk)."""


SAMPLE_BYTES = {"16": 2, "24": 3, "32f": 4}
WAV_LIMIT = 0xFFFFFFFF - (1 << 16)  # RIFF sizes are 32-bit: past this, the data size wraps
FLAC_RATIO = 0.6  # the free-space check's guess of a FLAC file's size over its PCM size
PARTIAL_RE = re.compile(r"^\.(.+)\.partial-(\d+)$")  # the writer's temporary names
SFC_SET_ADD_PEAK_CHUNK = 0x1050  # libsndfile's sf_command: PEAK chunk (with a timestamp) on/off


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_partials(folder: str, name: Optional[str] = None) -> list:
    """Delete `.NAME.partial-PID` files (of output `name`, or of any output) whose writing
    process is gone (a killed render, farm or worker); returns the names removed."""
    out = []
    try:
        names = os.listdir(folder or ".")
    except OSError:
        return out
    for n in names:
        m = PARTIAL_RE.match(n)
        if m and (name is None or m.group(1) == name) and int(m.group(2)) != os.getpid() \
                and not pid_alive(int(m.group(2))):
            try:
                os.unlink(os.path.join(folder or ".", n))
                out.append(n)
            except OSError:
                pass
    return out


def resolve_output(path: str) -> str:
    """The absolute path a render writes: a symbolic link is followed to its target."""
    return os.path.realpath(os.path.abspath(path))


def check_output(path: str, what: str = "output") -> str:
    """Refuse, before rendering, an output that cannot take the file: an existing path that
    is not a regular file (after following symbolic links), a missing folder, a folder that
    does not take a new file (probed: read-only file systems and permissions alike).
    Returns the path to write (a link's target)."""
    real = resolve_output(path)
    shown = path if real == os.path.abspath(path) else f"{path} (a link to {real})"
    if os.path.lexists(real):
        if os.path.isdir(real):
            raise OutputError(f"{what} '{shown}' is a directory",
                              hint="give a file name, e.g. out.wav")
        if not os.path.isfile(real):
            raise OutputError(f"{what} '{shown}' exists and is not a regular file (a device, "
                              "socket or pipe); refusing to replace it",
                              hint="give a new file name or a regular file to overwrite")
    check_folder(os.path.dirname(real), what)
    return real


def check_folder(d: str, what: str = "output") -> None:
    """The folder exists and takes a new file (a probe file is created and removed)."""
    if not os.path.exists(d):
        raise OutputError(f"{what} directory '{d}' does not exist")
    if not os.path.isdir(d):
        raise OutputError(f"{what} directory '{d}' is not a directory")
    from .signals import signals_deferred
    with signals_deferred():  # an interrupt never leaves the probe file behind
        try:
            fd, probe = tempfile.mkstemp(prefix=".phonon-probe-", dir=d)
        except OSError as e:
            raise OutputError(f"{what} directory '{d}' is not writable: {e.strerror}") from None
        os.close(fd)
        os.unlink(probe)


def estimated_bytes(frames: int, channels: int, subtype: str, format: str = "wav") -> int:
    """The size of the file a render writes (WAV exact but for the header; FLAC a guess)."""
    pcm = int(frames) * channels * SAMPLE_BYTES[subtype]
    return int(pcm * FLAC_RATIO) if format == "flac" else pcm + 4096


def check_free_space(files) -> None:
    """`files`: [(path, estimated bytes)]. Refuse before rendering when the files written
    to one file system would not fit in its free space."""
    import shutil
    need: dict = {}
    for path, nbytes in files:
        d = os.path.dirname(resolve_output(path))
        dev = os.stat(d).st_dev
        need.setdefault(dev, [d, 0])[1] += int(nbytes)
    for d, nbytes in need.values():
        free = shutil.disk_usage(d).free
        if nbytes > free:
            raise OutputError(f"not enough free space in '{d}': the render needs about "
                              f"{_size(nbytes)}, {_size(free)} free",
                              hint="free some space, write elsewhere, or render fewer cycles")


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000.0
    return f"{n} bytes"


def _db(x: float) -> float:
    return 20.0 * math.log10(x) if x > 0 else float("-inf")


def _raw_write(f, buf: np.ndarray, nbytes: int) -> None:
    """Append `nbytes` of encoded samples to soundfile `f` (libsndfile's sf_write_raw); a
    short write raises OSError with the system's errno (disk full: ENOSPC), else
    RuntimeError with libsndfile's message."""
    import soundfile as sf
    sf._ffi.errno = 0
    done = sf._snd.sf_write_raw(f._file, sf._ffi.from_buffer(buf), nbytes)
    if done != nbytes:
        code = sf._ffi.errno
        if code:
            raise OSError(code, os.strerror(code))
        raise RuntimeError(f"wrote {done} of {nbytes} bytes")


WRITEBACK_BYTES = 8 << 20  # ask the kernel to start writing the file to disk every 8 MB
_SYNC_FILE_RANGE_WRITE = 2


def _libc_sync_file_range():
    """libc's sync_file_range (Linux), or None."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        f = libc.sync_file_range
    except (OSError, AttributeError):
        return None
    f.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
    f.restype = ctypes.c_int
    return f


class Writeback:
    """Starts the disk writes of a file being written, as it grows, so that the fsync at its
    close waits for the last few megabytes instead of the whole file (the kernel otherwise
    keeps a file of a few hundred MB in memory until then: 0.13-0.16 s of fsync for a
    600 s stereo 24-bit render here, after the render). `sync_file_range(WRITE)` only
    starts the writes (it does not wait for them); where it is missing this does nothing."""

    _fn = None

    def __init__(self, path: str):
        if Writeback._fn is None:
            Writeback._fn = _libc_sync_file_range() or False
        self.fd = os.open(path, os.O_RDONLY) if Writeback._fn else -1
        self.pending = 0

    def wrote(self, nbytes: int) -> None:
        self.pending += nbytes
        if self.fd >= 0 and self.pending >= WRITEBACK_BYTES:
            self.pending = 0
            Writeback._fn(self.fd, 0, 0, _SYNC_FILE_RANGE_WRITE)  # the whole file's dirty pages

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def clear_peak_timestamp(path: str) -> None:
    """Zero the timestamp of a float file's PEAK chunk ("PEAK", size, version, timestamp,
    then per channel: peak value, its frame), so identical renders give identical bytes."""
    with open(path, "r+b") as f:
        head = f.read(4096)
        i = head.find(b"PEAK")
        end = head.find(b"data")
        if 0 <= i < end and i + 16 <= len(head):
            f.seek(i + 12)
            f.write(b"\0\0\0\0")


class AudioWriter:
    def __init__(self, path: str, sr: int, channels: int = 2, format: str = "wav",
                 subtype: str = "24", frames: Optional[int] = None, what: str = "output"):
        format = format.lower()
        if format not in FORMATS:
            raise AudioFormatError(f"audio format '{format}' not supported; use wav or flac")
        if subtype not in SUBTYPES:
            raise AudioFormatError(f"{format}: bit depth {subtype} not supported; use 16, 24 or 32f")
        if format == "flac" and subtype == "32f":
            raise AudioFormatError("flac: bit depth 32f not supported; use 16 or 24")
        if channels not in (1, 2):
            raise AudioFormatError(f"channels: got {channels}; expected 1 or 2")
        self.path = check_output(path, what)  # a link's target; refuses devices, folders
        self.sr = int(sr)
        self.channels = channels
        self.format = format
        self.subtype = subtype
        d, name = os.path.split(self.path)
        remove_stale_partials(d, name)
        self.temp_path = os.path.join(d, f".{name}.partial-{os.getpid()}")
        self._integer = subtype != "32f"
        self._peak = 0.0
        self._sumsq = 0.0
        self._clipped = 0
        self._frames = 0
        self._closed = False
        # RIFF sizes are 32-bit: a WAV whose data passes 4 GiB is RF64 (same samples, 64-bit sizes)
        self.container = format.upper()
        if format == "wav" and frames is not None and \
                estimated_bytes(frames, channels, subtype) > WAV_LIMIT:
            self.container = "RF64"
        # a plain WAV never wraps its header: past 4 GiB of data it is an error, not a bad file
        self._max_frames = (WAV_LIMIT - 4096) // (channels * SAMPLE_BYTES[subtype]) \
            if self.container == "WAV" else None
        # WAV/RF64 data is little-endian PCM or float: phonon.pcm encodes it (libsndfile's
        # own conversion, 4x faster) and libsndfile writes it raw; FLAC it encodes itself.
        # An RF64 float file keeps a PEAK chunk whatever we ask (libsndfile 1.2), so
        # libsndfile writes those floats (it fills the chunk's peaks) and close() clears the
        # chunk's timestamp, the one field that would differ between identical renders.
        pcm_host = self.container in ("WAV", "RF64") and sys.byteorder == "little"
        self._width = SAMPLE_BYTES[subtype] if pcm_host else 0
        self._raw = pcm_host and not (self.container == "RF64" and subtype == "32f")
        self._buf = None
        self._file = None
        import soundfile as sf
        try:  # from here the temporary file may exist: any exception (a signal too) removes it
            try:
                self._file: Optional[sf.SoundFile] = sf.SoundFile(
                    self.temp_path, mode="w", samplerate=self.sr, channels=channels,
                    format=self.container, subtype=SUBTYPES[subtype])
            except (OSError, RuntimeError) as e:
                raise self._io_error(e, None) from None
            if subtype == "32f":  # no PEAK chunk: libsndfile writes the time of writing into it
                sf._snd.sf_command(self._file._file, SFC_SET_ADD_PEAK_CHUNK, sf._ffi.NULL, 0)
            self._writeback = Writeback(self.temp_path)
        except BaseException:
            if self._file is not None:
                try:
                    self._file.close()
                except Exception:  # noqa: BLE001
                    pass
                self._file = None
            self._remove_temp()
            raise

    # -- writing ------------------------------------------------------------------------------
    def write(self, block: np.ndarray) -> None:
        """Append a float64 (channels, n) block (a 1-D array is one mono block)."""
        x = self._block(block)
        if x is None:
            return
        self._buf, nbytes = self._encode(x, self._buf)
        if self._raw:
            self.write_encoded(self._buf, nbytes)
            return
        try:
            if self._width == 4:  # RF64 float: interleaved float32 for libsndfile to write
                self._file.write(self._buf[:nbytes].view(np.float32).reshape(x.shape[1], x.shape[0]))
            else:  # FLAC: libsndfile encodes
                self._file.write(x.T)
        except (OSError, RuntimeError) as e:
            raise self._io_error(e, self._file) from None
        self._writeback.wrote(nbytes or x.size * 3)

    # Writing in two steps, for a caller that encodes in one thread and writes in another (the
    # farm's mixer encodes straight from a shared-memory slot it is about to reuse, and its
    # writer thread does the system calls): only for raw files (WAV, RF64 integer).
    @property
    def raw(self) -> bool:
        return self._raw

    def encode(self, block: np.ndarray, buf: Optional[np.ndarray] = None):
        """Account a block (statistics, frame count, the non-finite check) and encode it into
        `buf` (reused when large enough): returns (buf, nbytes) for `write_encoded`, or None
        for an empty block. Blocks must be written in the order they were encoded."""
        if not self._raw:
            raise RenderError(f"'{self.path}': encode() is for raw WAV/RF64 files; use write()")
        x = self._block(block)
        return None if x is None else self._encode(x, buf)

    def write_encoded(self, buf: np.ndarray, nbytes: int) -> None:
        if self._file is None:
            raise RenderError(f"write to closed audio file '{self.path}'")
        try:
            _raw_write(self._file, buf, nbytes)
        except (OSError, RuntimeError) as e:
            raise self._io_error(e, self._file) from None
        self._writeback.wrote(nbytes)

    def _block(self, block: np.ndarray) -> Optional[np.ndarray]:
        if self._file is None:
            raise RenderError(f"write to closed audio file '{self.path}'")
        x = np.asarray(block, dtype=np.float64)
        if x.ndim == 1:
            x = x[None, :]
        if x.shape[0] != self.channels:
            raise ValueError(f"block has {x.shape[0]} channels; the file has {self.channels}")
        return x if x.shape[1] else None

    def _encode(self, x: np.ndarray, buf: Optional[np.ndarray]):
        from .pcm import CLIPPED, NONFINITE, PEAK, SUMSQ, encode_block
        # one compiled pass: the statistics, and the file's sample bytes where they are raw
        # PCM/float (WAV, RF64), byte for byte what libsndfile's conversion writes
        buf, nbytes, st = encode_block(x, self._width, buf)
        if st[NONFINITE]:  # NaN or inf: refuse the whole file
            self._nonfinite(x)
        if self._max_frames is not None and self._frames + x.shape[1] > self._max_frames:
            raise OutputError(f"'{self.path}': a WAV file cannot hold more than 4 GiB",
                              hint="give the writer the frame count (it then writes RF64)")
        self._peak = max(self._peak, float(st[PEAK]))
        self._sumsq += float(st[SUMSQ])
        if self._integer:
            self._clipped += int(st[CLIPPED])
        self._frames += x.shape[1]
        return buf, nbytes

    def _nonfinite(self, x: np.ndarray) -> None:
        bad = ~np.isfinite(x)
        col = int(np.flatnonzero(bad.any(axis=0))[0])
        v = float(x[np.flatnonzero(bad[:, col])[0], col])
        frame = self._frames + col
        t = frame / self.sr
        raise NonFiniteError(
            f"non-finite sample ({NonFiniteError.kind(v)}) "
            f"at {t:.6f} s (frame {frame}) in '{self.path}'; nothing was written", seconds=t,
            hint="a feedback, division or huge gain blew up; lower it (or bound it with clip)")

    def _io_error(self, e: BaseException, f) -> OutputError:
        """A write error as a user-facing message naming the file (disk full above all)."""
        code = getattr(e, "errno", None)
        text = getattr(e, "strerror", None) or str(e)
        if f is not None and not isinstance(e, OSError):  # libsndfile keeps the system's text
            try:
                import soundfile as sf
                text = sf._ffi.string(sf._snd.sf_strerror(f._file)).decode("utf-8", "replace")
            except Exception:  # noqa: BLE001
                pass
            text = text.removeprefix("System error : ").rstrip(".")
        if code == errno.ENOSPC or "no space left" in text.lower():
            return OutputError(f"no space left on device writing {self.path}",
                               hint="free some space or write elsewhere; no file was left")
        return OutputError(f"cannot write {self.path}: {text}")

    # -- finishing ----------------------------------------------------------------------------
    def close(self) -> None:
        """Finish the file: flush, fsync and rename it into place."""
        if self._closed:
            return
        f = self._file
        self._file = None
        self._writeback.close()
        try:
            try:
                f.flush()
                f.close()
            except (OSError, RuntimeError) as e:
                raise self._io_error(e, None) from None
            if self.container == "RF64" and self.subtype == "32f":
                clear_peak_timestamp(self.temp_path)
            fd = os.open(self.temp_path, os.O_RDONLY)
            try:
                os.fsync(fd)
            except OSError as e:
                raise self._io_error(e, None) from None
            finally:
                os.close(fd)
            os.replace(self.temp_path, self.path)
        except BaseException:
            self._remove_temp()
            raise
        self._closed = True

    def abort(self) -> None:
        """Discard everything written: no file is left under the output name."""
        if self._closed:
            return
        f = self._file
        self._file = None
        self._writeback.close()
        if f is not None:
            try:
                f.close()
            except Exception:
                pass
        self._remove_temp()
        self._closed = True

    def _remove_temp(self) -> None:
        try:
            os.unlink(self.temp_path)
        except FileNotFoundError:
            pass

    def __enter__(self) -> "AudioWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            self.close()
        else:
            self.abort()
        return False

    # -- statistics ---------------------------------------------------------------------------
    @property
    def frames(self) -> int:
        return self._frames

    @property
    def peak(self) -> float:
        """Largest |sample| written (a non-finite sample is refused before it counts)."""
        return self._peak

    @property
    def peak_dbfs(self) -> float:
        return _db(self._peak)

    @property
    def rms(self) -> float:
        n = self._frames * self.channels
        return math.sqrt(self._sumsq / n) if n else 0.0

    @property
    def rms_dbfs(self) -> float:
        """RMS over every sample of every channel, in dBFS (a full-scale sine is -3.01)."""
        return _db(self.rms)

    @property
    def clipped(self) -> int:
        """Samples (counting each channel) beyond full scale that an integer format clipped."""
        return self._clipped


def read_audio(path: str) -> tuple[np.ndarray, int]:
    """A file as ((channels, frames) float64, sample rate)."""
    import soundfile as sf
    data, sr = sf.read(path, dtype="float64", always_2d=True)
    return np.ascontiguousarray(data.T), sr
