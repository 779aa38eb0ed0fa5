#!/usr/bin/env python3
"""Writes the seed corpora of the hostile-input fuzz targets (issue 17): real inputs (request
bodies from the spec, the tests and the templates) plus JSONTestSuite-style hostile JSON
(n_: must be refused, i_: either way, y_: valid but extreme), in every JSON corpus, with the
mode byte each target reads first. Idempotent: rerun after changing it, and commit the files.
The snapshot corpus is written by snapshot_fuzz itself (SNAPSHOT_FUZZ_SEEDS=dir, see there).

  fuzz/seed_corpora.py            # from the repository root or anywhere
"""

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))

# JSONTestSuite-style documents (nst/JSONTestSuite's n_/i_/y_ naming). Sizes stay under the
# smallest -max_len in fuzz/run.sh (2048 for the parameter targets is not JSON; 8192 here).
HOSTILE_JSON = {
    "n_deep_array_4000": b"[" * 4000,
    "n_deep_object_2000": b'{"a":' * 2000,
    "i_deep_array_600": b"[" * 600 + b"]" * 600,
    "i_deep_object_40": b'{"a":' * 40 + b"1" + b"}" * 40,
    "n_lone_surrogate_high": b'{"a":"\\ud800"}',
    "n_lone_surrogate_low": b'{"a":"\\udc00x"}',
    "i_surrogate_pair_reversed": b'{"a":"\\udc00\\ud800"}',
    "y_surrogate_pair": b'{"a":"\\ud83d\\ude00"}',
    "y_huge_exponent": b'{"a":1e400}',
    "y_tiny_exponent": b'{"a":-1e-400}',
    "y_big_integer": b'{"a":123456789012345678901234567890}',
    "y_uint64_max_plus_one": b'{"a":18446744073709551616}',
    "y_int64_min": b'{"a":-9223372036854775808}',
    "y_negative_zero": b'{"a":-0}',
    "y_many_digits": b'{"a":0.' + b"1" * 2000 + b"}",
    "n_nan": b'{"a":NaN}',
    "n_infinity": b'{"a":-Infinity}',
    "n_leading_zero": b'{"a":012}',
    "n_hex": b'{"a":0x1F}',
    "n_trailing_garbage": b'{"a":1}x',
    "n_two_documents": b'{"a":1}{"a":2}',
    "n_trailing_comma": b'{"a":1,}',
    "n_bom": b'\xef\xbb\xbf{"a":1}',
    "n_nul_raw_in_string": b'{"a":"x\x00y"}',
    "n_nul_outside": b'{"a":1}\x00',
    "y_nul_escaped": b'{"a":"x\\u0000y"}',
    "n_invalid_utf8": b'{"a":"\xff\xfe"}',
    "n_overlong_utf8": b'{"a":"\xc0\xaf"}',
    "n_truncated_utf8": b'{"a":"\xe2\x82"}',
    "n_utf8_surrogate_encoded": b'{"a":"\xed\xa0\x80"}',
    "n_invalid_utf8_key": b'{"\xff":1}',
    "n_unescaped_control": b'{"a":"\x01"}',
    "n_bad_escape": b'{"a":"\\x41"}',
    "n_single_quotes": b"{'a':1}",
    "n_comment": b'/*x*/{"a":1}',
    "n_truncated": b'{"a":',
    "n_unclosed_string": b'{"a":"abc',
    "n_key_not_string": b"{1:2}",
    "n_empty": b"",
    "n_whitespace_only": b" \t\r\n",
    "y_null": b"null",
    "y_array": b"[]",
    "y_string": b'""',
    "y_duplicate_keys": b'{"a":1,"a":2}',
    "y_huge_string": b'{"a":"' + b"x" * 6000 + b'"}',
    "y_many_members": b"{" + b",".join(b'"k%d":%d' % (i, i) for i in range(600)) + b"}",
    "y_long_key": b'{"' + b"k" * 4000 + b'":1}',
}

