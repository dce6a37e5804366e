"""django-auth-ldap's settings from the environment (docs/sign-in.md §LDAP). Read by settings.py
only when LDAP_SERVER_URI is set, so python-ldap (which compiles against libldap: an optional
install, `make install-ldap`) is needed only where a directory is used."""

import os


def from_environment() -> dict:
    import ldap
    from django_auth_ldap.config import (
        GroupOfNamesType,
        GroupOfUniqueNamesType,
        LDAPSearch,
        NestedActiveDirectoryGroupType,
        PosixGroupType,
    )

    group_types = {
        "groupOfNames": (GroupOfNamesType, "(objectClass=groupOfNames)"),
        "groupOfUniqueNames": (GroupOfUniqueNamesType, "(objectClass=groupOfUniqueNames)"),
        "posixGroup": (PosixGroupType, "(objectClass=posixGroup)"),
        # Active Directory: groups in groups count (a planner group inside "all maintenance").
        "activeDirectory": (NestedActiveDirectoryGroupType, "(objectClass=group)"),
    }
    kind = os.environ.get("LDAP_GROUP_TYPE", "groupOfNames")
    if kind not in group_types:
        raise ValueError(f"LDAP_GROUP_TYPE must be one of {', '.join(group_types)}, not {kind!r}")
    group_type, group_filter = group_types[kind]
    user_filter = os.environ.get(
        "LDAP_USER_FILTER", "(sAMAccountName=%(user)s)" if kind == "activeDirectory" else "(uid=%(user)s)"
    )
    return {
        "AUTH_LDAP_SERVER_URI": os.environ["LDAP_SERVER_URI"],
        "AUTH_LDAP_BIND_DN": os.environ.get("LDAP_BIND_DN", ""),
        "AUTH_LDAP_BIND_PASSWORD": os.environ.get("LDAP_BIND_PASSWORD", ""),
        "AUTH_LDAP_START_TLS": os.environ.get("LDAP_START_TLS", "0") == "1",
        "AUTH_LDAP_USER_SEARCH": LDAPSearch(os.environ["LDAP_USER_BASE"], ldap.SCOPE_SUBTREE, user_filter),
        "AUTH_LDAP_GROUP_SEARCH": LDAPSearch(
            os.environ.get("LDAP_GROUP_BASE", os.environ["LDAP_USER_BASE"]), ldap.SCOPE_SUBTREE, group_filter
        ),
        "AUTH_LDAP_GROUP_TYPE": group_type(name_attr="cn"),
        "AUTH_LDAP_USER_ATTR_MAP": {"first_name": "givenName", "last_name": "sn", "email": "mail"},
        # accounts.directory makes and updates the account; django-auth-ldap only checks the password.
        "AUTH_LDAP_ALWAYS_UPDATE_USER": False,
        "AUTH_LDAP_CONNECTION_OPTIONS": {
            ldap.OPT_NETWORK_TIMEOUT: float(os.environ.get("LDAP_TIMEOUT", "10")),
            ldap.OPT_REFERRALS: 0,  # Active Directory's referrals make python-ldap hang
        },
    }
