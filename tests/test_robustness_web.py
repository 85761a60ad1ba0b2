"""Hostile web input gets an empty state, never a traceback; a soak of a few thousand requests leaves memory flat.

Requests go to the app on 127.0.0.1 only, are bounded in count and time, and are the ones a browser sends:
Dash's POST /_dash-update-component with every input and state the callback declares, values replaced.
"""
import io
import json
import random
import shutil
import time
from pathlib import Path
from urllib.parse import quote

import psutil
import pytest
import requests

from etl.build import build
from etl.paths import RAW_DIR
from tests.browser_support import AppServer

PAGES = ["/", "/trends", "/regions", "/partners", "/figures", "/documents", "/sql", "/no-such-page"]
PARAMS = ["metric", "unit", "y0", "y1", "region", "partner", "scope", "q_text", "fid", "figure", "doc", "id"]
HOSTILE = [
    "' OR '1'='1", "'; DROP TABLE figures; --", "1) UNION SELECT * FROM documents --", '"; SELECT 1; --',
    "x" * 5000, "不存在的地区", "喀什,,,,", "\u0000", "%00", "../../etc/passwd", "<script>alert(1)</script>",
    "-1", "1e309", "NaN", "2016.5", " ", "🙂" * 100, "\\", "{{7*7}}", "$(id)",
]
HUGE = "99999999999999999999"
SOAK_REQUESTS = 3000
SOAK_SECONDS = 300


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("web")
    raw = base / "raw"
    shutil.copytree(RAW_DIR, raw)
    db = base / "yearbook.duckdb"
    build(raw, db, progress=False, log=io.StringIO())
    with AppServer(db) as srv:
        yield srv


def dependencies(server) -> list[dict]:
    return requests.get(server.url("/_dash-dependencies"), timeout=30).json()


def _outputs(spec: str) -> list[dict]:
    parts = spec[2:-2].split("...") if spec.startswith("..") else [spec]
    return [dict(zip(("id", "property"), p.rsplit(".", 1))) for p in parts]


def call(server, dep: dict, values: dict | None = None, changed: str | None = None) -> requests.Response:
    """Fire one callback as the browser would; values maps 'id.property' to the value to send (default None)."""
    values = values or {}
    outputs = _outputs(dep["output"])
    fill = lambda items: [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in items]  # noqa: E731
    body = {"output": dep["output"], "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": fill(dep["inputs"]), "state": fill(dep.get("state", [])),
            "changedPropIds": [changed or f"{dep['inputs'][0]['id']}.{dep['inputs'][0]['property']}"]}
    return requests.post(server.url("/_dash-update-component"), json=body, timeout=60)


def page(server, path: str, search: str = "") -> requests.Response:
    dep = {"output": ".._pages_content.children..._pages_store.data..",
           "inputs": [{"id": "_pages_location", "property": "pathname"}, {"id": "_pages_location", "property": "search"}]}
    return call(server, dep, {"_pages_location.pathname": path, "_pages_location.search": search})


def assert_answered(resp: requests.Response, what: str) -> None:
    assert resp.status_code in (200, 204), f"{what}: HTTP {resp.status_code}"
    assert "Traceback" not in resp.text and "Internal Server Error" not in resp.text, what


def test_hostile_url_parameters_render_pages(server):
    mark = len(server.log())
    n = 0
    for path in PAGES:
        for param in PARAMS:
            for value in HOSTILE[:: 3 if param not in ("metric", "region", "q_text") else 1]:
                search = f"?{param}={quote(value)}"
                assert_answered(page(server, path, search), f"{path}{search[:80]}")
                n += 1
        assert_answered(page(server, path + "/" + quote("'; DROP TABLE x; --")), path)
    assert_answered(page(server, "/" + "x" * 5000), "very long path")
    assert "Traceback" not in server.log()[mark:]
    print(f"\n{n} hostile URLs rendered")


def test_huge_integer_url_parameters(server):
    """?y0=99999999999999999999 (past 64 bits) must fall back like any other bad year."""
    failing = [f"{path}?{param}=" for path in PAGES for param in PARAMS
               if page(server, path, f"?{param}={HUGE}").status_code not in (200, 204)]
    assert not failing, f"integers past 64 bits reach the layout (Dash's JSON encoder raises): {failing}"


