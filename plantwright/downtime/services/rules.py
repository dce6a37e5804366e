"""Editing a site's downtime rules (managers and site admins)."""

from typing import Any

from django.db import transaction

from plantwright.accounts.models import Site, User
from plantwright.accounts.roles import Perm
from plantwright.accounts.selectors import authorize
from plantwright.core.errors import ValidationFailed
from plantwright.downtime.models import Category, DowntimeRule, RuleAction


@transaction.atomic
def save_rule(actor: User, site: Site, rule: DowntimeRule | None = None, **fields: Any) -> DowntimeRule:
    """Create or change one of the site's rules."""
    authorize(actor, Perm.MANAGE_DOWNTIME_RULES, site.pk)
    if rule is not None and rule.site_id != site.pk:
        raise ValidationFailed("The rule belongs to another site.", details={"field": "rule"})
    unknown = set(fields.get("categories") or []) - set(Category.values)
    if unknown:
        raise ValidationFailed(f"Unknown categories {sorted(unknown)}.", details={"field": "categories"})
    if fields.get("action") not in RuleAction.values:
        raise ValidationFailed("Choose what the rule does.", details={"field": "action"})
    if fields["action"] == RuleAction.REPEATED and not (
        (fields.get("repeat_count") or 0) >= 2 and (fields.get("repeat_window_hours") or 0) >= 1
    ):
        raise ValidationFailed(
            "A 'repeated' rule needs at least 2 stops within at least 1 hour.", details={"field": "repeat_count"}
        )
    if not (fields.get("name") or "").strip():
        raise ValidationFailed("Name the rule.", details={"field": "name"})
    rule = rule or DowntimeRule(site=site)
    for name, value in fields.items():
        setattr(rule, name, value.strip() if isinstance(value, str) and name == "name" else value)
    rule.save()
    return rule


def delete_rule(actor: User, rule: DowntimeRule) -> None:
    authorize(actor, Perm.MANAGE_DOWNTIME_RULES, rule.site_id)
    rule.delete()  # stops it decided keep their decision text; their rule link is cleared
