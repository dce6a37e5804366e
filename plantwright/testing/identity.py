"""Real identity providers for the sign-in tests: npm oidc-provider (plantwright/testing/oidc) and
Debian's slapd with a throwaway directory built per run. Skipped locally when missing; in CI a
missing one fails (`make test` installs both)."""

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from plantwright.testing.processes import REPO, free_port, wait_for

OIDC_DIR = REPO / "plantwright" / "testing" / "oidc"
SLAPD = "/usr/sbin/slapd"


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing; `make test` installs it.")
    pytest.skip(f"{what} is missing (make install-test installs it)")


class OidcProvider:
    """oidc-provider on a free port, with one confidential client for Plantwright at `web_url`."""

    client_id = "plantwright"
    client_secret = "test-only-client-secret-0123456789"

    def __init__(self, web_url: str, accounts: dict[str, dict]):
        if not (shutil.which("node") and (OIDC_DIR / "node_modules" / "oidc-provider").is_dir()):
            _missing("node with plantwright/testing/oidc/node_modules (npm ci)")
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.folder = Path(tempfile.mkdtemp(prefix="oidc-"))
        self.accounts_file = self.folder / "accounts.json"
        self.set_accounts(accounts)
        self.log = (self.folder / "provider.log").open("w")
        self.process = subprocess.Popen(
            ["node", str(OIDC_DIR / "server.mjs")],
            env={
                **os.environ,
                "OIDC_PORT": str(self.port),
                "OIDC_ACCOUNTS": str(self.accounts_file),
                "OIDC_CLIENT_ID": self.client_id,
                "OIDC_CLIENT_SECRET": self.client_secret,
                "OIDC_REDIRECT_URI": f"{web_url}/oidc/callback/",
                "OIDC_POST_LOGOUT_URI": f"{web_url}/login/",
            },
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for(lambda: "listening on" in self.output() or self.process.poll() is not None, timeout=20,
                 what="oidc-provider to listen")  # fmt: skip
        if self.process.poll() is not None:
            raise RuntimeError(f"oidc-provider did not start:\n{self.output()}")

    def set_accounts(self, accounts: dict[str, dict]) -> None:
        self.accounts_file.write_text(json.dumps(accounts))

    def output(self) -> str:
        return (self.folder / "provider.log").read_text()

    def web_env(self) -> dict[str, str]:
        """What Plantwright's environment says to use this provider."""
        return {"OIDC_ISSUER": self.issuer, "OIDC_CLIENT_ID": self.client_id, "OIDC_CLIENT_SECRET": self.client_secret}

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


SUFFIX = "dc=plant,dc=test"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "test-only-admin"


class Slapd:
    """slapd with an empty mdb database on a free port; `add_person` and `set_groups` fill it."""

    def __init__(self):
        if not os.path.exists(SLAPD):
            _missing("slapd (apt-get install slapd ldap-utils)")
        try:
            import ldap  # noqa: F401
        except ImportError:
            _missing("python-ldap (make install-ldap)")
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.folder = Path(tempfile.mkdtemp(prefix="slapd-"))
        (self.folder / "data").mkdir()
        schema = "/etc/ldap/schema"
        (self.folder / "slapd.conf").write_text(
            "\n".join(
                [f"include {schema}/{name}.schema" for name in ("core", "cosine", "inetorgperson", "nis")]
                + [
                    f"pidfile {self.folder}/slapd.pid",
                    "modulepath /usr/lib/ldap",
                    "moduleload back_mdb",
                    "database mdb",
                    "maxsize 10485760",
                    f'suffix "{SUFFIX}"',
                    f'rootdn "{ADMIN_DN}"',
                    f"rootpw {ADMIN_PASSWORD}",
                    f"directory {self.folder}/data",
                    "",
                ]
            )
        )
        self.log = (self.folder / "slapd.log").open("w")
        # -d 0: stay in the foreground (a child we can stop), logging nothing but failures to start.
        self.process = subprocess.Popen(
            [SLAPD, "-f", str(self.folder / "slapd.conf"), "-h", self.url, "-d", "0"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for(self._answers, timeout=20, what="slapd to answer")
        self._seed()

    def _connection(self):
        import ldap

        connection = ldap.initialize(self.url)
        connection.simple_bind_s(ADMIN_DN, ADMIN_PASSWORD)
        return connection

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"slapd stopped:\n{(self.folder / 'slapd.log').read_text()}")
        try:
            self._connection().unbind_s()
        except Exception:
            time.sleep(0.05)
            return False
        return True

    def _add(self, dn: str, attributes: dict[str, list[str]]) -> None:
        import ldap.modlist

        connection = self._connection()
        connection.add_s(dn, ldap.modlist.addModlist({k: [v.encode() for v in vs] for k, vs in attributes.items()}))
        connection.unbind_s()

    def _seed(self) -> None:
        self._add(SUFFIX, {"objectClass": ["dcObject", "organization"], "dc": ["plant"], "o": ["Test plant"]})
        for unit in ("people", "groups"):
            self._add(f"ou={unit},{SUFFIX}", {"objectClass": ["organizationalUnit"], "ou": [unit]})

    def person_dn(self, uid: str) -> str:
        return f"uid={uid},ou=people,{SUFFIX}"

    def add_person(self, uid: str, password: str, *, given: str, surname: str, mail: str) -> None:
        self._add(self.person_dn(uid), {
            "objectClass": ["inetOrgPerson"], "uid": [uid], "cn": [f"{given} {surname}"], "givenName": [given],
            "sn": [surname], "mail": [mail], "userPassword": [password],
        })  # fmt: skip

    def set_group(self, name: str, members: list[str]) -> None:
        """groupOfNames needs a member: an emptied group keeps the admin as its only one."""
        import ldap

        dn = f"cn={name},ou=groups,{SUFFIX}"
        member_dns = [self.person_dn(uid) for uid in members] or [ADMIN_DN]
        connection = self._connection()
        try:
            connection.modify_s(dn, [(ldap.MOD_REPLACE, "member", [m.encode() for m in member_dns])])
        except ldap.NO_SUCH_OBJECT:
            connection.add_s(dn, [("objectClass", [b"groupOfNames"]), ("cn", [name.encode()]),
                                  ("member", [m.encode() for m in member_dns])])  # fmt: skip
        connection.unbind_s()

    def web_env(self) -> dict[str, str]:
        return {
            "LDAP_SERVER_URI": self.url,
            "LDAP_BIND_DN": ADMIN_DN,
            "LDAP_BIND_PASSWORD": ADMIN_PASSWORD,
            "LDAP_USER_BASE": f"ou=people,{SUFFIX}",
            "LDAP_GROUP_BASE": f"ou=groups,{SUFFIX}",
        }

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()
        shutil.rmtree(self.folder, ignore_errors=True)
