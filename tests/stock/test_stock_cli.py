"""``ordersync stock``: what was sent where, when and why; the active reservations."""

from __future__ import annotations

from ordersync.cli import main
from ordersync.store import Store
from ordersync.store.pending import PendingStore
from tests.factories import NOW, order
from tests.stock.helpers import shop_product, stock_sync


def test_stock_command_shows_what_was_sent_and_why(sandbox, tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("ORDERSYNC_DATABASE_URL", url)
    store = Store(url)
    shop_product(sandbox, "MUG", 7)
    sandbox.bolcom.add_offer("MUG")
    stock_sync(sandbox, store)
    assert main(["stock", "--sku", "MUG"]) == 0
    out = capsys.readouterr().out
    assert "done: 2" in out
    assert "amazon:sandbox" in out and "bolcom:sandbox" in out
    assert "new -> 7" in out and "webshop 7 - ordered 0 - reserved 0" in out
    PendingStore(store).reserve(order("402-1", platform="amazon", account="nl"), NOW)
    assert main(["stock", "--reservations"]) == 0
    out = capsys.readouterr().out
    assert "1 active reservation line(s)" in out and "order 402-1" in out
    store.dispose()