def test_repeated_url_parameters_render_pages(server):
    """?region=a&region=b reaches layout(**query) as a list; every page must take it as a value."""
    failing = []
    for path in PAGES:
        for param in PARAMS:
            resp = page(server, path, f"?{param}=investment&{param}={quote(HOSTILE[0])}")
            if resp.status_code not in (200, 204) or "Traceback" in resp.text:
                failing.append(f"{path}?{param}=..&{param}=..")
    assert not failing, f"a repeated parameter arrives as a list and breaks the page: {failing}"


def _filter_callbacks(server) -> list[dict]:
    """Server-side callbacks fed by filter widgets (clientside ones never reach the server)."""
    return [d for d in dependencies(server) if any(i["property"] == "value" for i in d["inputs"])
            and not d.get("clientside_function") and not d["output"].startswith("..sql-")]


def _hostile_value(prop_id: str, rng: random.Random, typed: bool = True):
    """A value the widget could hold (typed) but that is not in the data, very long or SQL-looking; or, untyped,
    what only a hand-made request sends (a list for a single choice, numbers for names)."""
    pick = rng.choice(HOSTILE)
    if prop_id.endswith(("-region.value", "-partner.value")):
        return rng.choice([[pick], [pick] * 50, [pick, "喀什"], []] if typed else [pick, [None], [1, 2], {"a": 1}])
    if prop_id.endswith("-years.value"):
        return rng.choice([[1900, 3000], [2016, 2016], [2030, 2010], [-5, 0]] if typed
                          else [[pick, pick], [2016], pick, [None, None], [10**30, 1]])
    return rng.choice([pick, None, ""] if typed else [[pick], 12345, True, {"a": pick}])


def _fire_filter_callbacks(server, typed: bool, per_callback: int) -> tuple[int, list[str]]:
    rng = random.Random(7)
    n, failing = 0, []
    for dep in _filter_callbacks(server):
        ids = [f"{i['id']}.{i['property']}" for i in dep["inputs"] + dep.get("state", []) if i["property"] == "value"]
        for _ in range(per_callback):
            values = {pid: _hostile_value(pid, rng, typed) for pid in ids}
            resp = call(server, dep, values, changed=ids[0])
            n += 1
            if resp.status_code not in (200, 204) or "Traceback" in resp.text:
                failing.append(f"HTTP {resp.status_code}: {dep['output'][:40]} {str(values)[:160]}")
    return n, failing


def test_hostile_filter_values_give_empty_states(server):
    mark = len(server.log())
    n, failing = _fire_filter_callbacks(server, typed=True, per_callback=15)
    assert n > 100 and not failing, failing[:5]
    assert "Traceback" not in server.log()[mark:]
    print(f"\n{n} callbacks fired with hostile filter values, all answered")


def test_wrongly_typed_filter_values(server):
    """Hand-made requests: a list where the page expects one metric, numbers where it expects names."""
    n, failing = _fire_filter_callbacks(server, typed=False, per_callback=8)
    assert n > 50 and not failing, f"{len(failing)} of {n} wrongly typed requests failed; first: {failing[:2]}"


def test_value_not_in_the_data_shows_the_empty_state(server):
    trends = next(d for d in dependencies(server) if d["output"].startswith("..trends-graph.figure"))
    resp = call(server, trends, {"trends-metric.value": "investment", "trends-region.value": ["不存在的地区' OR 1=1 --"]})
    assert_answered(resp, "trends with an unknown region")
    # decoded, not raw text: without orjson, Dash escapes non-ASCII characters in its JSON
    assert "没有数据" in json.dumps(resp.json(), ensure_ascii=False)


def test_sql_page_rejects_writes_as_a_message(server):
    deps = [d for d in dependencies(server) if d["output"].startswith("..sql-grid.columnDefs")]
    if not deps:
        pytest.skip("no SQL page")
    for query in ("DROP TABLE figures", "COPY figures TO '/tmp/x.csv'", "SELECT * FROM read_csv('/etc/passwd')",
                  "ATTACH '/tmp/evil.duckdb'", "SELECT " + "1+" * 5000 + "1", "'; --"):
        resp = call(server, deps[0], {"sql-run.n_clicks": 1, "sql-query.value": query}, changed="sql-run.n_clicks")
        assert_answered(resp, query[:40])
    con_count = requests.get(server.url("/"), timeout=30)
    assert con_count.status_code == 200


