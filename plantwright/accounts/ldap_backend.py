"""Sign-in with the directory's password over LDAP / Active Directory (django-auth-ldap). The
password is checked by a bind as the person; the account and its roles come from accounts.directory,
the same rules as OpenID Connect."""

from django.contrib import messages
from django_auth_ldap.backend import LDAPBackend

from plantwright.accounts import directory


def _first(attrs, name: str) -> str:
    values = attrs.get(name) or []
    return str(values[0]) if values else ""


class LdapBackend(LDAPBackend):
    def get_or_build_user(self, username, ldap_user):
        attrs = ldap_user.attrs or {}
        person = directory.DirectoryPerson(
            provider="ldap",
            subject=ldap_user.dn.lower(),  # DNs compare case-insensitively
            username=username.lower(),
            email=_first(attrs, "mail"),
            first_name=_first(attrs, "givenName"),
            last_name=_first(attrs, "sn"),
            groups=directory.normalise_groups(ldap_user.group_names),
        )
        try:
            return directory.sign_in(person), False
        except directory.SignInRefused as refused:
            request = getattr(ldap_user, "_request", None)
            if request is not None:
                messages.error(request, directory.refusal_message(refused.reason))
            raise ldap_user.AuthenticationFailed(refused.reason) from None
