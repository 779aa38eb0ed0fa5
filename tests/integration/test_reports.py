"""Whole-server tests of the reports (../shared/spec/reports.md): the financial statements
against a ledger computed by hand, and the same numbers read back from every export form.

- FinancialStatements: one server with a hand-made ledger for acme-corp (accounts named in
  German, Greek and Japanese; Jan-Apr 2024; invoices of customers whose ids are spreadsheet
  formulas). Every number of pnl, balance_sheet, cash_flow, trial_balance and ar_aging in the
  JSON preview is checked against the arithmetic written out below.
- Exports: the same server; CSV parsed with the csv module, XLSX unzipped and its XML read,
  PDF read with pdftotext / pdffonts / pdfinfo and rendered with pdftoppm (poppler-utils).
- BadInput: 400 naming the field, 401, 403, 404.
- SimulatorStream: every (report, type) of GET /reports/catalog over a generated stream:
  JSON and all three exports; the balance sheet balances for every month and ISO week.
- OtherTenants: an account created after its lines (unclassified, then reclassified),
  periods in the tenant's time zone, CSV cells starting with tab or CR.

Money in the JSON is parsed with decimal.Decimal (parse_float), so "5450.65" is compared
exactly, and str() of the parsed number is the server's text (Decimal::ToString), which is
what the CSV must hold.
"""

import csv
import datetime
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest
import urllib.parse
import xml.etree.ElementTree as ET
import zipfile
import zlib
from decimal import ROUND_HALF_UP, Decimal as D

from server import ReadsideServer, ServerTestCase, encode_body, make_event, make_token, \
    readside_bin

ORG = "acme-corp"
_DEFAULT = object()     # "the server's admin token"
JSON_HEADERS = {"Content-Type": "application/json"}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# -- the hand-made ledger ----------------------------------------------------------------

# (code, name, type, subtype)
ACCOUNTS = [
    ("1000", "Bank Zürich", "asset", "cash"),
    ("1200", "Forderungen", "asset", "receivable"),
    ("1500", "Betriebsausstattung", "asset", None),       # equipment: investing
    ("2000", "Verbindlichkeiten", "liability", "payable"),
    ("2500", "Bankdarlehen", "liability", None),           # loan: financing
    ("3000", "Stammkapital", "equity", None),
    ("4000", "Umsatzerlöse Müller & Söhne", "revenue", None),
    ("4100", "東京株式会社 売上", "revenue", None),
    ("5000", "Wareneinsatz", "expense", "cogs"),
    ("6000", "Αθήνα Ενοίκιο", "expense", None),
]
NAME = {code: name for code, name, _, _ in ACCOUNTS}
LABEL = {code: code + " " + name for code, name, _, _ in ACCOUNTS}   # "4000 Umsatzerlöse …"

# (date, [(account, debit, credit)]); every transaction at 10:00 UTC (the tenant is UTC).
TRANSACTIONS = [
    # January
    ("2024-01-02", [("1000", "50000.00", "0"), ("3000", "0", "50000.00")]),   # T1 capital
    ("2024-01-05", [("1000", "20000.00", "0"), ("2500", "0", "20000.00")]),   # T2 loan
    ("2024-01-10", [("1500", "12000.00", "0"), ("1000", "0", "12000.00")]),   # T3 equipment
    ("2024-01-15", [("1000", "8000.00", "0"), ("4000", "0", "8000.00")]),     # T4 cash sale
    ("2024-01-20", [("5000", "3200.00", "0"), ("2000", "0", "3200.00")]),     # T5 goods on credit
    ("2024-01-31", [("6000", "1500.00", "0"), ("1000", "0", "1500.00")]),     # T6 rent
    # February (2024 is a leap year)
    ("2024-02-03", [("1200", "6500.50", "0"), ("4100", "0", "6500.50")]),     # T7 credit sale
    ("2024-02-10", [("1000", "2250.25", "0"), ("4000", "0", "2250.25")]),     # T8 cash sale
    ("2024-02-12", [("2000", "2000.00", "0"), ("1000", "0", "2000.00")]),     # T9 pay supplier
    ("2024-02-15", [("5000", "1800.10", "0"), ("1000", "0", "1800.10")]),     # T10 goods, cash
    ("2024-02-20", [("1000", "4000.00", "0"), ("1200", "0", "4000.00")]),     # T11 collection
    ("2024-02-28", [("6000", "1500.00", "0"), ("2500", "500.00", "0"),        # T12 rent and
                    ("1000", "0", "2000.00")]),                               #     loan repaid
    ("2024-02-29", [("1000", "300.00", "0"), ("1500", "0", "300.00")]),       # T13 sell a part
    # March
    ("2024-03-05", [("1000", "3000.00", "0"), ("4000", "0", "3000.00")]),     # T14 cash sale
    ("2024-03-10", [("1200", "1234.56", "0"), ("4100", "0", "1234.56")]),     # T15 credit sale
    ("2024-03-15", [("6000", "1500.00", "0"), ("1000", "0", "1500.00")]),     # T16 rent
    ("2024-03-20", [("4000", "100.00", "0"), ("1000", "0", "100.00")]),       # T17 refund
    ("2024-03-25", [("5000", "900.00", "0"), ("2000", "0", "900.00")]),       # T18 goods on credit
    # April: a line on an account code nobody created
    ("2024-04-02", [("9999", "250.00", "0"), ("1000", "0", "250.00")]),       # T19 unknown code
]

INJECT_LINK = '=HYPERLINK("http://x")'
INJECT_PLUS = "+1+1"
INJECT_MINUS = "-2+3"
INJECT_AT = "@SUM(A1)"
NUMBER_LIKE = "-12.5"          # starts with '-' but is a number: never prefixed
UNICODE_CUSTOMER = "Ωμέγα 東京 Müller GmbH"

# (invoice id, customer, amount, created date, due date); created at 10:00 UTC. A due date D
# falls due at the end of D (UTC), so "days past due" as of instant t is ceil((t - (D+1)) / 1d).
INVOICES = [
    ("inv-a1", INJECT_LINK, "100.00", "2024-01-05", "2024-01-20"),
    ("inv-b1", INJECT_PLUS, "250.00", "2024-02-01", "2024-03-15"),
    ("inv-c1", INJECT_MINUS, "1000.00", "2023-10-01", "2023-11-01"),
    ("inv-c2", INJECT_MINUS, "40.00", "2023-11-15", "2023-12-15"),
    ("inv-d1", INJECT_AT, "75.50", "2024-01-10", "2024-02-09"),
    ("inv-d2", INJECT_AT, "80.00", "2023-12-01", "2023-12-31"),
    ("inv-e1", UNICODE_CUSTOMER, "500.00", "2024-02-20", "2024-02-29"),
    ("inv-e2", UNICODE_CUSTOMER, "300.00", "2024-01-01", "2024-01-31"),
    ("inv-e3", UNICODE_CUSTOMER, "200.00", "2024-01-03", "2024-01-20"),
    ("inv-e4", UNICODE_CUSTOMER, "150.00", "2024-03-03", "2024-04-30"),
    ("inv-g1", NUMBER_LIKE, "12.50", "2024-02-25", "2024-03-25"),
]
# (invoice id, amount, date)
PAYMENTS = [
    ("inv-b1", "50.00", "2024-02-10"),
    ("inv-b1", "200.00", "2024-03-05"),     # after February: B1 still open 200 at Feb's end
    ("inv-c1", "400.00", "2024-01-15"),
    ("inv-e3", "200.00", "2024-01-25"),     # E3 paid in full: never listed
]


def ledger_events():
    events = []
    for code, name, typ, subtype in ACCOUNTS:
        payload = {"code": code, "name": name, "type": typ}
        if subtype:
            payload["subtype"] = subtype
        events.append(make_event(ORG, event_type="finance.account.created",
                                 entity_id="acct-" + code, timestamp="2023-12-01T08:00:00Z",
                                 payload=payload))
    for n, (day, lines) in enumerate(TRANSACTIONS, 1):
        events.append(make_event(
            ORG, event_type="finance.transaction.posted", entity_id="txn-%d" % n,
            timestamp=day + "T10:00:00Z",
            payload={"lines": [{"account_code": c, "debit": d, "credit": k}
                               for c, d, k in lines],
                     "description": "T%d" % n}))
    for inv, customer, amount, created, due in INVOICES:
        events.append(make_event(ORG, event_type="finance.invoice.created", entity_id=inv,
                                 timestamp=created + "T10:00:00Z",
                                 payload={"customer_id": customer, "amount": amount,
                                          "due_date": due}))
    for n, (inv, amount, day) in enumerate(PAYMENTS, 1):
        events.append(make_event(ORG, event_type="finance.payment.received",
                                 entity_id="pay-%d" % n, timestamp=day + "T10:00:00Z",
                                 payload={"invoice_id": inv, "amount": amount}))
    return events


# -- the statements, by hand -------------------------------------------------------------

# P&L, January 2024
#   revenue  4000: 8000.00 (T4)                                    = 8000.00
#   cogs     5000: 3200.00 (T5)                                    = 3200.00
#   gross    8000.00 - 3200.00                                     = 4800.00
#   opex     6000: 1500.00 (T6)                                    = 1500.00
#   net      4800.00 - 1500.00                                     = 3300.00
# P&L, February 2024
#   revenue  4000: 2250.25 (T8); 4100: 6500.50 (T7); 2250.25 + 6500.50 = 8750.75
#   cogs     5000: 1800.10 (T10)                                   = 1800.10
#   gross    8750.75 - 1800.10                                     = 6950.65
#   opex     6000: 1500.00 (T12)                                   = 1500.00
#   net      6950.65 - 1500.00                                     = 5450.65
#   margin   5450.65 / 8750.75 = 62.28780 %                        -> 62.29 (2 places)
#   change vs January (a - b, and 100 (a - b) / |b| to 1 place):
#     revenue  8750.75 - 8000.00 =   750.75;   750.75 / 8000 = 9.384 %  -> 9.4
#     cogs     1800.10 - 3200.00 = -1399.90; -1399.90 / 3200 = -43.747 % -> -43.7
#     gross    6950.65 - 4800.00 =  2150.65;  2150.65 / 4800 = 44.805 % -> 44.8
#     opex     1500.00 - 1500.00 =     0.00;                           -> 0
#     net      5450.65 - 3300.00 =  2150.65;  2150.65 / 3300 = 65.171 % -> 65.2
# P&L, March 2024
#   revenue  4000: 3000.00 (T14) - 100.00 (T17 refund) = 2900.00; 4100: 1234.56 (T15)
#            2900.00 + 1234.56                                     = 4134.56
#   cogs     900.00 (T18); gross 4134.56 - 900.00                  = 3234.56
#   opex     1500.00 (T16); net 3234.56 - 1500.00                  = 1734.56
# P&L, 2024-Q1: revenue 8000.00 + 8750.75 + 4134.56 = 20885.31; cogs 3200.00 + 1800.10 +
#   900.00 = 5900.10; gross 14985.21; opex 4500.00; net 10485.21 (= 3300.00 + 5450.65 + 1734.56)
PNL_FEB_STATEMENT = [
    # line, 2024-02, 2024-01, change, change %
    ("Revenue", "8750.75", "8000", "750.75", "9.4"),
    ("Cost of goods sold", "1800.1", "3200", "-1399.9", "-43.7"),
    ("Gross profit", "6950.65", "4800", "2150.65", "44.8"),
    ("Operating expenses", "1500", "1500", "0", "0"),
    ("Net profit", "5450.65", "3300", "2150.65", "65.2"),
]
PNL_FEB_KPIS = [("Revenue", "8750.75", "USD"), ("Cost of goods sold", "1800.1", "USD"),
                ("Gross profit", "6950.65", "USD"), ("Operating expenses", "1500", "USD"),
                ("Net profit", "5450.65", "USD"), ("Net margin", "62.29", "%")]