def _soak_request(server, rng: random.Random, deps: list[dict]) -> requests.Response:
    kind = rng.random()
    if kind < 0.2:
        return requests.get(server.url(rng.choice(["/", "/trends", "/_dash-layout", "/_dash-dependencies"])), timeout=60)
    if kind < 0.5:
        param, value = rng.choice(PARAMS), rng.choice(HOSTILE + ["investment", "projects", "喀什", "2016"])
        return page(server, rng.choice(PAGES), f"?{param}={quote(value)}")
    dep = rng.choice(deps)
    ids = [f"{i['id']}.{i['property']}" for i in dep["inputs"] + dep.get("state", []) if i["property"] == "value"]
    values = {pid: _hostile_value(pid, rng) if rng.random() < 0.5 else None for pid in ids}   # typed: must answer
    return call(server, dep, values, changed=ids[0])


@pytest.mark.slow
def test_soak_thousands_of_requests_memory_flat(server):
    rng = random.Random(3000)
    deps = _filter_callbacks(server)
    proc = psutil.Process(server.proc.pid)
    mark = len(server.log())
    for _ in range(1000):                                        # warm-up: imports, result caches (512 entries)
        _soak_request(server, rng, deps)
    rss_before = proc.memory_info().rss
    started, served, errors, samples = time.monotonic(), 0, [], []
    while served < SOAK_REQUESTS and time.monotonic() - started < SOAK_SECONDS:
        resp = _soak_request(server, rng, deps)
        served += 1
        if resp.status_code not in (200, 204) or "Traceback" in resp.text:
            errors.append(resp.status_code)
        if served % 500 == 0:
            samples.append(proc.memory_info().rss)
    took = time.monotonic() - started
    rss_after = proc.memory_info().rss
    mib = lambda b: b / 2**20  # noqa: E731
    print(f"\nsoak: {served} requests in {took:.0f}s ({served / took:.0f}/s), {len(errors)} errors; server RSS "
          f"{mib(rss_before):.0f} MiB before, {mib(rss_after):.0f} MiB after; samples "
          f"{[round(mib(s)) for s in samples]}")
    assert not errors, errors[:10]
    assert served >= min(SOAK_REQUESTS, 1000)
    assert "Traceback" not in server.log()[mark:]
    assert rss_after - rss_before < 80 * 2**20, "server memory grew by more than 80 MiB"
    half = samples[len(samples) // 2] if samples else rss_before
    assert rss_after - half < 40 * 2**20, "server memory still growing in the second half of the soak"


@pytest.mark.browser
def test_hostile_urls_in_a_browser(server, tmp_path):
    """As a person would: hostile links open to a page with an empty state, no error screen, no script run."""
    from tests.browser_support import chromium, goto, new_page

    links = ["/trends?metric=' OR '1'='1&region=" + quote("不存在的地区<script>window.pwned=1</script>"),
             "/regions?partner=" + quote("'; DROP TABLE figures; --") + "&y0=1900&y1=1901",
             "/figures?metric=" + "x" * 3000 + "&scope=" + quote("1) OR (1=1"),
             "/documents?region=" + quote("../../etc/passwd"),
             "/no/such/page?metric=" + quote("<img src=x onerror=alert(1)>")]
    with chromium() as browser:
        tab = new_page(browser)
        for i, link in enumerate(links):
            goto(tab, server.url(link))
            body = tab.inner_text("body")
            assert "Traceback" not in body and "Internal Server Error" not in body, link
            assert tab.evaluate("() => window.pwned") is None, link
            assert body.strip(), f"blank page for {link}"
            tab.screenshot(path=str(tmp_path / f"hostile-{i}.png"))
        errors = [e for e in tab.errors if "500" in e or "Callback error" in e]
        assert not errors, errors[:3]


@pytest.mark.browser
def test_link_to_a_region_not_in_the_data_shows_the_empty_state(server):
    """A shared link naming a region or partner that the data lacks must not show every region's totals."""
    from tests.browser_support import chromium, goto, new_page

    wrong = []
    with chromium() as browser:
        tab = new_page(browser)
        goto(tab, server.url("/trends?metric=investment&y0=1900&y1=1901"))      # control: an empty state is seen
        assert "没有数据" in tab.inner_text("#trends-graph")
        for param, value in (("region", "不存在的地区"), ("partner", "火星")):
            goto(tab, server.url(f"/trends?metric=investment&{param}={quote(value)}"))
            if "没有数据" not in tab.inner_text("#trends-graph"):
                wrong.append(f"?{param}={value}")
    assert not wrong, ("Dash 4's dcc.Dropdown drops a value that is not among its options, so a link naming an "
                       f"unknown region/partner would show the totals of all of them: {wrong}")
