"""The console's secret key: signs session cookies, CSRF values and kiosk/embed tokens.

`I3PLAT_SECRET_KEY` wins (every replica of a deployment must share it); otherwise one is made
once and kept in the data dir (mode 0600), so restarts and all workers of one host agree.
Changing it signs everyone out and ends every token.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from i3plat.settings import Settings

KEY_FILENAME = "secret_key"
MIN_KEY_LENGTH = 32


class SecretKeyError(RuntimeError):
    """The secret key is unusable; the message says which source and why."""


def load_secret_key(settings: Settings) -> bytes:
    if settings.secret_key is not None:
        value = settings.secret_key.get_secret_value()
        if len(value) < MIN_KEY_LENGTH:
            raise SecretKeyError(f"I3PLAT_SECRET_KEY: must be at least {MIN_KEY_LENGTH} characters")
        return value.encode()
    return load_or_create_key_file(settings.data_dir / KEY_FILENAME)


def load_or_create_key_file(path: Path) -> bytes:
    """Create atomically (write a private temp file, then link it into place) so workers racing
    at start-up all end up reading the same key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
            with contextlib.suppress(FileExistsError):
                os.link(temp, path)
        finally:
            temp.unlink(missing_ok=True)
    mode = path.stat().st_mode & 0o777
    # group bits are allowed: Kubernetes' fsGroup adds them on volumes; others never
    if mode & 0o007:
        raise SecretKeyError(f"{path}: the secret key file must not be readable by others (mode {mode:o})")
    value = path.read_text().strip()
    if len(value) < MIN_KEY_LENGTH:
        raise SecretKeyError(f"{path}: the secret key is shorter than {MIN_KEY_LENGTH} characters")
    return value.encode()