EVENT = {"event_id": "e1", "event_type": "crm.contact.created", "organization_id": "acme",
         "timestamp": "2024-01-15T10:00:00Z", "version": "1.0", "source_service": "crm",
         "data": {"entity_id": "c1", "entity_type": "contact", "action": "created",
                  "payload": {"name": "Ada", "email": "ada@example.com"}}}
INVOICE = {"event_id": "e2", "event_type": "finance.invoice.created", "organization_id": "acme",
           "timestamp": "2024-01-15T10:00:00Z", "version": "1.0", "source_service": "finance",
           "data": {"entity_id": "i1", "entity_type": "invoice", "action": "created",
                    "payload": {"customer_id": "c1", "amount": 125.5, "currency": "USD",
                                "due_date": "2024-02-15"}}}


def event_with(base, path, value):
    """`base` with the member at `path` (a tuple of keys) replaced by the raw JSON `value`."""
    marker = "\u0001MARK\u0001"
    doc = json.loads(json.dumps(base))
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = marker
    return json.dumps(doc).replace(json.dumps(marker), "%s").encode() % value


# Hostile values inside otherwise valid events: absurd numbers and timestamps, bad strings.
HOSTILE_EVENTS = {
    "ev_amount_1e400": event_with(INVOICE, ("data", "payload", "amount"), b"1e400"),
    "ev_amount_big_int": event_with(INVOICE, ("data", "payload", "amount"),
                                    b"123456789012345678901234567890"),
    "ev_amount_negative_zero": event_with(INVOICE, ("data", "payload", "amount"), b"-0.0"),
    "ev_amount_tiny": event_with(INVOICE, ("data", "payload", "amount"), b"1e-400"),
    "ev_amount_string_digits": event_with(INVOICE, ("data", "payload", "amount"),
                                          b'"99999999999999999999.99999"'),
    "ev_timestamp_year_99999": event_with(EVENT, ("timestamp",), b'"99999-01-01T00:00:00Z"'),
    "ev_timestamp_year_0": event_with(EVENT, ("timestamp",), b'"0000-01-01T00:00:00Z"'),
    "ev_timestamp_feb_30": event_with(EVENT, ("timestamp",), b'"2024-02-30T10:00:00Z"'),
    "ev_timestamp_leap_second": event_with(EVENT, ("timestamp",), b'"2016-12-31T23:59:60Z"'),
    "ev_timestamp_offset_99": event_with(EVENT, ("timestamp",), b'"2024-01-15T10:00:00+99:99"'),
    "ev_timestamp_fraction_30": event_with(EVENT, ("timestamp",),
                                           b'"2024-01-15T10:00:00.' + b"9" * 30 + b'Z"'),
    "ev_timestamp_number": event_with(EVENT, ("timestamp",), b"1705312800"),
    "ev_due_date_9999": event_with(INVOICE, ("data", "payload", "due_date"), b'"9999-12-31"'),
    "ev_lone_surrogate_name": event_with(EVENT, ("data", "payload", "name"), b'"\\udfff"'),
    "ev_nul_entity_id": event_with(EVENT, ("data", "entity_id"), b'"c\\u00001"'),
    "ev_invalid_utf8_org": event_with(EVENT, ("organization_id",), b'"ac\xffme"'),
    "ev_path_org": event_with(EVENT, ("organization_id",), b'"../../etc"'),
    "ev_huge_name": event_with(EVENT, ("data", "payload", "name"), b'"' + b"n" * 6000 + b'"'),
    "ev_deep_payload": event_with(EVENT, ("data", "payload", "name"),
                                  b'{"x":' * 1500 + b"1" + b"}" * 1500),
}


def write(corpus, name, data):
    d = os.path.join(HERE, corpus)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def events():
    for name, doc in HOSTILE_JSON.items():
        write("corpus", "json-" + name, doc)
    for name, doc in HOSTILE_EVENTS.items():
        write("corpus", name, doc)
        write("corpus", name + "-ndjson", doc + b"\n" + json.dumps(EVENT).encode() + b"\n")