# Accounts: contribution to profit (credit - debit), revenue first, then cogs, then opex.
PNL_FEB_ACCOUNTS = [
    (LABEL["4000"], "Revenue", "2250.25", "8000"),
    (LABEL["4100"], "Revenue", "6500.5", "0"),
    (LABEL["5000"], "Cost of goods sold", "-1800.1", "-3200"),
    (LABEL["6000"], "Operating expenses", "-1500", "-1500"),
]
# totals: 2250.25 + 6500.50 - 1800.10 - 1500.00 = 5450.65; 8000 - 3200 - 1500 = 3300.00
PNL_FEB_ACCOUNTS_TOTALS = {"account": "Total", "amount": "5450.65", "compare": "3300"}

# Balance sheet as of 2024-02-29 (everything up to the end of February)
#   1000 cash  Jan: +50000 +20000 -12000 +8000 -1500             = 64500.00
#              Feb: +2250.25 -2000 -1800.10 +4000 -2000 +300      =   750.15
#                                                                   65250.15
#   1200 receivable  6500.50 - 4000.00                            =  2500.50
#   1500 equipment   12000.00 - 300.00                            = 11700.00
#   assets     65250.15 + 2500.50 + 11700.00                      = 79450.65
#   2000 payable     3200.00 - 2000.00                            =  1200.00
#   2500 loan        20000.00 - 500.00                            = 19500.00
#   liabilities      1200.00 + 19500.00                           = 20700.00
#   3000 capital                                                    50000.00
#   retained earnings = cumulative net profit 3300.00 + 5450.65   =  8750.65
#   equity     50000.00 + 8750.65                                 = 58750.65
#   liabilities + equity 20700.00 + 58750.65 = 79450.65 = assets: balanced
BS_FEB = {
    "assets": [(LABEL["1000"], "65250.15"), (LABEL["1200"], "2500.5"),
               (LABEL["1500"], "11700")],
    "assets_total": "79450.65",
    "liabilities": [(LABEL["2000"], "1200"), (LABEL["2500"], "19500")],
    "liabilities_total": "20700",
    "equity": [(LABEL["3000"], "50000"), ("Retained earnings", "8750.65")],
    "equity_total": "58750.65",
}
# Balance sheet as of 2024-03-31
#   cash        65250.15 + 3000.00 - 1500.00 - 100.00             = 66650.15
#   receivable  2500.50 + 1234.56                                 =  3735.06
#   equipment                                                       11700.00
#   assets      66650.15 + 3735.06 + 11700.00                     = 82085.21
#   payable     1200.00 + 900.00 = 2100.00; loan 19500.00; liabilities 21600.00
#   retained    8750.65 + 1734.56 = 10485.21; equity 50000.00 + 10485.21 = 60485.21
#   21600.00 + 60485.21 = 82085.21: balanced
BS_MAR = {
    "assets": [(LABEL["1000"], "66650.15"), (LABEL["1200"], "3735.06"),
               (LABEL["1500"], "11700")],
    "assets_total": "82085.21",
    "liabilities": [(LABEL["2000"], "2100"), (LABEL["2500"], "19500")],
    "liabilities_total": "21600",
    "equity": [(LABEL["3000"], "50000"), ("Retained earnings", "10485.21")],
    "equity_total": "60485.21",
}
# Balance sheet as of 2024-04-30: T19 credits cash 250.00 against unknown code 9999.
#   cash 66650.15 - 250.00 = 66400.15; assets 66400.15 + 3735.06 + 11700.00 = 81835.21
#   liabilities 21600.00, equity 60485.21 (no P&L in April): 82085.21 != 81835.21, and the
#   line on 9999 is unclassified: not balanced.
BS_APR = {
    "assets": [(LABEL["1000"], "66400.15"), (LABEL["1200"], "3735.06"),
               (LABEL["1500"], "11700")],
    "assets_total": "81835.21",
    "liabilities": [(LABEL["2000"], "2100"), (LABEL["2500"], "19500")],
    "liabilities_total": "21600",
    "equity": [(LABEL["3000"], "50000"), ("Retained earnings", "10485.21")],
    "equity_total": "60485.21",
}

# Cash flow (direct method): each cash transaction's other lines by activity.
# January: opening 0
#   operating  in 8000.00 (T4)                  out 1500.00 (T6)       net  6500.00
#   investing  in 0                              out 12000.00 (T3)      net -12000.00
#   financing  in 50000.00 (T1) + 20000.00 (T2) = 70000.00, out 0      net 70000.00
#   total      in 78000.00, out 13500.00, net 64500.00; closing 64500.00
# February: opening 64500.00
#   operating  in 2250.25 (T8, revenue) + 4000.00 (T11, receivable)  = 6250.25
#              out 2000.00 (T9, payable) + 1800.10 (T10, cogs) + 1500.00 (T12's rent line)
#                                                                    = 5300.10; net 950.15
#   investing  in 300.00 (T13, equipment); out 0;                     net 300.00
#   financing  in 0; out 500.00 (T12's loan line);                    net -500.00
#   total      in 6550.25, out 5800.10, net 750.15; closing 64500.00 + 750.15 = 65250.15
#   cash account 1000: debits 2250.25 + 4000.00 + 300.00 = 6550.25,
#                      credits 2000.00 + 1800.10 + 2000.00 = 5800.10
# April: opening 66650.15; the only cash line is T19 against 9999: unclassified out 250.00;
#   closing 66400.15
CF = {
    "2024-01": {"opening": "0", "closing": "64500", "in": "78000", "out": "13500",
                "net": "64500",
                "rows": [("Operating", "8000", "-1500", "6500"),
                         ("Investing", "0", "-12000", "-12000"),
                         ("Financing", "70000", "0", "70000")],
                "totals": ("78000", "-13500", "64500"),
                "account": ("0", "78000", "-13500", "64500")},
    "2024-02": {"opening": "64500", "closing": "65250.15", "in": "6550.25", "out": "5800.1",
                "net": "750.15",
                "rows": [("Operating", "6250.25", "-5300.1", "950.15"),
                         ("Investing", "300", "0", "300"),
                         ("Financing", "0", "-500", "-500")],
                "totals": ("6550.25", "-5800.1", "750.15"),
                "account": ("64500", "6550.25", "-5800.1", "65250.15")},
    "2024-04": {"opening": "66650.15", "closing": "66400.15", "in": "0", "out": "250",
                "net": "-250",
                "rows": [("Operating", "0", "0", "0"), ("Investing", "0", "0", "0"),
                         ("Financing", "0", "0", "0"), ("Unclassified", "0", "-250", "-250")],
                "totals": ("0", "-250", "-250"),
                "account": ("66650.15", "0", "-250", "66400.15")},
}

# Trial balance up to 2024-02-29: gross debits and credits per account (code order).
#   1000 debit 50000 + 20000 + 8000 + 2250.25 + 4000 + 300 = 84550.25
#        credit 12000 + 1500 + 2000 + 1800.10 + 2000       = 19300.10
#   1200 6500.50 / 4000.00      1500 12000.00 / 300.00     2000 2000.00 / 3200.00
#   2500 500.00 / 20000.00      3000 0 / 50000.00          4000 0 / 8000 + 2250.25 = 10250.25
#   4100 0 / 6500.50            5000 3200 + 1800.10 = 5000.10 / 0      6000 3000.00 / 0
#   debits  84550.25 + 6500.50 + 12000 + 2000 + 500 + 5000.10 + 3000     = 113550.85
#   credits 19300.10 + 4000 + 300 + 3200 + 20000 + 50000 + 10250.25 + 6500.50 = 113550.85
TB_FEB = [
    ("1000", "84550.25", "19300.1"), ("1200", "6500.5", "4000"), ("1500", "12000", "300"),
    ("2000", "2000", "3200"), ("2500", "500", "20000"), ("3000", "0", "50000"),
    ("4000", "0", "10250.25"), ("4100", "0", "6500.5"), ("5000", "5000.1", "0"),
    ("6000", "3000", "0"),
]
TB_FEB_TOTAL = "113550.85"
# Up to 2024-04-30: March adds debits 3000 + 1234.56 + 1500 + 100 + 900 = 6734.56 (and as
# much credit), April 250.00: 113550.85 + 6734.56 + 250.00 = 120535.41 on both sides; the
# unknown code 9999 is listed as unclassified, debit 250.00.
TB_APR_TOTAL = "120535.41"

# AR aging as of the end of 2024-02 (t = 2024-03-01T00:00Z)
#   =HYPERLINK  A1 100.00 due end of Jan 20: Jan 21 -> Mar 1 = 10 + 29 = 40 days -> 31-60
#   +1+1        B1 250.00 - 50.00 (Feb 10) = 200.00, due Mar 15              -> current
#   -2+3        C1 1000.00 - 400.00 = 600.00, due end of Nov 1: Nov 2 -> Mar 1
#                  = 30 + 31 + 31 + 27 = 119 days                            -> over 90
#               C2 40.00 due end of Dec 15: Dec 16 -> Mar 1 = 31 + 31 + 14 = 76 -> 61-90
#   @SUM(A1)    D1 75.50 due end of Feb 9: Feb 10 -> Mar 1 = 20 days         -> 1-30
#               D2 80.00 due end of Dec 31: Jan 1 -> Mar 1 = 31 + 29 = 60    -> 31-60 (edge)
#   Ωμέγα       E1 500.00 due end of Feb 29 = Mar 1 00:00 = t: 0 days        -> current (edge)
#               E2 300.00 due end of Jan 31: Feb 1 -> Mar 1 = 29 days        -> 1-30
#               E3 paid in full; E4 created in March: not listed
#   -12.5       G1 12.50 due Mar 25                                          -> current
#   totals per customer: Ωμέγα 800.00, -2+3 640.00, +1+1 200.00, @SUM 155.50,
#   =HYPERLINK 100.00, -12.5 12.50 (rows sorted by total, largest first)
#   columns: current 200 + 500 + 12.50 = 712.50; 1-30 75.50 + 300 = 375.50; 31-60 100 + 80
#   = 180.00; 61-90 40.00; over 90 600.00; total 1908.00; 9 open invoices, 6 overdue
#   (A1, C1, C2, D1, D2, E2); overdue 1908.00 - 712.50 = 1195.50 = 62.66 % -> 62.7
AR_FEB = [
    # customer, current, 1-30, 31-60, 61-90, >90, total, invoices
    (UNICODE_CUSTOMER, "500", "300", "0", "0", "0", "800", 2),
    (INJECT_MINUS, "0", "0", "0", "40", "600", "640", 2),
    (INJECT_PLUS, "200", "0", "0", "0", "0", "200", 1),
    (INJECT_AT, "0", "75.5", "80", "0", "0", "155.5", 2),
    (INJECT_LINK, "0", "0", "100", "0", "0", "100", 1),
    (NUMBER_LIKE, "12.5", "0", "0", "0", "0", "12.5", 1),
]
AR_FEB_TOTALS = ("712.5", "375.5", "180", "40", "600", "1908", 9)
AR_FEB_KPIS = [("Total receivables", "1908", "USD"), ("Overdue", "1195.5", "USD"),
               ("Overdue share", "62.7", "%"), ("Open invoices", "9", ""),
               ("Overdue invoices", "6", "")]
