"""Sync tests use the enrolled-edge fixtures of tests/edge (cloud in process)."""
from tests.edge.conftest import (  # noqa: F401
                                 Till,
                                 cashier,
                                 client,
                                 cloud_app,
                                 cloud_client_factory,
                                 cook,
                                 device_client,
                                 edge_app,
                                 enrolled_pair,
                                 login,
                                 manager,
                                 seeded_cloud_file,
)