def cron():
    cases = {
        "weekdays-berlin": b"0 9 * * MON-FRI\nEurope/Berlin",
        "gap-berlin": b"30 2 * * *\nEurope/Berlin\n\x00",
        "gap-steps-berlin": b"*/15 2 * * *\nEurope/Berlin\n\x00",
        "fall-back-berlin": b"0 * * * *\nEurope/Berlin\n\x02",
        "dom-or-dow": b"0 0 1,15 * MON\nAmerica/New_York",
        "dom-and-dow": b"0 0 */2 * MON\nUTC",
        "feb-29-sunday": b"0 0 29 2 0\nUTC\n\x01",
        "never": b"0 0 30 FEB *",
        "lord-howe-half-hour-dst": b"0 2 * * *\nAustralia/Lord_Howe",
        "apia-skipped-day": b"0 0 30 12 *\nPacific/Apia",
        "end-of-time": b"59 23 31 12 *\nUTC\n\x03",
        "named": b"0 12 * JAN,jul sun\nAsia/Kolkata",
        "lists": b"1,15,30-40/5 0-23/6 1-31 1-12 0-7",
        "tabs": b" \t0\t0\t*\t*\t*\t ",
        "n_minute_60": b"60 * * * *",
        "n_six_fields": b"* * * * * *",
        "n_four_fields": b"* * * *",
        "n_empty": b"",
        "n_range_down": b"0 0 * * FRI-MON",
        "n_step_zero": b"*/0 * * * *",
        "n_range_chain": b"1-2-3 * * * *",
        "n_huge_number": b"99999999999999999999 * * * *",
        "n_negative": b"-1 * * * *",
        "n_macro": b"@daily",
        "n_question": b"0 0 ? * *",
        "n_long_list": b",".join(b"1" for _ in range(1500)) + b" * * * *",
        "n_nul": b"0 0 * * *\x00",
        "n_utf8": b"0 0 * * \xe2\x80\x93",
        "zone-absolute-path": b"0 0 * * *\n/usr/share/zoneinfo/UTC",
        "zone-traversal": b"0 0 * * *\n../../../../usr/share/zoneinfo/UTC",
        "zone-file-prefix": b"0 0 * * *\nfile:/usr/share/zoneinfo/UTC",
        "zone-dev": b"0 0 * * *\n/dev/zero",
        "zone-localtime": b"0 0 * * *\nlocaltime",
        "zone-nul": b"0 0 * * *\nUTC\x00/../x",
        "zone-lowercase": b"0 0 * * *\neurope/berlin",
        "zone-etc": b"0 0 * * *\nEtc/GMT+5",
    }
    for name, data in cases.items():
        write("corpus-cron", name, data)


PARAM_ROUTES = ["dashboard", "crm", "hrm", "finance", "inventory", "projects", "cross", "series",
                "live", "quality"]


