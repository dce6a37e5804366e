"""What reliability shows on other apps' pages: the background XLSX export of their lists."""

from plantwright.core.panels import Panel, register_panel


def _export(kind: str):
    def context(request, query) -> dict:
        return {"kind": kind, "query": query or ""}

    return context


def register() -> None:
    xlsx = "reliability/partials/xlsx_button.html"
    register_panel("work-order-downloads", Panel("", xlsx, _export("work_orders")))
    register_panel("asset-ledger-downloads", Panel("", xlsx, _export("ledger")))
