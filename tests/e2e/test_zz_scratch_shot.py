from tests.e2e.test_office_flow import _components_csv, _run_form, _submit_run_form, _follow_to_results
def test_shot(served, page, login, tmp_path):
    login(page, "office")
    page.goto(served.url("/office/components"))
    f = tmp_path / "c.csv"; f.write_bytes(_components_csv())
    page.set_input_files("#file", str(f))
    with page.expect_navigation():
        page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    _run_form(page, served); _submit_run_form(page); _follow_to_results(page)
    page.screenshot(path="/tmp/run_full.png", full_page=True)
    page.locator("table.results").nth(1).screenshot(path="/tmp/run_table.png")
    page.goto(served.url("/office/")); page.screenshot(path="/tmp/dash.png", full_page=True)