def params():
    def q(route, *lines):
        return bytes([PARAM_ROUTES.index(route)]) + "\n".join(lines).encode("utf-8", "surrogatepass")
    cases = {
        "month": q("crm", "period=2024-01"),
        "week-53": q("finance", "period=2020-W53"),
        "week-53-none": q("finance", "period=2024-W53"),
        "quarter": q("hrm", "period=2024-Q4"),
        "year": q("projects", "period=2024"),
        "day": q("inventory", "period=2024-02-29"),
        "first-day": q("dashboard", "period=0001-01-01"),
        "last-year": q("cross", "period=9999"),
        "n_year_10000": q("cross", "period=10000"),
        "n_feb_30": q("crm", "period=2024-02-30"),
        "n_lower_q": q("crm", "period=2024-q1"),
        "n_sign": q("crm", "period=+2024"),
        "n_empty": q("crm", "period="),
        "n_nul": q("crm", "period=2024-01\x00"),
        "as-of": q("dashboard", "as_of=2024-01-31T12:00:00Z"),
        "as-of-offset": q("finance", "as_of=2024-01-31T12:00:00.123456+05:30"),
        "as-of-end": q("finance", "as_of=9999-12-31T23:59:59.999999Z"),
        "as-of-start": q("finance", "as_of=0001-01-01T00:00:00+14:00"),
        "n_as_of_fraction": q("finance", "as_of=2024-01-31T12:00:00.1234567890123Z"),
        "n_as_of_leap": q("finance", "as_of=2016-12-31T23:59:60Z"),
        "n_as_of_offset": q("finance", "as_of=2024-01-31T12:00:00+24:00"),
        "series": q("series", "domain=crm", "metric=total_revenue", "granularity=month", "from=2023-01", "to=2023-12"),
        "series-days": q("series", "domain=crm", "metric=leads_new", "granularity=day", "from=2023-10-01", "to=2023-11-14"),
        "series-week": q("series", "domain=crm", "metric=leads_new", "granularity=week", "to=2024-W01"),
        "n_series_too_long": q("series", "domain=crm", "metric=leads_new", "granularity=day", "from=0001-01-01", "to=9999-12-31"),
        "series-before-year-1": q("series", "domain=crm", "metric=leads_new", "granularity=year", "to=0001"),
        "series-first-days": q("series", "domain=crm", "metric=leads_new", "granularity=day", "to=0001-01-01"),
        "series-last": q("series", "domain=crm", "metric=leads_new", "granularity=quarter", "from=9999-Q1", "to=9999"),
        "n_series_reversed": q("series", "domain=crm", "metric=leads_new", "from=2024-06", "to=2024-01"),
        "n_granularity": q("series", "domain=crm", "metric=leads_new", "granularity=hour"),
        "min-position": q("crm", "min_position=1", "wait_ms=0"),
        "n_min_position_overflow": q("crm", "min_position=18446744073709551616"),
        "n_min_position_negative": q("crm", "min_position=-1"),
        "n_wait_too_long": q("crm", "wait_ms=30001"),
        "n_min_offsets": q("crm", "min_offsets=0:1,1:2"),
        "n_min_offsets_bad": q("crm", "min_offsets=0:-1,,:"),
        "n_unknown": q("crm", "limit=1e309"),
        "live": q("live", "min_position=0"),
        "quality": q("quality", "period=2023-11"),
    }
    for name, data in cases.items():
        write("corpus-params", name, data)


