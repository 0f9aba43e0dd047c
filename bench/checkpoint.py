"""Checkpoint writes: `EnvState.save` (pydantic dump, temp file, fsync, rename, fsync of the
directory) of a realistic checkpoint, 1,000 times, on the real disk; the same on tmpfs
(/dev/shm) for reference. The split says where the time goes: serialising vs the durable write;
and a plain `write` + one `fsync` of the same bytes, interleaved with the saves, gives the
device's own floor (a save does two fsyncs: the file's and the directory's).

The checkpoint is the one a real demo run left (bench.engine_overhead copies it) when there is
one, else the state contract's golden checkpoint.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from bench.common import WORK_ROOT, emit_result, filesystem_of, scratch, summary
from vixens_tui.core.checkpoint.files import atomic_write
from vixens_tui.core.checkpoint.model import Checkpoint
from vixens_tui.core.checkpoint.store import EnvState
from vixens_tui.core.checkpoint.upgrade import upgrade

ROOT = Path(__file__).resolve().parents[1]


def load_realistic() -> tuple[Checkpoint, str]:
    real = WORK_ROOT / "realistic-checkpoint.json"
    source = real if real.exists() else ROOT / "state" / "golden" / "checkpoint-v1.json"
    data = json.loads(source.read_text())
    return Checkpoint.model_validate(upgrade(data)), str(source)


def fsync_floor(path: Path, data: bytes) -> float:
    """One write + one fsync of the same bytes, plain os calls: what the device costs."""
    began = time.perf_counter()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    return time.perf_counter() - began


def measure(root: Path, checkpoint: Checkpoint, writes: int) -> dict:
    state = EnvState(root, "dev").ensure()
    save: list[float] = []
    floor: list[float] = []
    dump: list[float] = []
    durable: list[float] = []
    data = checkpoint.model_dump_json(indent=2).encode()
    # Interleaved: a slow moment of the device hits both series alike.
    for _ in range(writes):
        began = time.perf_counter()
        state.save(checkpoint)
        save.append(time.perf_counter() - began)
        floor.append(fsync_floor(root / "floor.json", data))
    for _ in range(writes):
        began = time.perf_counter()
        data = checkpoint.model_dump_json(indent=2).encode()
        middle = time.perf_counter()
        atomic_write(state.checkpoint_path, data)
        ended = time.perf_counter()
        dump.append(middle - began)
        durable.append(ended - middle)
    return {
        "filesystem": filesystem_of(root),
        "save_ms": summary(save, 1000, 3),
        "one_write_one_fsync_ms": summary(floor, 1000, 3),
        "of_which_dump_ms": summary(dump, 1000, 3),
        "of_which_atomic_write_ms": summary(durable, 1000, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=1000)
    args = parser.parse_args()
    checkpoint, source = load_realistic()
    size = len(checkpoint.model_dump_json(indent=2).encode())
    disk = measure(scratch("checkpoint"), checkpoint, args.writes)
    result = {"writes": args.writes, "checkpoint": source, "bytes": size, "disk": disk}
    shm = Path("/dev/shm")
    if shm.is_dir():
        import tempfile

        with tempfile.TemporaryDirectory(dir=shm) as tmp:
            result["tmpfs"] = measure(Path(tmp), checkpoint, args.writes)
    emit_result(result)


if __name__ == "__main__":
    main()
