"""Back up and restore everything the app keeps: the database and the stored files.

One archive, a plain `.tar`:

- `database.dump`: `pg_dump --format=custom` of the whole database (history tables,
  their append-only triggers, sequences and grants included);
- `files/<name>`: every file in the default storage (stored PDFs, cached pack parts,
  uploads waiting for confirmation, evidence files under `evidence/`), whatever the
  backend (local disk or S3), each streamed in and out a chunk at a time;
- `manifest.json`: when, and each file's size and SHA-256.

It is written to a temporary file beside the target and renamed into place, so a
backup that fails half-way never looks like a good one.

`backup_restore` loads an archive into a fresh, empty database and an empty storage:
`pg_restore` creates the tables, loads the rows with COPY and only then creates the
triggers, so the audit trail's triggers (which refuse UPDATE, DELETE and TRUNCATE, not
INSERT or COPY) are restored as they were and nothing edits history on the way. Run it
as the database owner (README "Deploying": least privilege), never the runtime role.
PostgreSQL only; `pg_dump` and `pg_restore` must be on the PATH.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.core.files.base import File
from django.core.files.storage import Storage

__all__ = ["BackupError", "Outcome", "backup_write", "backup_restore", "storage_names"]

DATABASE_MEMBER = "database.dump"
FILES_PREFIX = "files/"
MANIFEST_MEMBER = "manifest.json"
CHUNK_BYTES = 1024 * 1024


class BackupError(Exception):
    """The backup or restore cannot go ahead (and nothing was half done)."""


@dataclass
class Outcome:
    path: Path
    files: int
    bytes: int


def _pg_env(database: dict) -> dict:
    if "postgresql" not in database["ENGINE"]:
        raise BackupError("Backups need PostgreSQL (DATABASE_URL=postgres://...).")
    env = dict(os.environ)
    for setting, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if database.get(setting):
            env[variable] = str(database[setting])
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(f"{name} is not installed (apt-get install postgresql-client).")
    return path


def storage_names(storage: Storage, folder: str = "") -> list[str]:
    """Every file's name in a storage, folders walked."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return []
    prefix = f"{folder}/" if folder else ""
    names = [prefix + name for name in files]
    for sub in folders:
        names += storage_names(storage, prefix + sub)
    return sorted(names)


def backup_write(*, path: Path, database: dict, storage: Storage) -> Outcome:
    """Write the archive at `path` (atomically) and say what went in."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    env = _pg_env(database)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        with tempfile.TemporaryDirectory() as work:
            dump = Path(work) / DATABASE_MEMBER
            subprocess.run(  # noqa: S603 - pg_dump with our own arguments
                [_tool("pg_dump"), "--format=custom", "--file", str(dump)],
                env=env,
                check=True,
                capture_output=True,
            )
            manifest = {"made_at": datetime.datetime.now(datetime.UTC).isoformat(), "files": {}}
            total = 0
            with tarfile.open(temporary, "w") as archive:
                archive.add(dump, arcname=DATABASE_MEMBER)
                for name in storage_names(storage):
                    # Streamed, a chunk at a time: evidence files may be 20 MB each.
                    info = tarfile.TarInfo(FILES_PREFIX + name)
                    info.size = storage.size(name)
                    info.mtime = int(datetime.datetime.now(datetime.UTC).timestamp())
                    with storage.open(name, "rb") as stored:
                        hashing = _Hashing(stored)
                        archive.addfile(info, hashing)
                    manifest["files"][name] = {
                        "size": info.size,
                        "sha256": hashing.digest.hexdigest(),
                    }
                    total += info.size
                _add(archive, MANIFEST_MEMBER, json.dumps(manifest, indent=1).encode())
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
    except subprocess.CalledProcessError as error:
        raise BackupError(f"pg_dump failed: {error.stderr.decode(errors='replace')}") from error
    finally:
        Path(temporary).unlink(missing_ok=True)
    return Outcome(path=path, files=len(manifest["files"]), bytes=total)


class _Hashing:
    """A file read through, its SHA-256 worked out on the way."""

    def __init__(self, raw):
        self.raw = raw
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        return data


def _digest(member) -> str:
    hashing = _Hashing(member)
    while hashing.read(CHUNK_BYTES):
        pass
    return hashing.digest.hexdigest()


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.datetime.now(datetime.UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def backup_restore(*, path: Path, database: dict, storage: Storage, tables: list[str]) -> Outcome:
    """Load an archive into an empty database (`tables`: what it holds now) and storage."""
    env = _pg_env(database)
    if tables:
        raise BackupError(
            f"The database {database['NAME']!r} is not empty ({len(tables)} tables): "
            "restore into a fresh one (createdb), then point DATABASE_URL at it."
        )
    if storage_names(storage):
        raise BackupError("The storage is not empty: restore into a fresh folder or bucket.")
    with tarfile.open(path, "r") as archive:
        manifest = json.loads(archive.extractfile(MANIFEST_MEMBER).read())
        _check_files(archive, manifest)
        with tempfile.TemporaryDirectory() as work:
            dump = Path(work) / DATABASE_MEMBER
            with archive.extractfile(DATABASE_MEMBER) as source, open(dump, "wb") as target:
                shutil.copyfileobj(source, target)
            try:
                subprocess.run(  # noqa: S603 - pg_restore with our own arguments
                    [
                        _tool("pg_restore"),
                        "--no-owner",  # the restoring role (the owner) owns what it makes
                        "--exit-on-error",
                        "--single-transaction",
                        "--dbname",
                        database["NAME"],
                        str(dump),
                    ],
                    env=env,
                    check=True,
                    capture_output=True,
                )
            except subprocess.CalledProcessError as error:
                message = error.stderr.decode(errors="replace")
                raise BackupError(f"pg_restore failed (nothing was loaded): {message}") from error
        total = 0
        for name, expected in manifest["files"].items():
            member = archive.extractfile(FILES_PREFIX + name)
            streamed = File(member, name=name)
            streamed.size = expected["size"]
            saved = storage.save(name, streamed)
            if saved != name:
                raise BackupError(f"The storage renamed {name!r} to {saved!r}.")
            total += expected["size"]
    return Outcome(path=Path(path), files=len(manifest["files"]), bytes=total)


def _check_files(archive: tarfile.TarFile, manifest: dict) -> None:
    """Every file the manifest lists is in the archive, unchanged: else restore nothing."""
    for name, expected in manifest["files"].items():
        if name.startswith("/") or ".." in name.split("/"):
            raise BackupError(f"Refusing a file outside the storage: {name!r}.")
        member = archive.extractfile(FILES_PREFIX + name)
        if _digest(member) != expected["sha256"]:
            raise BackupError(f"The archive's copy of {name!r} is damaged.")