def reports():
    preview = {
        "pnl": b"financial\ntype=pnl\nperiod=2023-Q4\ncompare=yoy",
        "balance-sheet": b"financial\ntype=balance_sheet\nperiod=2023-10",
        "cash-flow": b"financial\ntype=cash_flow\nperiod=2023",
        "trial-balance": b"financial\ntype=trial_balance",
        "ar-aging": b"financial\ntype=ar_aging\nperiod=2023-11-14",
        "sales": b"sales\ntype=pipeline\nperiod=2023-11",
        "sales-conversion": b"sales\ntype=conversion\nperiod=2023-W45",
        "hr": b"hr\ntype=payroll\nperiod=2023-Q4",
        "inventory": b"inventory\ntype=stock",
        "projects": b"projects\ntype=budget\nperiod=2023",
        "n_unknown_report": b"marketing\ntype=pnl",
        "n_unknown_type": b"financial\ntype=nope",
        "n_bad_compare": b"financial\ntype=pnl\ncompare=\xff",
        "n_unknown_param": b"hr\ntype=leave\ncolor=red",
        "n_period_absurd": b"financial\ntype=pnl\nperiod=0000-Q5",
        "n_wait": b"sales\ntype=activity\nmin_position=99999999\nwait_ms=0",
    }
    for name, data in preview.items():
        write("corpus-report", "preview-" + name, b"\x00" + data)
    export = {
        "csv": (1, {"organization_id": "fuzz-a", "report": "financial", "type": "pnl",
                    "period": "2023-Q4", "parameters": {"compare": "prev"}}),
        "excel": (10, {"organization_id": "fuzz-a", "report": "sales", "type": "performance",
                       "period": "2023-11"}),
        "pdf": (13, {"organization_id": "fuzz-a", "report": "hr", "type": "headcount",
                     "period": "2023-Q4"}),
        "section": (1, {"organization_id": "fuzz-a", "report": "financial", "type": "trial_balance",
                        "section": "accounts"}),
        "other-org": (1, {"organization_id": "fuzz-b", "report": "financial", "type": "pnl"}),
        "n_member": (1, {"organization_id": "fuzz-a", "report": "financial", "type": "pnl",
                         "color": "red"}),
        "n_param_number": (1, {"organization_id": "fuzz-a", "report": "financial", "type": "pnl",
                               "parameters": {"compare": 1}}),
    }
    for name, (mode, body) in export.items():
        write("corpus-report", "export-" + name, bytes([mode]) + json.dumps(body).encode())
    schedule = {"organization_id": "fuzz-a", "report": "financial", "type": "pnl",
                "period": "2023-Q4", "parameters": {"compare": "prev"}, "format": "pdf",
                "cron": "0 8 * * MON", "timezone": "Europe/Berlin",
                "recipients": ["cfo@example.com"], "subject": "P&L"}
    write("corpus-report", "schedule", b"\x02" + json.dumps(schedule).encode())
    bad = dict(schedule, timezone="/proc/self/fd/0", cron="0 0 31 2 *")
    write("corpus-report", "schedule-path-zone", b"\x02" + json.dumps(bad).encode())
    bad = dict(schedule, recipients=["x" * 3000, 1])
    write("corpus-report", "schedule-n-recipient", b"\x02" + json.dumps(bad).encode())
    for name, doc in HOSTILE_JSON.items():
        write("corpus-report", "export-" + name, b"\x01" + doc)
        write("corpus-report", "schedule-" + name, b"\x02" + doc)


def dashboards():
    ids = ["executive-%d" % i for i in range(1, 11)]
    layout = {"positions": [{"widget_id": ids[0], "x": 0, "y": 10, "w": 3, "h": 2},
                            {"widget_id": ids[1], "x": 3, "y": 10, "w": 3, "h": 2}]}
    cases = {
        "layout": (0, layout),
        "layout-all": (0, {"positions": [{"widget_id": w, "x": 0, "y": 2 * i, "w": 12, "h": 2}
                                         for i, w in enumerate(ids)]}),
        "layout-n-overlap": (0, {"positions": [{"widget_id": ids[0], "x": 3, "y": 0, "w": 3,
                                                "h": 2}]}),
        "layout-n-off-grid": (0, {"positions": [{"widget_id": ids[0], "x": 11, "y": 999, "w": 2,
                                                 "h": 25}]}),
        "layout-n-absurd": (0, {"positions": [{"widget_id": ids[0], "x": 2147483648, "y": -1,
                                               "w": 1e400, "h": 0.5}]}),
        "layout-n-repeat": (0, {"positions": [{"widget_id": ids[0], "x": 0, "y": 20, "w": 1,
                                               "h": 1}] * 2}),
        "layout-n-unknown": (0, {"positions": [{"widget_id": "nope", "x": 0, "y": 20, "w": 1,
                                                "h": 1}]}),
        "widget-metric": (1, {"widget_type": "metric", "title": "Revenue", "data_source": "finance",
                              "query_params": {"metric": "total_revenue", "period": "2023-11"}}),
        "widget-chart": (1, {"widget_type": "chart", "data_source": "crm", "title": "Won",
                             "chart_type": "bar", "refresh_interval": 60,
                             "query_params": {"metric": "won_value", "from": "2023-01",
                                              "to": "2023-11", "granularity": "month"},
                             "grid": {"x": 0, "y": 20, "w": 6, "h": 4}}),
        "widget-list": (1, {"widget_type": "list", "data_source": "crm",
                            "query_params": {"metric": "top_performers", "limit": 3}}),
        "widget-table": (1, {"widget_type": "table", "data_source": "hrm",
                             "query_params": {"metric": "employees_by_department", "limit": 5}}),
        "widget-n-absurd": (1, {"widget_type": "metric", "data_source": "crm",
                                "refresh_interval": 1e308,
                                "query_params": {"metric": "leads_new", "limit": -9223372036854775808,
                                                 "period": "99999"}}),
        "widget-n-title": (1, {"widget_type": "metric", "data_source": "crm", "title": "t" * 300,
                               "query_params": {"metric": "leads_new"}}),
        "put-title": (2, {"title": "Revenue (net)"}),
        "put-grid": (2, {"grid": {"x": 0, "y": 30, "w": 12, "h": 24}}),
        "put-query": (2, {"query_params": {"metric": "net_profit", "period": "2023-Q4"}}),
        "put-n-type": (2, {"widget_type": "gauge"}),
    }
    for name, (mode, body) in cases.items():
        write("corpus-dashboard", name, bytes([mode]) + json.dumps(body).encode())
    for name, doc in HOSTILE_JSON.items():
        for mode, route in ((0, "layout"), (1, "widget"), (2, "put")):
            write("corpus-dashboard", "%s-%s" % (route, name), bytes([mode]) + doc)


