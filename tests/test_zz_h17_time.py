import time, collections
from tests.test_attack_corpus import *  # noqa
from tests.test_attack_corpus import _get_pages, _post, _token

@pytest.mark.parametrize("role", ["admin", "office"])
def test_time(app, db, role):
    world = build_world(db)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    login(client, app, role)
    pages = _get_pages(app, world)
    forms = crawl_forms(client, pages)
    per = collections.Counter(); n = collections.Counter(); pl = collections.Counter()
    for form in forms:
        for target, _v in form.fields:
            if target == "csrf_token": continue
            for name, payload in PAYLOADS:
                t = time.perf_counter()
                _post(client, form, target, payload, None, _token(client))
                d = time.perf_counter() - t
                per[form.action] += d; n[form.action] += 1; pl[name] += d
    print()
    print(len(forms), sum(n.values()), sum(per.values()))
    for a, d in per.most_common(12): print(f"{d:7.1f}s {n[a]:5d} {a}")
    for a, d in pl.most_common(6): print(f"{d:7.1f}s {a}")
