from django.apps import AppConfig


class MaintenanceConfig(AppConfig):
    name = "plantwright.maintenance"
    label = "maintenance"
    verbose_name = "Work requests and work orders"

    def ready(self) -> None:
        from plantwright.accounts.idempotency import purge_idempotency_keys
        from plantwright.maintenance import panels
        from plantwright.maintenance.selectors.counts import compact
        from plantwright.scheduling.registry import register_periodic

        panels.register()
        _register_imports()
        register_periodic("maintenance.compact_counts", compact, every_seconds=60)
        # Registered here, as accounts sits below the scheduler; the WO forms are its main users.
        register_periodic("accounts.purge_idempotency_keys", purge_idempotency_keys, every_seconds=3600)


def _register_imports() -> None:
    from django.utils.translation import gettext_lazy as _

    from plantwright.accounts.roles import Perm
    from plantwright.assets import location_import
    from plantwright.maintenance import contractor_import, history_import, labor_import
    from plantwright.maintenance.import_kinds import ImportKind, register_import

    # Locations sit below this app, so their kind is registered here.
    locations = ImportKind(
        "locations", _("Locations"), _("Areas, lines and rooms, each under its parent: before the assets."),
        location_import.import_locations, tuple(location_import.COLUMNS), location_import.REQUIRED,
        location_import.MAX_BYTES, 10, Perm.MANAGE_LOCATIONS,
    )  # fmt: skip
    for kind in (locations, history_import.KIND, labor_import.KIND, contractor_import.KIND):
        register_import(kind)
