"""The requirements files are complete locks with hashes: everything the declared dependencies need,
down to the last transitive one, is pinned and hashed, at the version installed here; and the
runtime, test and LDAP locks agree on every package they share. `make lock` writes them."""

import re
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
LOCKS = {"requirements.txt": "requirements.in", "requirements-test.txt": "requirements-test.in",
         "requirements-ldap.txt": "requirements-ldap.in"}  # fmt: skip
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)")


def pins(lock: str) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes)"""
    found: dict[str, tuple[str, int]] = {}
    name = None
    for line in (REPO / lock).read_text().splitlines():
        if match := PIN.match(line):
            name = canonicalize_name(match.group(1))
            found[name] = (match.group(2), 0)
        elif name and line.strip().startswith("--hash=sha256:"):
            version, hashes = found[name]
            found[name] = (version, hashes + 1)
    return found


def declared(source: str) -> list[Requirement]:
    """The requirements of a .in file, following -r (not -c: a constraint asks for nothing)."""
    found = []
    for raw in (REPO / source).read_text().splitlines():
        line = raw.split("#")[0].strip()
        if line.startswith("-r "):
            found += declared(line[3:].strip())
        elif line and not line.startswith("-"):
            found.append(Requirement(line))
    return found


def closure(requirements: list[Requirement]) -> dict[str, set[str]]:
    """Every distribution the requirements need (name -> extras asked of it), read from the installed
    packages' metadata with their markers evaluated, extras included."""
    needed: dict[str, set[str]] = {}
    queue = list(requirements)
    while queue:
        requirement = queue.pop()
        name = canonicalize_name(requirement.name)
        extras = set(requirement.extras)
        if name in needed and extras <= needed[name]:
            continue
        needed.setdefault(name, set()).update(extras)
        for text in metadata.requires(name) or []:
            nested = Requirement(text)
            if nested.marker is None or any(
                nested.marker.evaluate({"extra": extra}) for extra in (needed[name] or {""})
            ):
                queue.append(nested)
    return needed


@pytest.mark.parametrize("lock", ["requirements.txt", "requirements-test.txt"])
def test_every_dependency_is_pinned_hashed_and_installed_at_its_pin(lock):
    locked = pins(lock)
    missing = sorted(set(closure(declared(LOCKS[lock]))) - set(locked))
    assert missing == [], f"{lock} forgot {missing}: run `make lock`"
    unhashed = sorted(name for name, (_version, hashes) in locked.items() if hashes == 0)
    assert unhashed == []
    stale = {name: (version, metadata.version(name)) for name, (version, _h) in locked.items()
             if metadata.version(name) != version}  # fmt: skip
    assert stale == {}, "the venv differs from the lock: make install-test"


def test_the_ldap_lock_is_complete_where_ldap_is_installed():
    try:
        metadata.version("django-auth-ldap")
    except metadata.PackageNotFoundError:
        pytest.skip("LDAP sign-in is not installed here (make install-ldap)")
    locked = pins("requirements-ldap.txt")
    assert sorted(set(closure(declared("requirements-ldap.in"))) - set(locked)) == []
    assert all(hashes for _version, hashes in locked.values())


def test_the_locks_agree_on_every_package_they_share():
    runtime, test, ldap = pins("requirements.txt"), pins("requirements-test.txt"), pins("requirements-ldap.txt")
    assert set(runtime) <= set(test)
    for other in (test, ldap):
        assert {name: runtime[name][0] for name in runtime.keys() & other.keys()} == {
            name: other[name][0] for name in runtime.keys() & other.keys()
        }
