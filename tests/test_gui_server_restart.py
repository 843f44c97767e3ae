"""Issue 19, item 5: the PostgreSQL server goes away and comes back (a restart, the network)
while someone is typing. A save meanwhile keeps the editor open with every edit and says
"The database server cannot be reached; your changes are kept — Retry"; Retry saves once the
server is back (the pool replaces the dropped connections). The server is not restarted: the
app reaches it through a TCP proxy the test cuts and reopens (tests/tcp_proxy.py)."""

from __future__ import annotations

from contextlib import closing

import gui_helpers as gui
import psycopg2
import pytest
from conftest import BACKENDS, POSTGRES_URL, _reset_postgres
from tcp_proxy import TcpProxy

from ittdesk import db as dbmod
from ittdesk.services.schools import schools
from ui.operations import UNREACHABLE_TEXT, ServerUnreachable, write_when_free

pytestmark = pytest.mark.gui
qt_settings = gui.qt_settings


@pytest.fixture(params=[b for b in BACKENDS if b == "postgresql"])
def through_proxy(request):
    """The test database, opened through a proxy the test can cut."""
    _reset_postgres(POSTGRES_URL)
    with TcpProxy.to(POSTGRES_URL) as proxy:
        location = dbmod.open_database(proxy.url_for(POSTGRES_URL), daily_backup=False)
        yield proxy, location
        dbmod.close_database()


def _phone_on_the_server(school_id: int) -> str | None:
    with closing(psycopg2.connect(POSTGRES_URL)) as conn, conn.cursor() as cur:
        cur.execute("SELECT phone FROM school WHERE id = %s", (school_id,))
        return cur.fetchone()[0]


def test_a_write_while_the_server_is_unreachable_says_so_and_goes_through_once_it_is_back(
        through_proxy):
    proxy, _location = through_proxy
    school = schools.create({"urn": "100001", "name": "Hillside Primary"})
    proxy.cut()
    with pytest.raises(ServerUnreachable) as exc:
        write_when_free(schools.update, school.id, {"phone": "01632 960000"})
    assert str(exc.value) == UNREACHABLE_TEXT
    proxy.reopen()
    assert write_when_free(schools.update, school.id, {"phone": "01632 960000"}).version == 2
    assert _phone_on_the_server(school.id) == "01632 960000"


def test_an_editor_saved_while_the_server_is_down_keeps_the_typing_and_retry_saves_it(
        qtbot, through_proxy):
    proxy, location = through_proxy
    school = schools.create({"urn": "100001", "name": "Hillside Primary"})
    window = gui.make_window(qtbot, location)
    try:
        editor = window.open_record("school", school.id)
        editor.widgets["phone"].setText("01632 960000")
        proxy.cut()  # the server restarts
        assert not editor.save()
        assert editor.isVisible() and editor.banner.text() == UNREACHABLE_TEXT
        assert editor.retry_button.isVisible()
        assert editor.widgets["phone"].text() == "01632 960000"
        assert _phone_on_the_server(school.id) is None
        proxy.reopen()  # it is back
        editor.retry_button.click()
        qtbot.waitUntil(lambda: not editor.isVisible(), timeout=10000)
        assert editor.saved and _phone_on_the_server(school.id) == "01632 960000"
    finally:
        gui.close_window(qtbot, window)