def requests():
    """Framing attacks for request_fuzz (HTTP/1.1 smuggling shapes), with the corpus's token."""
    with open(os.path.join(HERE, "corpus-request", "dashboard"), "rb") as f:
        auth = [l for l in f.read().split(b"\r\n") if l.startswith(b"Authorization:")][0]
    head = (b"POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + auth +
            b"\r\n")
    body = json.dumps(dict(EVENT, organization_id="fuzz-a")).encode()
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    cases = {
        "chunked": head + b"Transfer-Encoding: chunked\r\n\r\n" + chunked,
        "cl-te": head + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked,
        "te-cl": head + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n" + chunked,
        "two-cl": head + b"Content-Length: %d\r\nContent-Length: 4\r\n\r\n" % len(body) + body,
        "te-list": head + b"Transfer-Encoding: gzip, chunked\r\n\r\n" + chunked,
        "te-not-last": head + b"Transfer-Encoding: chunked, identity\r\n\r\n" + chunked,
        "chunk-overflow": head + b"Transfer-Encoding: chunked\r\n\r\n10000000000000002\r\n{}\r\n0\r\n\r\n",
        "chunk-ext-trailer": head + b"Transfer-Encoding: chunked\r\n\r\n%x;a=b\r\n%s\r\n0\r\nX-T: 1\r\n\r\n"
                             % (len(body), body),
        "pipelined": (b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n" * 2),
        "nul-header": b"GET /events/fuzz-a HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n" + auth + b"\r\n\r\n",
        "path-tricks": b"GET /events/fuzz-a%2F..%2Ffuzz-b?limit=1e309 HTTP/1.1\r\nHost: x\r\n" + auth +
                       b"\r\n\r\n",
        "tz-path": b"PUT /admin/tenants/fuzz-a HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
                   auth + b"\r\nContent-Length: 30\r\n\r\n" + b'{"timezone":"/proc/self/fd/0"}',
    }
    for name, data in cases.items():
        write("corpus-request", name, data)


def live():
    """The live-update protocol's messages are JSON too: each hostile document as one text
    message of an authenticated connection (live_fuzz.cc: an odd first byte hands the rest,
    split at newlines, to the Connection; the second byte picks the roles)."""
    for name, doc in HOSTILE_JSON.items():
        write("corpus-live", "json-" + name, b"\x01\x00" + doc.replace(b"\n", b" "))


if __name__ == "__main__":
    live()
    requests()
    events()
    cron()
    params()
    reports()
    dashboards()
