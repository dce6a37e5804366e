"""Seeds a fresh Tryton database for Plantwright's connector tests. Run by Tryton's own python
(var/tryton/venv, see plantwright/testing/tryton.py), never imported by Plantwright.

usage: tryton_seed.py CONFIG_FILE DATABASE API_PASSWORD
"""

import datetime as dt
import sys
from decimal import Decimal

from proteus import Model
from proteus import config as proteus_config

config_file, database, api_password = sys.argv[1:4]
config = proteus_config.set_trytond(database=database, config_file=config_file)

from trytond.modules.account.tests.tools import create_chart, create_fiscalyear, get_accounts  # noqa: E402
from trytond.modules.account_invoice.tests.tools import set_fiscalyear_invoice_sequences  # noqa: E402
from trytond.modules.company.tests.tools import create_company, get_company  # noqa: E402

Currency = Model.get("currency.currency")
if not Currency.find([("code", "=", "TRY")]):
    Currency(name="Turkish lira", code="TRY", symbol="₺", rounding=Decimal("0.01"), digits=2).save()
create_company(currency="TRY")
company = get_company()
today = dt.date.today()
for year in (today.year - 1, today.year, today.year + 1):
    fiscalyear = set_fiscalyear_invoice_sequences(create_fiscalyear(company, today=dt.date(year, 6, 1)))
    fiscalyear.click("create_period")
create_chart(company)
accounts = get_accounts(company)

AccountConfiguration = Model.get("account.configuration")
account_config = AccountConfiguration(1)
account_config.default_category_account_expense = accounts["expense"]
account_config.default_category_account_revenue = accounts["revenue"]
account_config.save()

Party = Model.get("party.party")
Employee = Model.get("company.employee")
User = Model.get("res.user")
Group = Model.get("res.group")

buyer_party = Party(name="Plantwright connector")
buyer_party.save()
employee = Employee(party=buyer_party, company=company)
employee.save()
api_user = User(login="plantwright", name="Plantwright connector", password=api_password)
# Exactly the groups docs/erp/tryton.md tells a plant to give it: never the approval group.
GROUPS = ["Purchase Requisition", "Purchase", "Stock", "Accounting"]
groups = Group.find([("name", "in", GROUPS)])
assert sorted(group.name for group in groups) == sorted(GROUPS), [group.name for group in groups]
api_user.groups.extend(groups)
api_user.companies.append(company)
api_user.company = company
api_user.employees.append(employee)
api_user.employee = employee
api_user.save()

admin = User.find([("login", "=", "admin")])[0]
admin.employees.append(Employee(employee.id))
admin.employee = Employee(employee.id)
admin.save()

# Vendors as the demo plant names them: a party's code is the vendor's ERP id in Plantwright, else
# its code (docs/erp/tryton.md), so the demo's vendors map; ALIGNPRO has no ERP id.
for code, name in (
    ("V-2001", "Bearco Bearings"),
    ("V-1001", "Atlas Industrial Services"),
    ("V-1002", "Volta Electric"),
    ("ALIGNPRO", "AlignPro Services"),
):
    Party(name=name, code=code).save()

ProductCategory = Model.get("product.category")
category = ProductCategory(name="Maintenance", accounting=True)
category.account_expense = accounts["expense"]
category.account_revenue = accounts["revenue"]
category.save()

Uom = Model.get("product.uom")
(unit,) = Uom.find([("name", "=", "Unit")])
Template = Model.get("product.template")
# Every part of the demo plant (plantwright/demo/inventory.py), a bearing of the tests, and the
# service product contractor lines are ordered as.
for code, name, kind, price in (
    ("BRG-6205-2RS", "Deep groove ball bearing 6205-2RS", "goods", "9.50"),
    ("BRG-6308", "Deep groove ball bearing 6308", "goods", "21"),
    ("SEAL-MS-35", "Mechanical seal 35 mm", "goods", "85"),
    ("BELT-SPA-1250", "V-belt SPA 1250", "goods", "14"),
    ("OIL-ISO-VG220", "Gear oil ISO VG 220", "goods", "6.80"),
    ("GREASE-EP2", "Grease EP2 cartridge", "goods", "7.20"),
    ("FILT-HYD-10", "Hydraulic filter element 10 µm", "goods", "38"),
    ("PROX-M18", "Inductive proximity sensor M18", "goods", "46"),
    ("CONT-9A", "Contactor 9 A 24 V DC", "goods", "29"),
    ("FUSE-10A", "Fuse 10 A gG", "goods", "1.90"),
    ("CHAIN-08B", "Roller chain 08B-1 (5 m)", "goods", "33"),
    ("GASKET-DN50", "Flange gasket DN50", "goods", "3.40"),
    ("BRG-6205", "Ball bearing 6205", "goods", "12"),
    ("SRV-CONTRACTOR", "Contractor service", "service", "0"),
):
    template = Template(name=name, type=kind, default_uom=unit, purchasable=True, account_category=category)
    template.list_price = Decimal(price)
    template.purchase_uom = unit
    template.code = code
    (product,) = template.products
    product.cost_price = Decimal(price)
    template.save()
print("seeded", database)