# AR aging as of the end of 2024-03 (t = 2024-04-01T00:00Z)
#   Ωμέγα   E1 500 due Mar 1 00:00 -> 31 days -> 31-60; E2 300 Feb 1 -> Apr 1 = 29 + 31 = 60
#           -> 31-60; E4 150 due Apr 30 -> current: 950.00, 3 invoices
#   -2+3    C1 600 151 days, C2 40 107 days -> over 90: 640.00
#   @SUM    D1 75.50 Feb 10 -> Apr 1 = 50 days -> 31-60; D2 80 Jan 1 -> Apr 1 = 91 days
#           -> over 90 (edge): 155.50
#   =HYPERLINK A1 100 Jan 21 -> Apr 1 = 71 days -> 61-90
#   -12.5   G1 12.50 due end of Mar 25: Mar 26 -> Apr 1 = 6 days -> 1-30
#   +1+1    B1 paid 50 + 200 = 250 by Mar 5: not listed
#   columns: current 150; 1-30 12.50; 31-60 500 + 300 + 75.50 = 875.50; 61-90 100;
#   over 90 640 + 80 = 720; total 1858.00; 9 open invoices
AR_MAR = [
    (UNICODE_CUSTOMER, "150", "0", "800", "0", "0", "950", 3),
    (INJECT_MINUS, "0", "0", "0", "0", "640", "640", 2),
    (INJECT_AT, "0", "0", "75.5", "0", "80", "155.5", 2),
    (INJECT_LINK, "0", "0", "0", "100", "0", "100", 1),
    (NUMBER_LIKE, "0", "12.5", "0", "0", "0", "12.5", 1),
]
AR_MAR_TOTALS = ("150", "12.5", "875.5", "100", "720", "1858", 9)

TREND_MONTHS_FEB = ["2023-%02d" % m for m in range(3, 13)] + ["2024-01", "2024-02"]


# -- helpers -----------------------------------------------------------------------------

def parse_json(raw):
    return json.loads(raw.decode("utf-8"), parse_float=D)


def num(x):
    """A JSON number (int or Decimal) or text as a Decimal; None stays None."""
    return None if x is None else D(str(x))


def section(doc, sid):
    for s in doc["sections"]:
        if s["id"] == sid:
            return s
    raise AssertionError("no section %r in %s" % (sid, [s["id"] for s in doc["sections"]]))


def tables(doc):
    return [s for s in doc["sections"] if s["kind"] == "table"]


def rows_of(table):
    ids = [c["id"] for c in table["columns"]]
    return [tuple(r.get(i) for i in ids) for r in table["rows"]]


def money(value):
    """The PDF's money text (render/cell_text.cc FormatNumber): 2 decimals rounded half away
    from zero, ',' between thousands: "-1,800.10"."""
    return format(num(value).quantize(D("0.01"), rounding=ROUND_HALF_UP), ",.2f")


def percent(value):
    """The PDF's percent text: 1 decimal and " %": "62.3 %"."""
    return format(num(value).quantize(D("0.1"), rounding=ROUND_HALF_UP), ",.1f") + " %"


