"""How quantities reach each marketplace, recorded step by step so a crash never leaves the
hub unsure whether something was sent (``StockStore`` describes the states).

- Amazon: up to ``patch_limit`` changes as Listings Items PATCHes (absolute values, applied at
  once), more as JSON_LISTINGS_FEEDs (document, then feed; the processing report says which
  SKUs Amazon refused). A feed whose createFeed answer was lost is found again with getFeeds.
- bol.com: one stock PUT per offer (offer ids from the offers export), in chunks that are
  recorded before and committed after they are sent, within the run's time budget (bol.com's
  offer rate is low); outcomes from the process statuses in bulk. A PUT whose answer was lost
  is found again among the offer's process statuses.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any

from ordersync.connectors.amazon.feeds import message_skus, report_problems
from ordersync.connectors.capabilities import (
    ListingQuantityWriter,
    OfferStockWriter,
    first_capable,
)
from ordersync.http import FatalError, RetriableError, UncertainWrite
from ordersync.stock import Change, Plan, Target
from ordersync.stock.context import StockContext, TargetResult
from ordersync.store.stock import BatchRecord, UpdateRecord

Outcomes = dict[int, tuple[str, str | None]]


def writer_for(ctx: StockContext, connector: Any) -> Writer:
    """The writer for the stock-write style the connector implements (capabilities.py)."""
    cls = first_capable(connector, {ListingQuantityWriter: AmazonWriter,
                                    OfferStockWriter: BolcomWriter}, "stock updates")
    return cls(ctx, connector)


def _chunks(items: Sequence[Change], size: int) -> Iterator[Sequence[Change]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


class Writer:
    """What every marketplace writer shares: its target, records and counts."""

    cap: int | None = None

    def __init__(self, ctx: StockContext, connector: Any) -> None:
        self.ctx, self.mp = ctx, connector
        self.target = Target(connector.platform, connector.account)
        self.store = ctx.stock_store
        self.result = TargetResult(self.target)

    def add(self, key: str, n: int = 1) -> None:
        self.result.counts.add(key, n)

    def listed(self) -> Collection[str] | None:
        """The SKUs the target can take (None: any)."""
        return None

    def recover(self) -> None: ...

    def send(self, plan: Plan, *, deadline: float) -> None: ...

    def poll(self, rounds: int) -> None: ...

    def _record(self, method: str, changes: Sequence[Change], state: str = "pending",
                offer_ids: dict[str, str] | None = None) -> tuple[int, dict[str, int]]:
        batch, ids = self.store.record(self.target, method, changes, self.ctx.clock(),
                                       offer_ids=offer_ids, state=state)
        self.result.sent.extend({
            "marketplace": self.target.platform, "account": self.target.account,
            "sku": c.sku, "quantity": c.wanted.quantity, "previous": c.previous,
            "webshop": c.wanted.webshop, "ordered": c.wanted.unimported,
            "reserved": c.wanted.reserved, "method": method, "batch": batch,
        } for c in changes)
        return batch, ids

    def _finish(self, outcomes: Outcomes) -> None:
        self.store.finish(outcomes, self.ctx.clock())
        for state, _ in outcomes.values():
            self.add(state)

    def _after(self, created_at: datetime) -> datetime:
        return created_at - self.ctx.settings.skew


class AmazonWriter(Writer):
    def recover(self) -> None:
        for batch in self.store.open_batches(self.target):
            if batch.method == "patch":
                self._recover_patches(batch)
            elif batch.state in ("pending", "uploaded"):  # createFeed never attempted
                self._abandon(batch, "never sent: the run stopped before createFeed")
            elif batch.state == "sending":
                self._recover_feed(batch)

    def _recover_patches(self, batch: BatchRecord) -> None:
        outcomes: Outcomes = {}
        for update in batch.updates:
            if update.state == "pending":
                outcomes[update.id] = ("abandoned", "never sent")
            elif update.state == "sending":
                found = self.mp.listing_quantity(update.sku)
                outcomes[update.id] = (("done", "found on Amazon after a lost answer")
                                       if found == update.quantity
                                       else ("abandoned", f"not applied (Amazon has {found})"))
        self._finish(outcomes)
        self.add("recovered", len(outcomes))

    def _recover_feed(self, batch: BatchRecord) -> None:
        known = self.store.known_refs(self.target)
        feeds = [f for f in self.mp.feeds_since(self._after(batch.created_at))
                 if str(f.get("feedId")) not in known]
        if not feeds:
            self._abandon(batch, "createFeed did not arrive (no such feed on Amazon)")
            return
        oldest = min(feeds, key=lambda f: (str(f.get("createdTime")), str(f.get("feedId"))))
        self.store.set_batch(batch.id, self.ctx.clock(), state="submitted",
                             remote_ref=str(oldest["feedId"]), updates_too=True,
                             message="feed found with getFeeds after a lost createFeed answer")
        self.add("recovered")

    def _abandon(self, batch: BatchRecord, why: str) -> None:
        self._finish({u.id: ("abandoned", why) for u in batch.updates})
        self.store.finish_batch(batch.id, "abandoned", self.ctx.clock(), why)

    def send(self, plan: Plan, *, deadline: float) -> None:
        changes = list(plan.changes)
        if len(changes) <= self.ctx.settings.patch_limit:
            self._patches(changes)
            return
        for chunk in _chunks(changes, self.ctx.settings.feed_limit):
            self._feed(chunk)

    def _patches(self, changes: Sequence[Change]) -> None:
        batch, ids = self._record("patch", changes)
        for chunk in _chunks(changes, self.ctx.settings.chunk):
            self.store.mark_sending([ids[c.sku] for c in chunk], self.ctx.clock())
            outcomes: Outcomes = {}
            for change in chunk:
                ident = ids[change.sku]
                try:
                    receipt = self.mp.set_quantity(change.sku, change.wanted.quantity)
                    outcomes[ident] = ("done", f"submission {receipt.ref}")
                except FatalError as exc:
                    outcomes[ident] = ("failed", str(exc))
                except RetriableError as exc:
                    outcomes[ident] = ("abandoned", f"not known to have arrived: {exc}")
            self._finish(outcomes)
        self.store.close_batches(self.target, self.ctx.clock())

    def _feed(self, changes: Sequence[Change]) -> None:
        batch, ids = self._record("feed", changes)
        # messageId n is the n-th update of the batch by id (how the report is read back)
        quantities = {c.sku: c.wanted.quantity for c in sorted(changes, key=lambda c: ids[c.sku])}
        now = self.ctx.clock
        try:
            document = self.mp.create_feed_document(quantities)
            self.store.set_batch(batch, now(), state="uploaded", document_id=document)
            self.store.set_batch(batch, now(), state="sending", updates_too=True)
            feed_id = self.mp.create_feed(document)
        except UncertainWrite as exc:  # the feed may exist: the next run looks for it
            self.store.set_batch(batch, now(), message=f"createFeed answer lost: {exc}")
            self.add("uncertain", len(changes))
            return
        except (FatalError, RetriableError) as exc:
            state = "failed" if isinstance(exc, FatalError) else "abandoned"
            self._finish({i: (state, str(exc)) for i in self._ids(batch)})
            self.store.finish_batch(batch, state, now(), str(exc))
            return
        self.store.set_batch(batch, now(), state="submitted", remote_ref=feed_id,
                             updates_too=True)
        self.add("feeds")

    def _ids(self, batch_id: int) -> list[int]:
        return [u.id for b in self.store.open_batches(self.target) if b.id == batch_id
                for u in b.updates]

    def poll(self, rounds: int) -> None:
        for attempt in range(rounds + 1):
            waiting = [b for b in self.store.open_batches(self.target)
                       if b.method == "feed" and b.state == "submitted" and b.remote_ref
                       and b.updates]
            if not waiting:
                return
            if attempt:
                self.ctx.sleep(self.ctx.settings.poll_interval)
            for batch in waiting:
                self._poll_feed(batch)
            self.store.close_batches(self.target, self.ctx.clock())

    def _poll_feed(self, batch: BatchRecord) -> None:
        feed = self.mp.feed(batch.remote_ref)
        status = feed.get("processingStatus")
        if status in ("IN_QUEUE", "IN_PROGRESS"):
            self.add("processing")
            return
        if status == "DONE":
            quantities = {u.sku: u.quantity for u in sorted(batch.updates, key=lambda u: u.id)}
            problems = report_problems(self.mp.feed_report(feed), message_skus(quantities))
            self._finish({u.id: ("failed", problems[u.sku]) if u.sku in problems
                          else ("done", f"feed {batch.remote_ref}") for u in batch.updates})
        else:
            self._finish({u.id: ("failed", f"feed {batch.remote_ref} {status}")
                          for u in batch.updates})


class BolcomWriter(Writer):
    cap = 999  # UpdateOfferStockRequest.amount maximum

    def __init__(self, ctx: StockContext, connector: Any) -> None:
        super().__init__(ctx, connector)
        self.cap = getattr(connector, "max_quantity", self.cap)
        self._offers: dict[str, str] = {}

    def listed(self) -> Collection[str]:
        """SKUs with an offer the retailer ships (FBR), from the offers export, refreshed
        when older than ``offers_max_age``."""
        state = self.store.target_state(self.target)
        now, settings = self.ctx.clock(), self.ctx.settings
        stale = state.offers_refreshed_at is None or (
            now - state.offers_refreshed_at > settings.offers_max_age)
        if stale:
            self._refresh_offers(state.export_ref)
        self._offers = self.store.offers(self.target)
        return set(self._offers)

    def _refresh_offers(self, export_ref: str | None) -> None:
        now = self.ctx.clock
        if export_ref is None:
            export_ref = self.mp.request_offer_export()
            self.store.set_export(self.target, export_ref, now())
        for attempt in range(self.ctx.settings.export_rounds):
            if attempt:
                self.ctx.sleep(self.ctx.settings.poll_interval)
            try:
                report = self.mp.offer_export_report(export_ref)
            except FatalError:  # the export failed (or is forgotten): ask again next run
                self.store.set_export(self.target, None, now())
                self.add("offers_export_failed")
                return
            if report:
                offers = self.mp.offer_export(report)
                self.add("offers", self.store.replace_offers(self.target, offers, now()))
                return
        self.add("offers_export_pending")

    def recover(self) -> None:
        outcomes: Outcomes = {}
        refs: dict[int, str] = {}
        for batch in self.store.open_batches(self.target):
            for update in batch.updates:
                if update.state == "pending":
                    outcomes[update.id] = ("abandoned", "never sent")
                elif update.state == "sending":
                    ref = self._lost_process(update)
                    if ref is None:
                        outcomes[update.id] = ("abandoned", "no stock process on bol.com")
                    else:
                        refs[update.id] = ref
        self.store.mark_submitted(refs, self.ctx.clock())
        self._finish(outcomes)
        if refs or outcomes:
            self.add("recovered", len(refs) + len(outcomes))

    def _lost_process(self, update: UpdateRecord) -> str | None:
        """The process of a PUT whose answer was lost: the offer's newest stock process
        created at or after the update was recorded."""
        if not update.offer_id:
            return None
        since = self._after(update.created_at)
        for process in self.mp.stock_processes(update.offer_id):
            created = _parse_time(process.get("createTimestamp"))
            if created is not None and created >= since:
                return str(process["processStatusId"])
        return None

    def send(self, plan: Plan, *, deadline: float) -> None:
        settings, now = self.ctx.settings, self.ctx.clock
        changes = list(plan.changes)
        for position, chunk in enumerate(_chunks(changes, settings.chunk)):
            if position and (self.ctx.monotonic() > deadline or not self.store.claim_target(
                    self.target, self.ctx.owner, now(), settings.lease)):
                self.add("deferred", len(changes) - position * settings.chunk)
                return
            _, ids = self._record("offer_stock", chunk, state="sending",
                                  offer_ids=self._offers)
            refs: dict[int, str] = {}
            outcomes: Outcomes = {}
            for change in chunk:
                ident = ids[change.sku]
                try:
                    refs[ident] = self.mp.set_stock(self._offers[change.sku],
                                                    change.wanted.quantity)
                except FatalError as exc:
                    outcomes[ident] = ("failed", str(exc))
                except RetriableError as exc:
                    outcomes[ident] = ("abandoned", f"not known to have arrived: {exc}")
            self.store.mark_submitted(refs, now())
            self._finish(outcomes)
            self.add("submitted", len(refs))

    def poll(self, rounds: int) -> None:
        for attempt in range(rounds + 1):
            waiting = {u.ref: u for b in self.store.open_batches(self.target)
                       for u in b.updates if u.state == "submitted" and u.ref}
            if not waiting:
                return
            if attempt:
                self.ctx.sleep(self.ctx.settings.poll_interval)
            statuses = self.mp.process_statuses(list(waiting))
            outcomes: Outcomes = {}
            expired = self.ctx.clock() - self.ctx.settings.status_retention
            for ref, update in waiting.items():
                result = statuses.get(ref)
                if result is None:
                    if update.created_at < expired:
                        outcomes[update.id] = ("abandoned", "process status no longer kept")
                elif result.state == "success":
                    outcomes[update.id] = ("done", f"process {ref}")
                elif result.state == "failure":
                    outcomes[update.id] = ("failed", result.message or f"process {ref} failed")
            self._finish(outcomes)
            self.store.close_batches(self.target, self.ctx.clock())


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None
