"""Providers' own published material, installed as test data (never committed): `python -m tests.provider_data`.

`@octokit/webhooks-examples` holds real GitHub webhook payloads; the webhook tests are fed with
them. The tarball comes from the npm registry, pinned by version and checked against its sha512
integrity before it is unpacked under `.venv/test-data/`.
"""

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / ".venv" / "test-data"
PACKAGES = {
    "webhooks-examples": (
        "https://registry.npmjs.org/@octokit/webhooks-examples/-/webhooks-examples-7.6.1.tgz",
        "sha512-De6U3XB6O3DtCa7bKgCMzTHdeopqqZ6SNivMYJnK65ierKL1AnNIA0tkRYCRS7lwGT792d+Ps1WbfHlso6MynQ==",
        None,
    ),
    # GitHub's REST description with examples; only the api.github.com document is unpacked.
    "openapi": (
        "https://registry.npmjs.org/@octokit/openapi/-/openapi-23.0.2.tgz",
        "sha512-pV8M7L9GY23AybNvTmo2nyjmpmnt6+2sRE/tqr0ZLQcPS4lnw7u5eZGNmwRNkBC3D7gZXbFx5AHzLUVRBXGDhg==",
        "package/generated/api.github.com.json",
    ),
}


def package_dir(name: str) -> Path:
    return ROOT / name


def install(name: str) -> Path:
    """Download, verify and unpack one package (once)."""
    url, integrity, only = PACKAGES[name]
    target = package_dir(name)
    stamp = target / ".integrity"
    if stamp.exists() and stamp.read_text() == integrity:
        return target
    with urllib.request.urlopen(url, timeout=120) as response:  # a pinned https registry URL
        data = response.read()
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != integrity:
        raise SystemExit(f"{url}: integrity {digest} is not the pinned {integrity}")
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        members = [m for m in archive.getmembers() if only is None or m.name == only]
        archive.extractall(target, members=members, filter="data")
    stamp.write_text(integrity)
    return target


if __name__ == "__main__":
    for package in sys.argv[1:] or PACKAGES:
        print(f"test data: {install(package)}")
