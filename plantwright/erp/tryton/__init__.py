"""The Tryton connector: parts requests out as purchase requisitions, purchases, receipts and invoices
back as ERP events (docs/erp/tryton.md)."""
