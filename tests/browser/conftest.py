from tests.flows.conftest import flow_sandbox, prefect_server  # noqa: F401  (shared fixtures)
