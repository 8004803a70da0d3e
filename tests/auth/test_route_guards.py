"""Every route is guarded by a role check or named public here (SPEC §1, API.md roles).

A new route without ``require_roles`` fails this test until someone decides, in this file,
that anyone may call it.
"""

import itertools
import re

from werkzeug.routing import AnyConverter, IntegerConverter

from lienrx.core.security import ROLES, require_roles

# Endpoints anyone may call, and why (API.md).
PUBLIC_ENDPOINTS = {
    "static": "stylesheets and scripts of the pages",
    "home.index": "sends visitors to sign-in, signed-in users to their home",
    "home.favicon": "/favicon.ico: the icon browsers ask for on their own",
    "auth.login": "the sign-in form (everyone)",
    "auth.logout": "sign out (everyone; CSRF-protected)",
    "auth_api.issue_token": "POST /api/v1/auth/token (anyone)",
    "attestations_api.list_keys": "GET /api/v1/attestation-keys (anyone)",
    "attestations_api.verify_document": "POST /api/v1/attestations/verify (anyone)",
    "verify.page": "the /verify page: anyone holding a POGOS checks it (API.md pages)",
    "api-docs.openapi_json": "GET /api/v1/openapi.json, the published contract",
    "docs.api_docs": "the API reference page rendered from the OpenAPI document",
}

# The code object of require_roles' wrapper: what a guarded view runs before its body.
GUARD_CODE = require_roles("admin")(lambda: None).__code__
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def guard_of(view):
    """The roles of the ``require_roles`` wrapper in the view's decorator chain, else None.

    flask-smorest's ``@blp.route`` registers the function it is given (outermost), and
    ``functools.wraps`` copies attributes outward and links ``__wrapped__`` inward, so walk
    the whole chain and trust only a function that is the guard's wrapper itself.
    """
    seen = set()
    while view is not None and id(view) not in seen:
        seen.add(id(view))
        if getattr(view, "__code__", None) is GUARD_CODE:
            return view.allowed_roles
        view = getattr(view, "__wrapped__", None)
    return None


def views_of(app):
    """(endpoint, rule, view function) for every route; class-based views per method."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        if view_class is None:
            yield rule.endpoint, rule, view
        else:
            for method in sorted(rule.methods - SKIPPED_METHODS):
                yield rule.endpoint, rule, getattr(view_class, method.lower())


def guarded_rules(app):
    return [(endpoint, rule) for endpoint, rule, _ in views_of(app)
            if endpoint not in PUBLIC_ENDPOINTS]


def test_every_route_is_role_guarded_or_listed_public(app):
    unguarded = sorted(f"{endpoint} ({rule.rule})" for endpoint, rule, view in views_of(app)
                       if endpoint not in PUBLIC_ENDPOINTS and guard_of(view) is None)
    assert not unguarded, f"no require_roles and not listed public: {unguarded}"


def test_guards_name_known_roles(app):
    for endpoint, _, view in views_of(app):
        roles = guard_of(view)
        if roles is not None:
            assert roles and set(roles) <= set(ROLES), endpoint


def test_every_listed_public_endpoint_still_exists(app):
    assert set(PUBLIC_ENDPOINTS) <= set(app.view_functions), (
        set(PUBLIC_ENDPOINTS) - set(app.view_functions))


def test_public_endpoints_carry_no_guard(app):
    guarded = [endpoint for endpoint, _, view in views_of(app)
               if endpoint in PUBLIC_ENDPOINTS and guard_of(view) is not None]
    assert not guarded, f"listed public but guarded: {guarded}"


def urls_of(rule):
    """Every URL of ``rule`` to try: ids are 1, each `any(...)` choice once."""
    choices = []
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            choices.append([(name, item) for item in sorted(converter.items)])
        elif isinstance(converter, IntegerConverter):
            choices.append([(name, 1)])
        else:
            choices.append([(name, "x")])
    for values in itertools.product(*choices):
        yield rule.build(dict(values), append_unknown=False)[1]


def test_anonymous_requests_to_guarded_routes_are_turned_away(app, client):
    login_page = client.get("/login")
    csrf_token = CSRF.search(login_page.get_data(as_text=True)).group(1)
    checked = 0
    for endpoint, rule in guarded_rules(app):
        for url, method in itertools.product(urls_of(rule),
                                             sorted(rule.methods - SKIPPED_METHODS)):
            if url.startswith("/api/"):
                response = client.open(url, method=method,
                                       json={} if method != "GET" else None)
                assert response.status_code == 401, (endpoint, method, url,
                                                     response.status_code)
                assert response.json["code"] == "unauthenticated", (endpoint, url)
            else:  # a page: the browser is sent to sign in (with a valid CSRF token)
                response = client.open(url, method=method, data={"csrf_token": csrf_token}
                                       if method != "GET" else None)
                assert response.status_code in (302, 303), (endpoint, method, url,
                                                            response.status_code)
                assert response.headers["Location"].startswith("/login"), (endpoint, url)
            checked += 1
    assert checked >= len(guarded_rules(app))

