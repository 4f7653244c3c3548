"""Outside production, tokens are signed with a random key of the installation, never a
key from the source; it lives under DATA_DIR (mode 0600), so tokens survive restarts."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import jwt
import pytest

from entrypoints.http.app import create_app
from entrypoints.settings import PUBLISHED_JWT_SECRETS
from entrypoints.signing_key import SECRET_FILE, local_secret
from tests.support import make_settings

USER = {"user": {"username": "jake", "email": "jake@example.com", "password": "secret-pw-1"}}


def test_the_first_start_makes_a_private_random_key_and_later_starts_reuse_it(
    tmp_path: Path,
) -> None:
    first = local_secret(tmp_path / "data")
    again = local_secret(tmp_path / "data")
    elsewhere = local_secret(tmp_path / "other")

    key_file = tmp_path / "data" / SECRET_FILE
    assert first == again != elsewhere
    assert len(first) >= 48
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text().strip() == first
    assert sorted(p.name for p in key_file.parent.iterdir()) == [SECRET_FILE]


def test_workers_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: local_secret(tmp_path), range(32)))
    assert len(keys) == 1


def test_a_damaged_key_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / SECRET_FILE).write_text("\n")
    with pytest.raises(RuntimeError, match="delete it"):
        local_secret(tmp_path)


async def test_tokens_survive_a_restart_and_published_keys_sign_nothing(tmp_path: Path) -> None:
    settings = make_settings(storage="memory", jwt_secret=None, data_dir=str(tmp_path))
    first = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=first), base_url="http://t/api"
    ) as client:
        token = (await client.post("/users", json=USER)).json()["user"]["token"]

    restarted = create_app(settings)
    restarted.state.container.store.override(first.state.container.store())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=restarted), base_url="http://t/api"
    ) as client:
        assert (await client.get("/user", headers={"Authorization": f"Token {token}"})).is_success
        claims = jwt.decode(token, options={"verify_signature": False})
        for published in PUBLISHED_JWT_SECRETS:
            forged = jwt.encode(claims, published, algorithm="HS256")
            response = await client.get("/user", headers={"Authorization": f"Token {forged}"})
            assert response.status_code == 401
    assert (tmp_path / SECRET_FILE).exists()
