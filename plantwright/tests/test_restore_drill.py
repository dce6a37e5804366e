"""The backup and restore drill restores a real dump and finds it whole (PostgreSQL only)."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from plantwright.testing import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_drill_dumps_restores_and_compares_every_table(tmp_path, asset, capsys):
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="PostgreSQL"):
            call_command("restore_drill", keep_in=str(tmp_path))
        return  # the drill itself runs in the PostgreSQL pass of `make test`
    factories.WorkOrderFactory(asset=asset)
    call_command("restore_drill", keep_in=str(tmp_path))
    out = capsys.readouterr().out
    assert "restore drill passed" in out
    (dump,) = tmp_path.glob("*.dump")
    assert dump.stat().st_size > 0
