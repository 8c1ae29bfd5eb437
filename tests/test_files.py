"""Files: atomic writes leave the old file or the new one, never a half-written or temporary file."""

from __future__ import annotations

from dreamzoom.files import atomic_json, atomic_write


def test_atomic_writes_leave_no_temporary_files(tmp_path):
    atomic_write(tmp_path / "a.bin", b"first")
    atomic_write(tmp_path / "a.bin", b"second")
    atomic_json(tmp_path / "b.json", {"x": 1})
    assert (tmp_path / "a.bin").read_bytes() == b"second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin", "b.json"]
