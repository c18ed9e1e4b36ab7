from tests.test_page_warnings import *  # noqa

def test_dbg(demo_db):
    at = run("inspector", {"warning": "2"})
    at.button(key="case_back").click()
    at.run()
    print("QP", at.query_params)
    print("TITLE2", [t.value for t in at.title], [e.value for e in at.error][:2])
    at.run()
    print("QP3", at.query_params, [t.value for t in at.title])
