"""Platform notifications (webhooks) that trigger an order connection's run at once.

``shopify``: signature check and topic mapping (pure); ``bolcom``: bol.com push signature
check and process-status mapping (pure); ``receiver``: the HTTP server (verify, dedup, map to
connections, emit); ``coalesce``: per connection, one emit at once and one trailing emit per
gap instead of one per notice; ``prefect_events``: the Prefect event an automation turns into
a run of the connection's order-sync deployment, and whether such a run is under way;
``routes``: which shop feeds which connections, and which connections sell on bol.com, read
from the Prefect blocks; ``register``: the platforms' subscriptions.
"""