def expected_csv_text(value):
    """What the CSV must hold for a JSON cell (csv.cc): numbers as Decimal::ToString (the
    JSON text), text prefixed with "'" when it starts like a formula and is not a number."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return str(value)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r") and \
            not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value):
        return "'" + value
    return value


def col_index(letters):
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


M_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PR_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
NS = {"m": M_NS, "r": R_NS}


class Workbook:
    """An XLSX read with zipfile + ElementTree: sheets in order with their cells."""

    def __init__(self, data):
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.names = self.zip.namelist()
        wb = ET.fromstring(self.zip.read("xl/workbook.xml"))
        rels = ET.fromstring(self.zip.read("xl/_rels/workbook.xml.rels"))
        target = {r.get("Id"): r.get("Target") for r in rels.findall("{%s}Relationship" % PR_NS)}
        self.shared = []
        if "xl/sharedStrings.xml" in self.names:
            sst = ET.fromstring(self.zip.read("xl/sharedStrings.xml"))
            for si in sst.findall("m:si", NS):
                self.shared.append("".join(t.text or "" for t in si.iter("{%s}t" % M_NS)))
        self.styles = ET.fromstring(self.zip.read("xl/styles.xml"))
        self.sheets = []   # [(name, path)]
        for s in wb.find("m:sheets", NS):
            t = target[s.get("{%s}id" % R_NS)]
            path = t.lstrip("/") if t.startswith("/") else "xl/" + t
            self.sheets.append((s.get("name"), path))

    def sheet_names(self):
        return [n for n, _ in self.sheets]

    def xml(self, name):
        return self.zip.read(dict(self.sheets)[name])

    def cells(self, name):
        """{(row, col): value} (0-based); value is str, float, bool, or None for a blank
        cell with only a style; plus {(row, col): style index}."""
        root = ET.fromstring(self.xml(name))
        out, styles = {}, {}
        for c in root.iter("{%s}c" % M_NS):
            m = re.fullmatch(r"([A-Z]+)([0-9]+)", c.get("r"))
            key = (int(m.group(2)) - 1, col_index(m.group(1)))
            styles[key] = int(c.get("s", "0"))
            t = c.get("t", "n")
            v = c.find("m:v", NS)
            if t == "inlineStr":
                out[key] = "".join(x.text or "" for x in c.iter("{%s}t" % M_NS))
            elif v is None:
                out[key] = None
            elif t == "s":
                out[key] = self.shared[int(v.text)]
            elif t in ("str", "e"):
                out[key] = v.text or ""
            elif t == "b":
                out[key] = v.text == "1"
            else:
                out[key] = float(v.text)
        return out, styles

    def number_format(self, style_index):
        """The format code of a cell style ("General" for none)."""
        xfs = self.styles.find("m:cellXfs", NS).findall("m:xf", NS)
        fmt_id = int(xfs[style_index].get("numFmtId", "0"))
        codes = {0: "General", 3: "#,##0", 4: "#,##0.00"}
        fmts = self.styles.find("m:numFmts", NS)
        if fmts is not None:
            for f in fmts.findall("m:numFmt", NS):
                codes[int(f.get("numFmtId"))] = f.get("formatCode")
        return codes.get(fmt_id, "builtin:%d" % fmt_id)


def excel_sheet_name(title):
    """The sheet name the renderer gives a section title (xlsx.cc SheetNames::Take), for the
    titles used here (no forbidden characters, BMP only)."""
    return title[:31].rstrip(" '")


def run_tool(args, timeout=60):
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError("%s exited %d: %s" % (args, p.returncode,
                                                   p.stderr.decode("utf-8", "replace")))
    return p.stdout.decode("utf-8", "replace")


def pdf_pages(path):
    m = re.search(r"^Pages:\s+(\d+)", run_tool(["pdfinfo", path]), re.M)
    return int(m.group(1))


def pdf_fonts(path):
    """[(name, emb)] from pdffonts (columns: name type encoding emb sub uni object-id)."""
    lines = run_tool(["pdffonts", path]).splitlines()
    out = []
    for line in lines[2:]:
        parts = line.split()
        if len(parts) >= 7:
            out.append((parts[0], parts[-5]))
    return out


def pdf_streams(data):
    """The decompressed (FlateDecode) streams of a PDF: page contents, ToUnicode maps."""
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            yield zlib.decompress(m.group(1))
        except zlib.error:
            pass


def _pdf_literal(lit):
    out, i = bytearray(), 0
    while i < len(lit):
        if lit[i] != 0x5C:
            out.append(lit[i])
            i += 1
            continue
        i += 1
        m = re.match(rb"[0-7]{1,3}", lit[i:])
        if m:
            out.append(int(m.group(0), 8) & 0xFF)
            i += len(m.group(0))
            continue
        e = lit[i:i + 1]
        out += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(e, e)
        i += 1
    return bytes(out)


def _pdf_strings(segment):
    """The bytes of the string operands (literal and hex) in a piece of a content stream."""
    out = []
    for lit, h in re.findall(rb"\(((?:\\.|[^\\)])*)\)|<([0-9a-fA-F\s]*)>", segment):
        out.append(bytes.fromhex(h.decode()) if h else _pdf_literal(lit))
    return out


def ellipsized(data):
    """The texts a PDF shows cut with an ellipsis: [(shown, hidden)], e.g.
    ("10,863,235.35 U", "SD") for a value drawn as "10,863,235.35 U…".

    pdftotext cannot see a cut: Pango replaces the tail by "…" and cairo records the replaced
    text as /ActualText of that glyph, so the extracted text is whole. This finds the
    marked-content spans whose only glyph is one that a font's ToUnicode map sends to U+2026;
    `hidden` is their ActualText, `shown` the glyphs drawn since the last text positioning
    before the span, read as Latin-1 (exact for the one-byte Latin subsets cairo writes,
    noise for CJK; for messages)."""
    streams = list(pdf_streams(data))
    codes = set()
    for st in streams:
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", st, re.S):
            for src, dst in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                if dst.lower() == b"2026":
                    codes.add(bytes.fromhex(src.decode()))
    out = []
    for st in streams:
        for m in re.finditer(rb"/ActualText\s*<([0-9a-fA-F]*)>\s*>>\s*BDC(.*?)EMC", st, re.S):
            if b"".join(_pdf_strings(m.group(2))) not in codes:
                continue          # a ligature, not an ellipsis
            before = st[:m.start()]
            start = max(before.rfind(b" Tm"), before.rfind(b" Td"), before.rfind(b"BT"))
            shown = b"".join(_pdf_strings(before[start:])).decode("latin-1")
            shown = re.sub(r"[\x00-\x1f]", "", shown)
            out.append((shown, bytes.fromhex(m.group(1).decode()).decode("utf-16")))
    return out


def kpi_text(item, currency="USD"):
    """render/cell_text.cc KpiText: "1,234.50 USD", "12.5 %", "42", "3.25 days"."""
    unit, value = item["unit"], num(item["value"])
    if unit == "%":
        return percent(value)
    if unit == currency or re.fullmatch(r"[A-Z]{3}", unit):
        return money(value) + " " + unit
    whole = value == value.to_integral_value()
    text = format(int(value), ",") if whole else money(value)
    return text + (" " + unit if unit else "")


def generate(*args):
    p = subprocess.run([readside_bin(), "generate"] + [str(a) for a in args],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if p.returncode != 0:
        raise AssertionError("generate exited %d: %s" % (p.returncode, p.stderr.decode()))
    return p.stdout


# -- the acme-corp server ----------------------------------------------------------------

class LedgerServer(ServerTestCase):
    """One server per class with the hand-made ledger; tests only read."""

    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="readside-it-reports-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.srv = ReadsideServer()
        cls.addClassCleanup(cls.srv.close)
        cls.srv.start()
        events = ledger_events()
        r = cls.srv.post_events(events)
        if r.status != 200 or r.json["accepted"] != len(events) or r.json["rejected"]:
            raise AssertionError("ledger not accepted: %s" % r.describe())
        cls.pos = int(r.headers.get("x-readside-position") or r.json["position"])
        cls.srv.wait_ready(caught_up_to=cls.pos)

    # JSON preview -------------------------------------------------------------------------

    def get_report(self, type_, period, report="financial", org=ORG, token=_DEFAULT,
                   **params):
        q = {"type": type_, "period": period, "min_position": self.pos}
        q.update(params)
        path = "/reports/%s/%s?%s" % (report, org, urllib.parse.urlencode(q))
        if token is _DEFAULT:
            return self.srv.get(path)
        return self.srv.get(path, token=token)

    def doc(self, type_, period, **params):
        r = self.get_report(type_, period, **params)
        self.assertEqual(r.status, 200, r.describe())
        self.assertTrue(r.headers.get("content-type", "").startswith("application/json"),
                        r.describe())
        d = parse_json(r.raw)
        self.assertEqual(int(r.headers["x-readside-position"]), d["position"])
        self.assertGreaterEqual(d["position"], self.pos)
        return d

    # Export -------------------------------------------------------------------------------

    def export(self, fmt, body, token=_DEFAULT, raw_body=None, query=""):
        data = raw_body if raw_body is not None else encode_body(body)
        path = "/reports/export/" + fmt + query
        if token is _DEFAULT:
            return self.srv.request("POST", path, data, JSON_HEADERS)
        return self.srv.request("POST", path, data, JSON_HEADERS, token=token)

    def export_ok(self, fmt, type_, period, parameters=None, section_id=None):
        body = {"organization_id": ORG, "report": "financial", "type": type_, "period": period}
        if parameters is not None:
            body["parameters"] = parameters
        if section_id is not None:
            body["section"] = section_id
        r = self.export(fmt, body, query="?min_position=%d" % self.pos)
        self.assertEqual(r.status, 200, r.describe())
        self.assertTrue(r.raw, "empty %s export" % fmt)
        return r

    def assertProblemField(self, resp, status, field, msg=""):
        self.assertProblem(resp, status, msg)
        fields = [e.get("field") for e in resp.json.get("errors", [])]
        self.assertEqual(fields, [field], "%s\n%s" % (msg, resp.describe()))
        self.assertIn(field, resp.json["detail"], "%s\n%s" % (msg, resp.describe()))

    def assertKpis(self, sec, expected):
        self.assertEqual(sec["kind"], "kpis")
        got = [(i["label"], num(i["value"]), i["unit"]) for i in sec["items"]]
        self.assertEqual(got, [(l, D(v), u) for l, v, u in expected])

    def assertTable(self, sec, rows, totals=None):
        """rows as tuples in column order, totals as {column id: value}; the values of
        non-string columns are compared exactly as Decimals."""
        self.assertEqual(sec["kind"], "table")
        text = [c["type"] == "string" for c in sec["columns"]]

        def norm(values):
            return tuple(v if t or v is None else D(str(v)) for t, v in zip(text, values))

        self.assertEqual([norm(r) for r in rows_of(sec)], [norm(r) for r in rows], sec["id"])
        if totals is not None:
            ids = [c["id"] for c in sec["columns"]]
            got = sec.get("totals", {})
            self.assertEqual(norm([got.get(i) for i in ids]), norm([totals.get(i) for i in ids]),
                             sec["id"] + " totals")
            self.assertEqual(set(got), set(totals), sec["id"] + " totals")


class FinancialStatements(LedgerServer):
    """Every number of the JSON previews against the arithmetic above."""

    def test_hand_arithmetic_agrees_with_the_ledger_data(self):
        # A guard for whoever edits TRANSACTIONS: the trial balance above is their sum.
        debit, credit = {}, {}
        for day, lines in TRANSACTIONS:
            if day < "2024-03-01":
                for code, d, k in lines:
                    debit[code] = debit.get(code, D(0)) + D(d)
                    credit[code] = credit.get(code, D(0)) + D(k)
        for code, d, k in TB_FEB:
            self.assertEqual((debit.get(code, D(0)), credit.get(code, D(0))), (D(d), D(k)), code)
        self.assertEqual(sum(debit.values()), D(TB_FEB_TOTAL))
        self.assertEqual(sum(credit.values()), D(TB_FEB_TOTAL))

    def test_catalog(self):
        r = self.srv.get("/reports/catalog")
        self.assertEqual(r.status, 200, r.describe())
        fin = [x for x in r.json["reports"] if x["report"] == "financial"]
        self.assertEqual(len(fin), 1, r.describe())
        self.assertEqual(fin[0]["domain"], "finance")
        types = {t["type"]: t for t in fin[0]["types"]}
        self.assertEqual(set(types), {"pnl", "balance_sheet", "cash_flow", "trial_balance",
                                      "ar_aging"})
        compare = [p for p in types["pnl"]["parameters"] if p["name"] == "compare"]
        self.assertEqual(compare[0]["values"], ["prev", "yoy", "none"])
        self.assertEqual(compare[0]["default"], "prev")
        self.assertEqual(sorted(r.json["formats"]), ["csv", "excel", "json", "pdf"])

    def test_pnl_february_against_january(self):
        d = self.doc("pnl", "2024-02")
        self.assertEqual((d["organization_id"], d["report"], d["type"], d["period"],
                          d["title"], d["currency"]),
                         (ORG, "financial", "pnl", "2024-02", "Profit and loss", "USD"))
        self.assertEqual(d["parameters"], {"compare": "prev"})
        self.assertNotIn("balanced", d)
        self.assertEqual([s["id"] for s in d["sections"]],
                         ["kpis", "statement", "accounts", "trend"])
        self.assertKpis(section(d, "kpis"), PNL_FEB_KPIS)
        st = section(d, "statement")
        self.assertEqual([(c["id"], c["label"], c["type"]) for c in st["columns"]],
                         [("line", "Line", "string"), ("amount", "2024-02", "money"),
                          ("compare", "2024-01", "money"), ("change", "Change", "money"),
                          ("change_pct", "Change %", "percent")])
        self.assertTable(st, PNL_FEB_STATEMENT)
        acc = section(d, "accounts")
        self.assertEqual([c["label"] for c in acc["columns"]],
                         ["Account", "Group", "2024-02", "2024-01"])
        self.assertTable(acc, PNL_FEB_ACCOUNTS, PNL_FEB_ACCOUNTS_TOTALS)
        # Trend: 12 months ending February; only January and February have lines.
        trend = section(d, "trend")
        self.assertEqual(trend["kind"], "chart")
        series = {s["name"]: s["points"] for s in trend["series"]}
        self.assertEqual(list(series), ["Revenue", "Expenses", "Net profit"])
        want = {"Revenue": {"2024-01": "8000", "2024-02": "8750.75"},
                # expenses = cogs + opex: 3200 + 1500 = 4700; 1800.10 + 1500 = 3300.10
                "Expenses": {"2024-01": "4700", "2024-02": "3300.1"},
                "Net profit": {"2024-01": "3300", "2024-02": "5450.65"}}
        for name, points in series.items():
            self.assertEqual([p["x"] for p in points], TREND_MONTHS_FEB)
            self.assertEqual([num(p["y"]) for p in points],
                             [D(want[name].get(m, "0")) for m in TREND_MONTHS_FEB], name)

    def test_pnl_year_over_year_and_none(self):
        d = self.doc("pnl", "2024-02", compare="yoy")
        self.assertEqual(d["parameters"], {"compare": "yoy"})
        st = section(d, "statement")
        self.assertEqual(st["columns"][2]["label"], "2023-02")
        # Nothing in February 2023: comparison 0, change = amount, change % undefined (null).
        self.assertTable(st, [(line, a, "0", a, None) for line, a, _, _, _ in PNL_FEB_STATEMENT])
        self.assertTable(section(d, "accounts"),
                         [(acc, g, a, "0") for acc, g, a, _ in PNL_FEB_ACCOUNTS if a != "0"],
                         {"account": "Total", "amount": "5450.65", "compare": "0"})

        d = self.doc("pnl", "2024-02", compare="none")
        self.assertEqual(d["parameters"], {"compare": "none"})
        st = section(d, "statement")
        self.assertEqual([c["id"] for c in st["columns"]], ["line", "amount"])
        self.assertTable(st, [(line, a) for line, a, _, _, _ in PNL_FEB_STATEMENT])
        acc = section(d, "accounts")
        self.assertEqual([c["id"] for c in acc["columns"]], ["account", "group", "amount"])
        self.assertTable(acc, [(a, g, x) for a, g, x, _ in PNL_FEB_ACCOUNTS],
                         {"account": "Total", "amount": "5450.65"})

    def test_pnl_march_and_quarter(self):
        d = self.doc("pnl", "2024-03")
        self.assertTable(section(d, "statement"), [
            # March vs February: change and 100 (a - b) / |b|
            #   revenue 4134.56 - 8750.75 = -4616.19; / 8750.75 = -52.752 % -> -52.8
            #   cogs 900 - 1800.10 = -900.10; / 1800.10 = -50.003 % -> -50.0
            #   gross 3234.56 - 6950.65 = -3716.09; / 6950.65 = -53.463 % -> -53.5
            #   net 1734.56 - 5450.65 = -3716.09; / 5450.65 = -68.177 % -> -68.2
            ("Revenue", "4134.56", "8750.75", "-4616.19", "-52.8"),
            ("Cost of goods sold", "900", "1800.1", "-900.1", "-50"),
            ("Gross profit", "3234.56", "6950.65", "-3716.09", "-53.5"),
            ("Operating expenses", "1500", "1500", "0", "0"),
            ("Net profit", "1734.56", "5450.65", "-3716.09", "-68.2")])
        # 4000 in March: 3000.00 - 100.00 (refund) = 2900.00
        self.assertTable(section(d, "accounts"), [
            (LABEL["4000"], "Revenue", "2900", "2250.25"),
            (LABEL["4100"], "Revenue", "1234.56", "6500.5"),
            (LABEL["5000"], "Cost of goods sold", "-900", "-1800.1"),
            (LABEL["6000"], "Operating expenses", "-1500", "-1500")],
            {"account": "Total", "amount": "1734.56", "compare": "5450.65"})
        q = self.doc("pnl", "2024-Q1")
        self.assertEqual(section(q, "statement")["columns"][2]["label"], "2023-Q4")
        self.assertKpis(section(q, "kpis"), [
            ("Revenue", "20885.31", "USD"), ("Cost of goods sold", "5900.1", "USD"),
            ("Gross profit", "14985.21", "USD"), ("Operating expenses", "4500", "USD"),
            # 10485.21 / 20885.31 = 50.2038 %
            ("Net profit", "10485.21", "USD"), ("Net margin", "50.2", "%")])

    def check_balance_sheet(self, period, as_of, want, balanced):
        d = self.doc("balance_sheet", period)
        self.assertIs(d["balanced"], balanced, period)
        kpis = section(d, "kpis")
        self.assertEqual(kpis["title"], "Summary as of " + as_of)
        a, l, e = want["assets_total"], want["liabilities_total"], want["equity_total"]
        self.assertKpis(kpis, [("Total assets", a, "USD"), ("Total liabilities", l, "USD"),
                               ("Total equity", e, "USD"),
                               ("Liabilities and equity", str(D(l) + D(e)), "USD")])
        for sid in ("assets", "liabilities", "equity"):
            sec = section(d, sid)
            self.assertEqual([c["label"] for c in sec["columns"]],
                             ["Account", "Balance " + as_of])
            self.assertTable(sec, want[sid], {"account": "Total", "balance": want[sid + "_total"]})
        return d

    def test_balance_sheet_balances_through_march(self):
        d = self.check_balance_sheet("2024-02", "2024-02-29", BS_FEB, True)
        self.assertEqual([s["id"] for s in d["sections"]],
                         ["kpis", "assets", "liabilities", "equity", "trend"])
        trend = {s["name"]: [num(p["y"]) for p in s["points"]]
                 for s in section(d, "trend")["series"]}
        # At the end of January: assets 64500 + 12000 = 76500; liabilities 3200 + 20000 =
        # 23200; equity 50000 + 3300 = 53300 (23200 + 53300 = 76500).
        self.assertEqual(trend["Assets"][-2:], [D("76500"), D("79450.65")])
        self.assertEqual(trend["Liabilities"][-2:], [D("23200"), D("20700")])
        self.assertEqual(trend["Equity"][-2:], [D("53300"), D("58750.65")])
        self.assertEqual(set(trend["Assets"][:-2]), {D(0)})
        self.check_balance_sheet("2024-03", "2024-03-31", BS_MAR, True)
        self.check_balance_sheet("2024-Q1", "2024-03-31", BS_MAR, True)

    def test_balance_sheet_with_a_line_on_an_unknown_account_is_not_balanced(self):
        d = self.check_balance_sheet("2024-04", "2024-04-30", BS_APR, False)
        self.assertTable(section(d, "unclassified"), [("9999", "250", "0", "250")],
                         {"account": "Total", "debit": "250", "credit": "0", "balance": "250"})
        # The whole year holds April too; March alone stays balanced (checked above).
        self.assertIs(self.doc("balance_sheet", "2024")["balanced"], False)

    def check_cash_flow(self, period):
        want = CF[period]
        d = self.doc("cash_flow", period)
        self.assertEqual([s["id"] for s in d["sections"]],
                         ["kpis", "activities", "cash_accounts", "trend"])
        self.assertKpis(section(d, "kpis"), [
            ("Opening cash", want["opening"], "USD"), ("Cash inflows", want["in"], "USD"),
            ("Cash outflows", want["out"], "USD"), ("Net change", want["net"], "USD"),
            ("Closing cash", want["closing"], "USD")])
        act = section(d, "activities")
        self.assertEqual([c["id"] for c in act["columns"]],
                         ["activity", "inflows", "outflows", "net"])
        i, o, n = want["totals"]
        self.assertTable(act, want["rows"],
                         {"activity": "Total", "inflows": i, "outflows": o, "net": n})
        op, rc, pa, cl = want["account"]
        self.assertTable(section(d, "cash_accounts"), [(LABEL["1000"], op, rc, pa, cl)],
                         {"account": "Total", "opening": op, "receipts": rc, "payments": pa,
                          "closing": cl})
        # Closing = opening + net change.
        self.assertEqual(D(want["opening"]) + D(want["net"]), D(want["closing"]))
        return d

    def test_cash_flow_january_february_april(self):
        d = self.check_cash_flow("2024-02")
        trend = {s["name"]: [num(p["y"]) for p in s["points"]]
                 for s in section(d, "trend")["series"]}
        self.assertEqual(trend["Inflows"][-2:], [D("78000"), D("6550.25")])
        self.assertEqual(trend["Outflows"][-2:], [D("13500"), D("5800.1")])
        self.check_cash_flow("2024-01")
        self.check_cash_flow("2024-04")

    def test_trial_balance(self):
        d = self.doc("trial_balance", "2024-02")
        self.assertEqual([s["id"] for s in d["sections"]], ["kpis", "accounts"])
        self.assertKpis(section(d, "kpis"), [
            ("Total debits", TB_FEB_TOTAL, "USD"), ("Total credits", TB_FEB_TOTAL, "USD"),
            ("Difference", "0", "USD"), ("Accounts", "10", "")])
        types = {c: t for c, _, t, _ in ACCOUNTS}
        self.assertTable(section(d, "accounts"),
                         [(c, NAME[c], types[c], dr, cr) for c, dr, cr in TB_FEB],
                         {"code": "Total", "debit": TB_FEB_TOTAL, "credit": TB_FEB_TOTAL})
        # April: the unknown code is listed as unclassified; the totals stay equal.
        d = self.doc("trial_balance", "2024-04")
        acc = section(d, "accounts")
        self.assertEqual(rows_of(acc)[-1], ("9999", "", "unclassified", 250, 0))
        self.assertEqual(len(acc["rows"]), 11)
        self.assertEqual((num(acc["totals"]["debit"]), num(acc["totals"]["credit"])),
                         (D(TB_APR_TOTAL), D(TB_APR_TOTAL)))

    def test_ar_aging(self):
        d = self.doc("ar_aging", "2024-02")
        self.assertEqual([s["id"] for s in d["sections"]], ["kpis", "customers", "trend"])
        self.assertKpis(section(d, "kpis"), AR_FEB_KPIS)
        cust = section(d, "customers")
        self.assertEqual([c["id"] for c in cust["columns"]],
                         ["customer", "current", "d1_30", "d31_60", "d61_90", "d90_plus",
                          "total", "invoices"])
        ids = [c["id"] for c in cust["columns"]]
        self.assertTable(cust, AR_FEB,
                         {"customer": "Total", **dict(zip(ids[1:], map(str, AR_FEB_TOTALS)))})
        d = self.doc("ar_aging", "2024-03")
        self.assertTable(section(d, "customers"), AR_MAR,
                         {"customer": "Total", **dict(zip(ids[1:], map(str, AR_MAR_TOTALS)))})
        # Trend: receivables at month end. End of Jan: A1 100 + C1 600 + C2 40 + D1 75.50 +
        # D2 80 + E2 300 = 1195.50 (E3 paid Jan 25; B1, E1, G1 not yet created).
        trend = section(d, "trend")["series"][0]["points"]
        self.assertEqual([num(p["y"]) for p in trend[-3:]],
                         [D("1195.5"), D("1908"), D("1858")])


# -- exports -----------------------------------------------------------------------------

class Exports(LedgerServer):
    """The JSON preview's numbers read back from CSV, XLSX and PDF."""

    def preview(self, type_, period, **params):
        return self.doc(type_, period, **params)

    def csv_rows(self, r):
        self.assertEqual(r.headers.get("content-type"), "text/csv; charset=utf-8")
        raw = r.raw
        self.assertFalse(raw.startswith(b"\xef\xbb\xbf"), "no BOM expected")
        text = raw.decode("utf-8")          # strict: the bytes are UTF-8
        self.assertTrue(text.endswith("\r\n"), "records end with CRLF")
        self.assertNotIn("\n", text.replace("\r\n", ""), "bare LF in %r" % text)
        return list(csv.reader(io.StringIO(text, newline=""), strict=True))

    def assertCsvMatchesTable(self, rows, table):
        cols = [c["id"] for c in table["columns"]]
        self.assertEqual(rows[0], [c["label"] for c in table["columns"]])
        want = [[expected_csv_text(v) for v in row] for row in rows_of(table)]
        if "totals" in table:
            want.append([expected_csv_text(table["totals"].get(c)) for c in cols])
            if want[-1][0] == "":
                want[-1][0] = "Total"
        self.assertEqual(rows[1:], want)

    def test_csv_every_table_of_every_statement(self):
        cases = [("pnl", "2024-02", None), ("pnl", "2024-02", {"compare": "yoy"}),
                 ("balance_sheet", "2024-02", None), ("balance_sheet", "2024-04", None),
                 ("cash_flow", "2024-02", None), ("trial_balance", "2024-04", None),
                 ("ar_aging", "2024-02", None)]
        for type_, period, params in cases:
            d = self.preview(type_, period, **(params or {}))
            first = True
            for table in tables(d):
                with self.subTest(type=type_, period=period, params=params, section=table["id"]):
                    r = self.export_ok("csv", type_, period, params,
                                       None if first else table["id"])
                    name = "%s-financial-%s-%s%s.csv" % (
                        ORG, type_, period, "" if first else "-" + table["id"])
                    self.assertEqual(r.headers.get("content-disposition"),
                                     'attachment; filename="%s"' % name)
                    self.assertCsvMatchesTable(self.csv_rows(r), table)
                first = False

    def test_csv_pnl_cells_and_unicode(self):
        r = self.export_ok("csv", "pnl", "2024-02", section_id="accounts")
        rows = self.csv_rows(r)
        self.assertEqual(rows, [
            ["Account", "Group", "2024-02", "2024-01"],
            ["4000 Umsatzerlöse Müller & Söhne", "Revenue", "2250.25", "8000"],
            ["4100 東京株式会社 売上", "Revenue", "6500.5", "0"],
            # negative numbers are numbers: no "'" prefix
            ["5000 Wareneinsatz", "Cost of goods sold", "-1800.1", "-3200"],
            ["6000 Αθήνα Ενοίκιο", "Operating expenses", "-1500", "-1500"],
            ["Total", "", "5450.65", "3300"]])
        self.assertIn("Umsatzerlöse Müller & Söhne".encode("utf-8"), r.raw)
        # Default section: the first table (the statement), numbers as JSON writes them.
        rows = self.csv_rows(self.export_ok("csv", "pnl", "2024-02"))
        self.assertEqual(rows[0], ["Line", "2024-02", "2024-01", "Change", "Change %"])
        self.assertEqual(rows[1:], [list(r) for r in PNL_FEB_STATEMENT])

    def test_csv_formula_injection(self):
        r = self.export_ok("csv", "ar_aging", "2024-02")
        self.assertEqual(r.headers.get("content-disposition"),
                         'attachment; filename="acme-corp-financial-ar_aging-2024-02.csv"')
        rows = self.csv_rows(r)
        self.assertEqual([row[0] for row in rows[1:]],
                         [UNICODE_CUSTOMER, "'-2+3", "'+1+1", "'@SUM(A1)",
                          "'=HYPERLINK(\"http://x\")", "-12.5", "Total"])
        # The quote of the formula is doubled inside a quoted field (RFC 4180).
        self.assertIn(b'"\'=HYPERLINK(""http://x"")"', r.raw)
        self.assertEqual(rows[1][1:], ["500", "300", "0", "0", "0", "800", "2"])
        self.assertEqual(rows[-1], ["Total", "712.5", "375.5", "180", "40", "600", "1908", "9"])

    def test_csv_unknown_or_non_table_section_is_400(self):
        for sid in ("nonexistent", "trend", "kpis"):
            with self.subTest(section=sid):
                body = {"organization_id": ORG, "report": "financial", "type": "pnl",
                        "period": "2024-02", "section": sid}
                self.assertProblemField(self.export("csv", body), 400, "section")

    def test_pdf_and_xlsx_unknown_section_is_400_and_a_known_one_narrows_the_file(self):
        body = {"organization_id": ORG, "report": "financial", "type": "pnl",
                "period": "2024-02"}
        for fmt in ("pdf", "excel"):
            with self.subTest(fmt=fmt):
                r = self.export(fmt, dict(body, section="nonexistent"))
                self.assertProblemField(r, 400, "section")
                self.assertIn("nonexistent", r.json["detail"])
        # The workbook of one section: the parameters and that section's sheet only.
        r = self.export_ok("excel", "pnl", "2024-02", section_id="trend")
        wb = Workbook(r.raw)
        whole = Workbook(self.export_ok("excel", "pnl", "2024-02").raw)
        self.assertLess(len(wb.sheet_names()), len(whole.sheet_names()))
        self.assertEqual(wb.sheet_names()[0], "Parameters")
        self.assertEqual(len(wb.sheet_names()), 2, wb.sheet_names())

    def test_other_methods_on_the_export_route_are_405_with_allow(self):
        for method in ("GET", "PUT", "DELETE", "PATCH"):
            with self.subTest(method=method):
                r = self.srv.request(method, "/reports/export/pdf")
                self.assertProblem(r, 405)
                self.assertEqual(r.headers.get("allow"), "POST")

    # XLSX ---------------------------------------------------------------------------------

    def check_xlsx(self, type_, period, params=None):
        d = self.preview(type_, period, **(params or {}))
        r = self.export_ok("excel", type_, period, params)
        self.assertEqual(r.headers.get("content-type"), XLSX_TYPE)
        self.assertEqual(r.headers.get("content-disposition"),
                         'attachment; filename="acme-corp-financial-%s-%s.xlsx"' % (type_, period))
        wb = Workbook(r.raw)
        non_kpi = [s for s in d["sections"] if s["kind"] != "kpis"]
        self.assertEqual(wb.sheet_names(),
                         ["Parameters"] + [excel_sheet_name(s["title"]) for s in non_kpi])
        # Parameters sheet: header fields, the store position as a number, the KPIs.
        cells, _ = wb.cells("Parameters")
        pairs = {}
        for (row, col), v in cells.items():
            if col == 0 and (row, 1) in cells:
                pairs[v] = cells[(row, 1)]
        self.assertEqual(cells[(0, 0)], d["title"])
        self.assertEqual(pairs["Period"], period)
        self.assertEqual(pairs["Organization"], ORG)
        self.assertEqual(pairs["Store position"], float(d["position"]))
        for k, v in d["parameters"].items():
            self.assertEqual(pairs[k], v)
        if "balanced" in d:
            self.assertIs(pairs["Balanced"], d["balanced"])
        for s in d["sections"]:
            if s["kind"] == "kpis":
                for item in s["items"]:
                    self.assertEqual(pairs[item["label"]], float(item["value"]), item)
        for s in non_kpi:
            name = excel_sheet_name(s["title"])
            cells, styles = wb.cells(name)
            root = ET.fromstring(wb.xml(name))
            if s["kind"] == "table":
                self.assertXlsxTable(wb, name, s, cells, styles, root)
            else:
                self.assertXlsxChartData(s, cells)
        return d, wb

    def assertXlsxTable(self, wb, name, table, cells, styles, root):
        cols = table["columns"]
        ids = [c["id"] for c in cols]
        n = len(table["rows"])
        self.assertEqual([cells.get((0, c)) for c in range(len(cols))],
                         [c["label"] for c in cols], name)
        for r, row in enumerate(rows_of(table), 1):
            for c, v in enumerate(row):
                got = cells.get((r, c))
                if v is None:
                    self.assertIsNone(got, (name, r, c))
                elif v == "":
                    self.assertIn(got, (None, ""), (name, r, c))   # an empty text cell
                elif isinstance(v, str):
                    self.assertEqual(got, v, (name, r, c))
                else:
                    self.assertEqual(got, float(v), (name, r, c))
                    fmt = wb.number_format(styles[(r, c)])
                    want = {"money": "#,##0.00", "number": "#,##0.00", "integer": "#,##0",
                            "percent": '0.0"%"'}[cols[c]["type"]]
                    self.assertEqual(fmt, want, (name, r, c, cols[c]))
        if "totals" in table:
            tot = [cells.get((n + 1, c)) for c in range(len(cols))]
            want = [float(table["totals"][i]) if i in table["totals"] and
                    not isinstance(table["totals"][i], str) else table["totals"].get(i)
                    for i in ids]
            if want[0] is None:
                want[0] = "Total"
            self.assertEqual(tot, want, name + " totals")
        # Frozen header row and an autofilter over header and rows (not the totals).
        pane = root.find("m:sheetViews/m:sheetView/m:pane", NS)
        self.assertIsNotNone(pane, name + ": no pane")
        self.assertEqual((pane.get("ySplit"), pane.get("state"), pane.get("topLeftCell")),
                         ("1", "frozen", "A2"), name)
        af = root.find("m:autoFilter", NS)
        self.assertIsNotNone(af, name + ": no autoFilter")
        last_col = chr(ord("A") + len(cols) - 1)
        self.assertEqual(af.get("ref"), "A1:%s%d" % (last_col, n + 1), name)

    def assertXlsxChartData(self, chart, cells):
        xs = [p["x"] for p in chart["series"][0]["points"]]
        self.assertEqual(cells[(0, 0)], "Category")
        self.assertEqual([cells.get((1 + i, 0)) for i in range(len(xs))], xs)
        for k, s in enumerate(chart["series"], 1):
            self.assertEqual(cells[(0, k)], s["name"])
            self.assertEqual([cells.get((1 + i, k)) for i in range(len(xs))],
                             [float(p["y"]) for p in s["points"]], s["name"])

    def test_xlsx_pnl(self):
        d, wb = self.check_xlsx("pnl", "2024-02")
        self.assertEqual(wb.sheet_names(), ["Parameters", "Profit and loss", "Accounts",
                                            "Revenue, expenses and net profi"])
        # The Unicode names are in the shared strings, intact.
        for code in ("4000", "4100", "6000"):
            self.assertIn(LABEL[code], wb.shared)
        # Spot checks of the <v> text itself.
        xml = wb.xml("Profit and loss").decode("utf-8")
        for v in ("8750.75", "5450.65", "-1399.9", "65.2"):
            self.assertIn("<v>%s</v>" % v, xml)
        # A native chart over the chart sheet's cells.
        self.assertIn("xl/charts/chart1.xml", wb.names)
        chart = wb.zip.read("xl/charts/chart1.xml").decode("utf-8")
        refs = re.findall(r"<c:f>([^<]*)</c:f>", chart)
        self.assertTrue(refs, chart[:500])
        sheet = "'Revenue, expenses and net profi'"
        for ref in ("$A$2:$A$13", "$B$2:$B$13", "$C$2:$C$13", "$D$2:$D$13", "$B$1"):
            self.assertIn(sheet + "!" + ref, refs)
        self.assertIn("<c:barChart>", chart)
        # The chart is anchored on the chart sheet's drawing.
        drawings = [n for n in wb.names if n.startswith("xl/drawings/drawing")]
        self.assertTrue(drawings, wb.names)

    def test_xlsx_every_statement(self):
        for type_, period in (("balance_sheet", "2024-02"), ("balance_sheet", "2024-04"),
                              ("cash_flow", "2024-02"), ("trial_balance", "2024-04"),
                              ("ar_aging", "2024-02")):
            with self.subTest(type=type_, period=period):
                d, wb = self.check_xlsx(type_, period)
                if type_ == "trial_balance":
                    for code in ("4000", "4100", "6000"):
                        self.assertIn(NAME[code], wb.shared)
                if type_ == "ar_aging":
                    # Text cells stay text in XLSX (no formula injection possible): as is.
                    for c in (INJECT_LINK, INJECT_PLUS, INJECT_MINUS, INJECT_AT, NUMBER_LIKE,
                              UNICODE_CUSTOMER):
                        self.assertIn(c, wb.shared)
                    self.assertNotIn("<f>", wb.xml("Open receivables by customer").decode())
        self.check_xlsx("pnl", "2024-02", {"compare": "none"})

    # PDF ----------------------------------------------------------------------------------

    def check_pdf(self, type_, period, params=None, keep=None, allow_cut=False):
        d = self.preview(type_, period, **(params or {}))
        r = self.export_ok("pdf", type_, period, params)
        self.assertEqual(r.headers.get("content-type"), "application/pdf")
        self.assertEqual(r.headers.get("content-disposition"),
                         'attachment; filename="acme-corp-financial-%s-%s.pdf"' % (type_, period))
        self.assertTrue(r.raw.startswith(b"%PDF-"))
        path = os.path.join(self.tmp, keep or "%s-%s.pdf" % (type_, period))
        with open(path, "wb") as f:
            f.write(r.raw)
        text = run_tool(["pdftotext", "-layout", path, "-"])
        pages = pdf_pages(path)
        self.assertIn(d["title"], text)
        for p in range(1, pages + 1):
            self.assertIn("Page %d of %d" % (p, pages), text)
        self.assertIn("Store position", text)
        footer = "\u00b7 position %d" % d["position"]             # "Generated … · position N"
        self.assertEqual(text.count(footer), pages, "footer on each page:\n" + text)
        # Generated at (this export's own instant) in the header and the footer.
        self.assertRegex(text, r"Generated at\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
        self.assertRegex(text, r"Generated \d{4}-\d\d-\d\dT[0-9:.]+Z \u00b7 position %d"
                         % d["position"])
        if not allow_cut:
            self.assertEqual(ellipsized(r.raw), [], "text cut with an ellipsis")
        fonts = pdf_fonts(path)
        self.assertTrue(fonts, "pdffonts lists no font")
        for name, emb in fonts:
            self.assertEqual(emb, "yes", "font %s not embedded" % name)
        out = os.path.join(self.tmp, "png-" + os.path.basename(path))
        os.makedirs(out, exist_ok=True)
        run_tool(["pdftoppm", "-png", "-r", "40", path, os.path.join(out, "p")])
        pngs = [f for f in os.listdir(out) if f.endswith(".png")]
        self.assertEqual(len(pngs), pages)
        for f in pngs:
            with open(os.path.join(out, f), "rb") as fh:
                self.assertEqual(fh.read(8), b"\x89PNG\r\n\x1a\n")
        return d, text

    def assertPdfShowsTables(self, d, text):
        """Every table cell and KPI value as the renderer formats it."""
        flat = re.sub(r"\s+", " ", text)
        for s in d["sections"]:
            if s["kind"] == "kpis":
                for item in s["items"]:
                    self.assertIn(item["label"], text)
                    self.assertIn(kpi_text(item, d["currency"]), flat, item)
            elif s["kind"] == "table":
                types = {c["id"]: c["type"] for c in s["columns"]}
                for c in s["columns"]:
                    # A long label of a number column may wrap to two header lines, which
                    # pdftotext -layout interleaves with the neighbouring labels: its words
                    # in order, a few header words apart at most.
                    words = [re.escape(w) for w in c["label"].split()]
                    self.assertRegex(flat, r"\s(?:\S+\s){0,12}?".join(words), s["id"])
                for row in s["rows"] + [s.get("totals", {})]:
                    for cid, v in row.items():
                        if v is None:
                            continue
                        if isinstance(v, str):
                            want = v
                        elif types[cid] == "percent":
                            want = percent(v)
                        elif types[cid] == "integer":
                            want = format(num(v), ",")
                        else:
                            want = money(v)
                        self.assertIn(want, text, (s["id"], cid, v))

    def test_pdf_pnl(self):
        d, text = self.check_pdf("pnl", "2024-02", keep="pnl-2024-02.pdf")
        self.assertPdfShowsTables(d, text)
        for s in ("8,750.75", "5,450.65 USD", "62.3 %", "9.4 %", "-43.7 %", "-1,800.10",
                  "Umsatzerlöse Müller & Söhne", "東京株式会社 売上", "Αθήνα Ενοίκιο",
                  "Revenue, expenses and net profit by month"):
            self.assertIn(s, text)

    def test_pdf_every_statement(self):
        for type_, period in (("balance_sheet", "2024-02"), ("balance_sheet", "2024-04"),
                              ("cash_flow", "2024-02"), ("trial_balance", "2024-04"),
                              ("ar_aging", "2024-02")):
            with self.subTest(type=type_, period=period):
                d, text = self.check_pdf(type_, period)
                self.assertPdfShowsTables(d, text)
                if type_ == "balance_sheet":
                    self.assertRegex(text, r"Balanced\s+%s" % ("yes" if d["balanced"] else "no"))
                if type_ == "ar_aging":
                    # PDF is not a spreadsheet: the customer ids are shown as they are.
                    for c in (INJECT_LINK, INJECT_PLUS, UNICODE_CUSTOMER):
                        self.assertIn(c, text)

    def test_pdf_does_not_cut_customer_ids_when_the_table_has_room(self):
        """src/render/pdf_table.cc once cut the customer column of ar_aging 2024-02 to
        "Ωμέγα 東京 Müll…" and "=HYPERLINK("ht…" while the number columns kept their whole
        one-line header labels ("Open invoices", "Over 90 days") as width. Those labels now
        wrap to two lines first, which leaves the customers their room: a reader cannot tell
        customers apart from a cut id."""
        d = self.preview("ar_aging", "2024-02")
        texts = [v for t in tables(d) for row in rows_of(t) for v in row if isinstance(v, str)]
        r = self.export_ok("pdf", "ar_aging", "2024-02")
        cut = []
        for _, hidden in ellipsized(r.raw):
            whole = [t for t in texts if t.endswith(hidden) and t != hidden] or ["?" + hidden]
            cut.append("%s shown as %s\u2026" % (whole[0], whole[0][:-len(hidden)]))
        self.assertEqual(cut, [], "customer ids cut in the PDF")

    def test_every_form_has_the_same_numbers(self):
        """The balance sheet's totals in JSON, CSV, XLSX and PDF."""
        d = self.preview("balance_sheet", "2024-02")
        csv_rows = self.csv_rows(self.export_ok("csv", "balance_sheet", "2024-02",
                                                section_id="assets"))
        self.assertEqual(csv_rows[-1], ["Total", "79450.65"])
        wb = Workbook(self.export_ok("excel", "balance_sheet", "2024-02").raw)
        cells, _ = wb.cells("Assets")
        self.assertEqual(cells[(4, 1)], 79450.65)
        self.assertEqual(num(section(d, "assets")["totals"]["balance"]), D("79450.65"))
        path = os.path.join(self.tmp, "same.pdf")
        with open(path, "wb") as f:
            f.write(self.export_ok("pdf", "balance_sheet", "2024-02").raw)
        text = run_tool(["pdftotext", "-layout", path, "-"])
        self.assertIn("79,450.65 USD", text)    # KPI
        self.assertRegex(text, r"Total\s+79,450\.65")   # assets totals row


# -- bad input ---------------------------------------------------------------------------

class BadInput(LedgerServer):

    def test_bad_query_is_400_naming_the_field(self):
        cases = [
            ("nonsense", {"type": "pnl", "period": "2024-02"}, "report"),
            ("financial", {"type": "cashflow", "period": "2024-02"}, "type"),
            ("financial", {"period": "2024-02"}, "type"),
            ("financial", {"type": "pnl", "period": "2024-13"}, "period"),
            ("financial", {"type": "pnl", "period": "Feb 2024"}, "period"),
            ("financial", {"type": "pnl", "period": "2024-02", "compare": "lastyear"},
             "compare"),
            ("financial", {"type": "pnl", "period": "2024-02", "bogus": "1"}, "bogus"),
            # compare belongs to pnl only
            ("financial", {"type": "balance_sheet", "period": "2024-02", "compare": "prev"},
             "compare"),
        ]
        for report, q, field in cases:
            with self.subTest(report=report, q=q):
                r = self.srv.get("/reports/%s/%s?%s" % (report, ORG, urllib.parse.urlencode(q)))
                self.assertProblemField(r, 400, field)

    def test_roles_and_tenants(self):
        sales = make_token(orgs=(ORG,), roles=("sales",))
        r = self.get_report("pnl", "2024-02", token=sales)
        self.assertProblem(r, 403)
        self.assertIn("finance", r.json["detail"])
        finance = make_token(orgs=(ORG,), roles=("finance",))
        self.assertEqual(self.get_report("pnl", "2024-02", token=finance).status, 200)
        other = make_token(orgs=("other-org",), roles=("admin",))
        self.assertProblem(self.get_report("pnl", "2024-02", token=other), 404)
        self.assertProblem(self.get_report("pnl", "2024-02", token=None), 401)

        body = {"organization_id": ORG, "report": "financial", "type": "pnl",
                "period": "2024-02"}
        for fmt in ("csv", "excel", "pdf"):
            with self.subTest(fmt=fmt):
                self.assertProblem(self.export(fmt, body, token=sales), 403)
                self.assertProblem(self.export(fmt, body, token=other), 404)
                self.assertProblem(self.export(fmt, body, token=None), 401)
                self.assertEqual(self.export(fmt, body, token=finance).status, 200)

    def test_bad_export_requests(self):
        good = {"organization_id": ORG, "report": "financial", "type": "pnl",
                "period": "2024-02"}
        for fmt in ("doc", "xlsx", "PDF"):
            with self.subTest(fmt=fmt):
                self.assertProblemField(self.export(fmt, good), 400, "format")
        cases = [
            (b"not json", "body"),
            (b"[1, 2]", "body"),
            (encode_body(dict(good, colour="red")), "colour"),
            (encode_body({k: v for k, v in good.items() if k != "organization_id"}),
             "organization_id"),
            (encode_body({k: v for k, v in good.items() if k != "report"}), "report"),
            (encode_body(dict(good, period=202402)), "period"),
            (encode_body(dict(good, parameters={"compare": 1})), "parameters.compare"),
            (encode_body(dict(good, report="nonsense")), "report"),
            (encode_body(dict(good, type="nonsense")), "type"),
            (encode_body(dict(good, period="2024-02-30")), "period"),
            (encode_body(dict(good, parameters={"compare": "sideways"})), "compare"),
            (encode_body(dict(good, parameters={"colour": "red"})), "colour"),
        ]
        for raw, field in cases:
            with self.subTest(body=raw[:80]):
                self.assertProblemField(self.export("pdf", None, raw_body=raw), 400, field)
        # Without a token a bad body is still 401, not a description of the body.
        self.assertProblem(self.export("pdf", None, raw_body=b"not json", token=None), 401)


# -- every catalog entry over a simulator stream -------------------------------------------

class SimulatorStream(ServerTestCase):
    """`readside generate --tenants sim-a --count 30000 --seed 5`, spread over four months
    (--rate 0.003 events/s of simulated time: 2024-01-01 .. 2024-04-24) so that "every month"
    means more than one, loaded with `readside ingest`."""

    maxDiff = None
    ORG = "sim-a"

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="readside-it-sim-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.srv = ReadsideServer()
        cls.addClassCleanup(cls.srv.close)
        cls.srv.start()
        data = generate("--tenants", cls.ORG, "--count", 30000, "--seed", 5, "--rate", "0.003")
        path = os.path.join(cls.tmp, "sim.ndjson")
        with open(path, "wb") as f:
            f.write(data)
        stamps = [json.loads(l)["timestamp"] for l in data.decode().splitlines() if l.strip()]
        cls.first_day = min(stamps)[:10]
        cls.last_day = max(stamps)[:10]
        p = subprocess.run([readside_bin(), "ingest", path, "--url", cls.srv.base_url,
                            "--token", cls.srv.token, "--batch", "5000"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        if p.returncode != 0:
            raise AssertionError("ingest exited %d: %s %s" % (
                p.returncode, p.stdout.decode()[-2000:], p.stderr.decode()[-2000:]))
        ready = cls.srv.wait_ready(timeout=120, caught_up_to=len(stamps))
        cls.pos = ready.json["applied_position"]
        r = cls.srv.get("/reports/catalog")
        if r.status != 200:
            raise AssertionError(r.describe())
        cls.catalog = r.json

    def months(self):
        y, m = int(self.first_day[:4]), int(self.first_day[5:7])
        end = self.last_day[:7]
        out = []
        while "%04d-%02d" % (y, m) <= end:
            out.append("%04d-%02d" % (y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def weeks(self):
        day = datetime.date.fromisoformat(self.first_day)
        last = datetime.date.fromisoformat(self.last_day)
        out = []
        while day <= last + datetime.timedelta(days=6):
            iso = day.isocalendar()
            w = "%04d-W%02d" % (iso[0], iso[1])
            if w not in out:
                out.append(w)
            day += datetime.timedelta(days=7)
        return out

    def entries(self):
        out = []
        for rep in self.catalog["reports"]:
            for t in rep["types"]:
                out.append((rep["report"], t["type"], t))
        return out

    def get(self, report, type_, period, **params):
        q = {"type": type_, "period": period, "min_position": self.pos}
        q.update(params)
        return self.srv.get("/reports/%s/%s?%s" % (report, self.ORG, urllib.parse.urlencode(q)))

    def test_stream_spans_several_months(self):
        self.assertGreaterEqual(len(self.months()), 4, (self.first_day, self.last_day))

    def test_every_catalog_entry_as_json(self):
        self.assertTrue(self.entries())
        for report, type_, spec in self.entries():
            variants = [{}]
            for p in spec["parameters"]:
                for v in p.get("values", []):
                    variants.append({p["name"]: v})
            for period in self.months() + ["2024-Q1", "2024"]:
                for params in variants:
                    with self.subTest(report=report, type=type_, period=period, params=params):
                        r = self.get(report, type_, period, **params)
                        self.assertEqual(r.status, 200, r.describe())
                        d = parse_json(r.raw)
                        self.assertEqual((d["report"], d["type"], d["period"]),
                                         (report, type_, period))
                        self.assertTrue(d["sections"], "no sections")
                        for s in d["sections"]:
                            self.assertIn(s["kind"], ("kpis", "table", "chart"))
                        if type_ == "trial_balance":
                            acc = section(d, "accounts")
                            self.assertEqual(acc["totals"]["debit"], acc["totals"]["credit"])
                            self.assertGreater(num(acc["totals"]["debit"]), 0)

    def test_balance_sheet_balances_for_every_month_and_week(self):
        periods = self.months() + self.weeks() + ["2024-Q1", "2024-Q2", "2024"]
        for period in periods:
            with self.subTest(period=period):
                r = self.get("financial", "balance_sheet", period)
                self.assertEqual(r.status, 200, r.describe())
                d = parse_json(r.raw)
                k = {i["label"]: num(i["value"]) for i in section(d, "kpis")["items"]}
                self.assertIs(d["balanced"], True, k)
                self.assertEqual(k["Total assets"],
                                 k["Total liabilities"] + k["Total equity"], period)
                self.assertNotIn("unclassified", [s["id"] for s in d["sections"]])
        # Something was booked: the statements are not trivially zero.
        d = parse_json(self.get("financial", "balance_sheet", self.months()[-1]).raw)
        self.assertGreater(num(section(d, "kpis")["items"][0]["value"]), 0)

    def test_every_catalog_entry_exports(self):
        period = self.months()[1]
        want_type = {"csv": "text/csv; charset=utf-8", "excel": XLSX_TYPE,
                     "pdf": "application/pdf"}
        for report, type_, _ in self.entries():
            d = parse_json(self.get(report, type_, period).raw)
            for fmt in ("csv", "excel", "pdf"):
                with self.subTest(report=report, type=type_, fmt=fmt):
                    body = {"organization_id": self.ORG, "report": report, "type": type_,
                            "period": period}
                    r = self.srv.request("POST", "/reports/export/%s?min_position=%d"
                                         % (fmt, self.pos), encode_body(body), JSON_HEADERS)
                    if fmt == "csv" and not tables(d):
                        self.assertProblem(r, 400)
                        continue
                    self.assertEqual(r.status, 200, r.describe())
                    self.assertEqual(r.headers.get("content-type"), want_type[fmt])
                    self.assertTrue(r.raw)
                    ext = {"csv": "csv", "excel": "xlsx", "pdf": "pdf"}[fmt]
                    self.assertEqual(r.headers.get("content-disposition"),
                                     'attachment; filename="%s-%s-%s-%s.%s"'
                                     % (self.ORG, report, type_, period, ext))
                    if fmt == "csv":
                        rows = list(csv.reader(io.StringIO(r.raw.decode("utf-8"), newline="")))
                        table = tables(d)[0]
                        self.assertEqual(rows[0], [c["label"] for c in table["columns"]])
                        self.assertEqual(len(rows), 1 + len(table["rows"]) +
                                         (1 if "totals" in table else 0))
                    elif fmt == "excel":
                        wb = Workbook(r.raw)
                        self.assertEqual(wb.sheet_names()[0], "Parameters")
                        self.assertEqual(len(wb.sheet_names()),
                                         1 + len([s for s in d["sections"]
                                                  if s["kind"] != "kpis"]))
                    else:
                        path = os.path.join(self.tmp, "%s-%s.pdf" % (report, type_))
                        with open(path, "wb") as f:
                            f.write(r.raw)
                        pages = pdf_pages(path)
                        self.assertGreaterEqual(pages, 1)
                        text = run_tool(["pdftotext", "-layout", path, "-"])
                        self.assertIn("Page %d of %d" % (pages, pages), text)
                        for name, emb in pdf_fonts(path):
                            self.assertEqual(emb, "yes", name)
                        png = os.path.join(self.tmp, "png-%s-%s" % (report, type_))
                        os.makedirs(png)
                        run_tool(["pdftoppm", "-png", "-r", "20", path, os.path.join(png, "p")])
                        self.assertEqual(len(os.listdir(png)), pages)


    def test_pdf_never_cuts_kpi_values(self):
        """src/render/pdf.cc once set every KPI tile a quarter of the page wide, and its
        smallest size (bold 9.5 pt) did not hold an amount of eight digits with its currency:
        "10,863,235.35 U…" (balance_sheet 2024-03: Total assets, Total equity, Liabilities
        and equity; trial_balance: Total debits/credits). Now fewer tiles go in a row when
        the values need the room, and a number is never cut (as in the tables)."""
        cut = []
        for report, type_, _ in self.entries():
            for period in self.months():
                d = parse_json(self.get(report, type_, period).raw)
                numbers = []
                for s in d["sections"]:
                    if s["kind"] == "kpis":
                        numbers += [kpi_text(i, d["currency"]) for i in s["items"]]
                body = {"organization_id": self.ORG, "report": report, "type": type_,
                        "period": period}
                r = self.srv.request("POST", "/reports/export/pdf?min_position=%d" % self.pos,
                                     encode_body(body), JSON_HEADERS)
                self.assertEqual(r.status, 200, r.describe())
                for shown, hidden in ellipsized(r.raw):
                    if shown + hidden in numbers:
                        cut.append("%s/%s %s: %s shown as %s\u2026"
                                   % (report, type_, period, shown + hidden, shown))
        self.assertEqual(cut, [], "\n".join(cut))


class OtherTenants(ServerTestCase):
    """Lines on an account created later; periods in the tenant's time zone; CSV cells
    starting with tab or CR or holding a line break."""

    maxDiff = None

    def doc(self, srv, org, type_, period, pos):
        r = srv.get("/reports/financial/%s?%s" % (org, urllib.parse.urlencode(
            {"type": type_, "period": period, "min_position": pos})))
        self.assertEqual(r.status, 200, r.describe())
        return parse_json(r.raw)

    def post(self, srv, events):
        r = srv.post_events(events)
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.json["accepted"], len(events), r.describe())
        return r.json["position"]

    def test_account_created_after_its_lines_reclassifies_them(self):
        srv = self.start_server()
        org = "late-co"

        def account(code, name, typ, subtype=None, ts="2024-01-01T08:00:00Z"):
            payload = {"code": code, "name": name, "type": typ}
            if subtype:
                payload["subtype"] = subtype
            return make_event(org, event_type="finance.account.created",
                              entity_id="acct-" + code, timestamp=ts, payload=payload)

        def txn(ts, lines):
            return make_event(org, event_type="finance.transaction.posted", timestamp=ts,
                              payload={"lines": [{"account_code": c, "debit": d, "credit": k}
                                                 for c, d, k in lines]})

        pos = self.post(srv, [
            account("1000", "Kasse", "asset", "cash"), account("3000", "Kapital", "equity"),
            txn("2024-01-10T10:00:00Z", [("1000", "100.00", "0"), ("7000", "0", "100.00")]),
            txn("2024-01-11T10:00:00Z", [("1000", "50.00", "0"), ("3000", "0", "50.00")])])
        # Before 7000 exists: cash 150 = equity 50 + nothing; 7000 is unclassified.
        bs = self.doc(srv, org, "balance_sheet", "2024-01", pos)
        self.assertIs(bs["balanced"], False)
        self.assertEqual(rows_of(section(bs, "unclassified")), [("7000", 0, 100, -100)])
        cf = self.doc(srv, org, "cash_flow", "2024-01", pos)
        self.assertEqual([(r[0], num(r[1]), num(r[2])) for r in rows_of(section(cf, "activities"))],
                         [("Operating", 0, 0), ("Investing", 0, 0), ("Financing", 50, 0),
                          ("Unclassified", 100, 0)])

        # The account arrives (late, stamped in February): the January lines are revenue.
        pos = self.post(srv, [account("7000", "Spätere Erlöse", "revenue",
                                      ts="2024-02-05T08:00:00Z")])
        bs = self.doc(srv, org, "balance_sheet", "2024-01", pos)
        self.assertIs(bs["balanced"], True)
        self.assertNotIn("unclassified", [s["id"] for s in bs["sections"]])
        # assets 150.00 = equity 50.00 + retained earnings 100.00
        self.assertEqual(rows_of(section(bs, "equity")),
                         [("3000 Kapital", 50), ("Retained earnings", 100)])
        self.assertEqual(num(section(bs, "assets")["totals"]["balance"]), 150)
        cf = self.doc(srv, org, "cash_flow", "2024-01", pos)
        self.assertEqual([(r[0], num(r[1]), num(r[2])) for r in rows_of(section(cf, "activities"))],
                         [("Operating", 100, 0), ("Investing", 0, 0), ("Financing", 50, 0)])
        pnl = self.doc(srv, org, "pnl", "2024-01", pos)
        self.assertEqual(rows_of(section(pnl, "accounts")),
                         [("7000 Spätere Erlöse", "Revenue", 100, 0)])
        tb = self.doc(srv, org, "trial_balance", "2024-01", pos)
        self.assertEqual(rows_of(section(tb, "accounts"))[-1],
                         ("7000", "Spätere Erlöse", "revenue", 0, 100))

    def test_periods_are_the_tenants_local_months(self):
        srv = self.start_server()
        org = "berlin-gmbh"
        put = srv.request("PUT", "/admin/tenants/" + org,
                          encode_body({"timezone": "Europe/Berlin"}), JSON_HEADERS)
        self.assertEqual(put.status, 200, put.describe())
        pos = self.post(srv, [
            make_event(org, event_type="finance.account.created", entity_id="a1",
                       timestamp="2024-01-01T08:00:00Z",
                       payload={"code": "1000", "name": "Kasse", "type": "asset",
                                "subtype": "cash"}),
            make_event(org, event_type="finance.account.created", entity_id="a2",
                       timestamp="2024-01-01T08:00:00Z",
                       payload={"code": "4000", "name": "Erlöse", "type": "revenue"}),
            # 23:30 UTC on January 31 is 00:30 on February 1 in Berlin.
            make_event(org, event_type="finance.transaction.posted",
                       timestamp="2024-01-31T23:30:00Z",
                       payload={"lines": [{"account_code": "1000", "debit": "500", "credit": "0"},
                                          {"account_code": "4000", "debit": "0",
                                           "credit": "500"}]})])
        jan = self.doc(srv, org, "pnl", "2024-01", pos)
        feb = self.doc(srv, org, "pnl", "2024-02", pos)
        self.assertEqual(num(section(jan, "kpis")["items"][0]["value"]), 0)
        self.assertEqual(num(section(feb, "kpis")["items"][0]["value"]), 500)
        bs = self.doc(srv, org, "balance_sheet", "2024-01", pos)
        self.assertEqual(section(bs, "kpis")["title"], "Summary as of 2024-01-31")
        self.assertEqual(num(section(bs, "kpis")["items"][0]["value"]), 0)
        cf = self.doc(srv, org, "cash_flow", "2024-02", pos)
        self.assertEqual(num(section(cf, "kpis")["items"][0]["value"]), 0)    # opening
        self.assertEqual(num(section(cf, "kpis")["items"][-1]["value"]), 500)  # closing


    def test_csv_cells_starting_with_tab_or_cr_or_holding_a_line_break(self):
        srv = self.start_server()
        org = "csv-edge"
        ids = ["\t=1+1", "\r=2+2", "=3\n+4", "+5", "-0", "- 5"]
        pos = self.post(srv, [make_event(org, event_type="finance.invoice.created",
                                         entity_id="i%d" % n, timestamp="2024-01-05T10:00:00Z",
                                         payload={"customer_id": c, "amount": str(n + 1),
                                                  "due_date": "2024-02-01"})
                              for n, c in enumerate(ids)])
        r = srv.request("POST", "/reports/export/csv?min_position=%d" % pos,
                        encode_body({"organization_id": org, "report": "financial",
                                     "type": "ar_aging", "period": "2024-01"}), JSON_HEADERS)
        self.assertEqual(r.status, 200, r.describe())
        rows = list(csv.reader(io.StringIO(r.raw.decode("utf-8"), newline=""), strict=True))
        # Rows by open amount, largest first: "- 5" (6), "-0" (5), "+5" (4), ...
        self.assertEqual([(row[0], row[6]) for row in rows[1:-1]],
                         [("'- 5", "6"), ("-0", "5"), ("'+5", "4"), ("'=3\n+4", "3"),
                          ("'\r=2+2", "2"), ("'\t=1+1", "1")])
        self.assertEqual(rows[-1][:7], ["Total", "21", "0", "0", "0", "0", "21"])


if __name__ == "__main__":
    unittest.main()
