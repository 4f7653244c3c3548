"""The key tokens are signed with: JWT_SECRET, or outside production a random key of this
installation, kept under DATA_DIR so that tokens survive restarts.

There is no default key in the source: anyone who reads a repository can sign tokens with
a key written in it, for any user of any instance that runs with it.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from entrypoints.settings import JWT_SECRET_MIN_LENGTH, Settings

SECRET_FILE = "jwt-secret"


def jwt_secret(settings: Settings) -> str:
    """JWT_SECRET when set (production refuses to start without it), else the local key."""
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    return local_secret(Path(settings.data_dir))


def local_secret(data_dir: Path) -> str:
    """The key in `data_dir/jwt-secret` (mode 0600), created on first use.

    Workers starting together may all find it missing: each writes a candidate to a file of
    its own and links it into place, which only the first one manages; everyone then reads
    the one that won.
    """
    path = data_dir / SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(prefix=f".{SECRET_FILE}.", dir=data_dir)  # 0600
        candidate = Path(name)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48) + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    secret = path.read_text(encoding="utf-8").strip()
    if len(secret) < JWT_SECRET_MIN_LENGTH:
        raise RuntimeError(f"{path} holds no usable key: delete it and a new one is made")
    return secret
