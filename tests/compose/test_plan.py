"""The plan of `up` from observed containers (labels + config-hash), and dependency order:
pure tables, no containers needed."""

import pytest

from pyshell.compose.errors import ComposeError
from pyshell.compose.plan import Action, Observed, config_hash, plan_up, start_order

SERVICES = {
    "db": {"image": "busybox"},
    "cache": {"image": "busybox"},
    "web": {"image": "busybox", "depends_on": {"db": {}, "cache": {}}},
    "proxy": {"image": "busybox", "depends_on": {"web": {}}},
}


def test_start_order_puts_dependencies_first():
    order = start_order(SERVICES)
    assert order.index("db") < order.index("web") < order.index("proxy")
    assert order.index("cache") < order.index("web")
    assert start_order(SERVICES, ["web"]) == ["db", "cache", "web"]


@pytest.mark.parametrize("graph, cycle", [
    ({"a": {"depends_on": {"a": {}}}}, "a -> a"),
    ({"a": {"depends_on": {"b": {}}}, "b": {"depends_on": {"a": {}}}}, "a -> b -> a"),
    ({"a": {"depends_on": {"b": {}}}, "b": {"depends_on": {"c": {}}}, "c": {"depends_on": {"b": {}}}},
     "b -> c -> b"),
    ({"a": {"network_mode": "service:b"}, "b": {"depends_on": {"a": {}}}}, "a -> b -> a"),
])
def test_a_cycle_is_an_error_that_names_it(graph, cycle):
    with pytest.raises(ComposeError, match=f"dependency cycle detected: {cycle}"):
        start_order(graph)


def test_config_hash_ignores_scale_but_not_config_or_image():
    base = {"image": "busybox", "command": ["sleep", "1"]}
    assert config_hash(base, "i1") == config_hash(dict(base, scale=3), "i1")
    assert config_hash(base, "i1") != config_hash(dict(base, command=["sleep", "2"]), "i1")
    assert config_hash(base, "i1") != config_hash(base, "i2")


H = {"web": "h-web", "db": "h-db"}
SVC = {"web": {"image": "b"}, "db": {"image": "b"}}

PLANS = [
    # (observed, options, expected (kind, service, number, name, old))
    ([], {}, [("create", "db", 1, "p-db-1", ""), ("create", "web", 1, "p-web-1", "")]),
    ([Observed("p-db-1", "db", 1, "h-db", True), Observed("p-web-1", "web", 1, "h-web", True)], {},
     [("keep", "db", 1, "p-db-1", ""), ("keep", "web", 1, "p-web-1", "")]),
    ([Observed("p-db-1", "db", 1, "old", True), Observed("p-web-1", "web", 1, "h-web", False)], {},
     [("recreate", "db", 1, "p-db-1", "p-db-1"), ("start", "web", 1, "p-web-1", "")]),
    ([Observed("p-db-1", "db", 1, "old", True), Observed("p-web-1", "web", 1, "h-web", True)],
     {"no_recreate": True}, [("keep", "db", 1, "p-db-1", ""), ("keep", "web", 1, "p-web-1", "")]),
    ([Observed("p-db-1", "db", 1, "h-db", True), Observed("p-web-1", "web", 1, "h-web", True)],
     {"force_recreate": True},
     [("recreate", "db", 1, "p-db-1", "p-db-1"), ("recreate", "web", 1, "p-web-1", "p-web-1")]),
    ([Observed("p-web-1", "web", 1, "h-web", True)], {"scale": {"web": 3, "db": 0}},
     [("keep", "web", 1, "p-web-1", ""), ("create", "web", 2, "p-web-2", ""), ("create", "web", 3, "p-web-3", "")]),
    ([Observed("p-web-1", "web", 1, "h-web", True), Observed("p-web-2", "web", 2, "h-web", True)],
     {"scale": {"web": 1, "db": 0}}, [("keep", "web", 1, "p-web-1", ""), ("remove", "web", 2, "", "p-web-2")]),
    ([Observed("p-web-run-1", "web", 1, "", False, oneoff=True)], {"scale": {"db": 0}},
     [("create", "web", 1, "p-web-1", "")]),
]


@pytest.mark.parametrize("observed, options, expected", PLANS)
def test_plan_up(observed, options, expected):
    actions = plan_up("p", SVC, H, observed, ["db", "web"], **options)
    assert actions == [Action(*row) for row in expected]


def test_restart_true_restarts_a_kept_dependent_of_a_recreated_service():
    services = {"db": {"image": "b"},
                "web": {"image": "b", "depends_on": {"db": {"condition": "service_started", "restart": True}}},
                "other": {"image": "b", "depends_on": {"db": {"condition": "service_started"}}}}
    hashes = {"db": "new", "web": "w", "other": "o"}
    observed = [Observed("p-db-1", "db", 1, "old", True), Observed("p-web-1", "web", 1, "w", True),
                Observed("p-other-1", "other", 1, "o", True)]
    actions = plan_up("p", services, hashes, observed, ["db", "other", "web"])
    assert [(a.kind, a.service) for a in actions] == [("recreate", "db"), ("keep", "other"), ("restart", "web")]
