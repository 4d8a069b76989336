"""Loading compose files: interpolation, .env precedence, -f merging, profiles, extends,
validation errors with their path and position — tables of small projects on disk."""

import os
import tempfile
import textwrap

import pytest

from pyshell.compose.errors import ComposeError
from pyshell.compose.interpolate import interpolate
from pyshell.compose.load import Options, load_project
from pyshell.compose.output import config_yaml
from test_cache import checked_through_cache


def write(directory, files: dict):
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def load(directory, environ=None, warnings=None, **options):
    """load_project's Project; checked: through the cache, a miss then a hit give it too."""
    options, environ, said = Options(**options), environ or {}, []
    try:
        project = load_project(options, environ=environ, cwd=str(directory), warn=said.append)
    except ComposeError as error:
        project = error
    with tempfile.TemporaryDirectory() as cache_directory:
        checked_through_cache(project, said, cache_directory, options, environ, str(directory))
    if warnings is not None:
        warnings += said
    if isinstance(project, ComposeError):
        raise project
    return project


# ---------------------------------------------------------------- interpolation

ENV = {"A": "a", "EMPTY": "", "N": "3"}

INTERPOLATION = [
    ("$A", "a"), ("${A}", "a"), ("x${A}y", "xay"), ("$A$A", "aa"),
    ("${UNSET}", ""), ("$UNSET-x", "-x"),
    ("${EMPTY:-d}", "d"), ("${EMPTY-d}", ""), ("${UNSET-d}", "d"), ("${UNSET:-d}", "d"), ("${A:-d}", "a"),
    ("${A:+r}", "r"), ("${EMPTY:+r}", ""), ("${EMPTY+r}", "r"), ("${UNSET+r}", ""),
    ("${UNSET:-${A}}", "a"), ("${UNSET:-${UNSET2:-deep}}", "deep"), ("${A:-${UNSET:?unused}}", "a"),
    ("$$A", "$A"), ("$${A}", "${A}"), ("100$$", "100$"), ("${UNSET:-a b}", "a b"),
    ("${UNSET:-}", ""), ("{not a var}", "{not a var}"),
]


@pytest.mark.parametrize("text, expected", INTERPOLATION)
def test_interpolation(text, expected):
    assert interpolate(text, ENV.get) == expected


@pytest.mark.parametrize("text, message", [
    ("${UNSET:?need it}", "required variable UNSET is missing a value: need it"),
    ("${EMPTY:?}", "required variable EMPTY is missing a value"),
    ("${UNSET?x}", "required variable UNSET is missing a value: x"),
    ("${A", "missing }"),
    ("${1A}", "is not a variable name"),
    ("${A!x}", "unknown operator"),
    ("cost $ 5", "a lone $"),
])
def test_interpolation_errors(text, message):
    with pytest.raises(ComposeError) as caught:
        interpolate(text, ENV.get)
    assert message in caught.value.message


def test_unset_variable_warns(tmp_path):
    write(tmp_path, {"compose.yaml": "services:\n  s:\n    image: busybox:${TAG}\n"})
    warnings = []
    project = load(tmp_path, warnings=warnings)
    assert project.services["s"]["image"] == "busybox:"
    assert 'The "TAG" variable is not set. Defaulting to a blank string.' in warnings


def test_required_variable_error_names_path_and_position(tmp_path):
    write(tmp_path, {"compose.yaml": "services:\n  s:\n    image: ${IMG:?set IMG}\n"})
    with pytest.raises(ComposeError) as caught:
        load(tmp_path)
    assert caught.value.message == (f"{tmp_path}/compose.yaml:3:5: services.s.image: "
                                    "required variable IMG is missing a value: set IMG")


def test_keys_are_not_interpolated(tmp_path):
    write(tmp_path, {"compose.yaml": "services:\n  s:\n    image: busybox\n    labels:\n      $K: v\n"})
    assert load(tmp_path, {"K": "k"}).services["s"]["labels"] == {"$K": "v"}


# ---------------------------------------------------------------- where variables come from

PRECEDENCE = [
    # (shell env, .env text, env files {name: text}, --env-file list, expected value of V)
    ({}, "V=dotenv\n", {}, [], "dotenv"),
    ({"V": "shell"}, "V=dotenv\n", {}, [], "shell"),
    ({}, "V=dotenv\n", {"one.env": "V=one\n"}, ["one.env"], "one"),          # --env-file replaces .env
    ({}, "", {"one.env": "V=one\n", "two.env": "V=two\n"}, ["one.env", "two.env"], "two"),  # later wins
    ({"V": "shell"}, "", {"one.env": "V=one\n"}, ["one.env"], "shell"),
    ({}, "A=x\nV=${A}y\n", {}, [], "xy"),                                   # interpolation inside .env
    ({"A": "sh"}, "V=${A}y\n", {}, [], "shy"),
    ({}, "V='lit $A'\n", {}, [], "lit $A"),
    ({}, 'V="q\\tx" \n', {}, [], "q\tx"),
    ({}, "export V=exp # comment\n", {}, [], "exp"),
    ({}, "# V=no\n", {}, [], ""),
]


@pytest.mark.parametrize("shell, dotenv, env_files, chosen, expected", PRECEDENCE)
def test_variable_precedence(tmp_path, shell, dotenv, env_files, chosen, expected):
    write(tmp_path, {"compose.yaml": "services:\n  s:\n    image: busybox\n    labels: [\"v=${V}\"]\n",
                     ".env": dotenv, **env_files})
    project = load(tmp_path, shell, env_files=tuple(chosen))
    assert project.services["s"]["labels"]["v"] == expected


def test_env_file_values_are_container_env_not_interpolation(tmp_path):
    write(tmp_path, {"compose.yaml": """\
        services:
          s:
            image: busybox
            env_file: [a.env, {path: missing.env, required: false}]
            environment: {FROM_ENV: "${IN_FILE:-not-interpolated}", B: override, BARE: }
            labels: {x: "${IN_FILE:-unset}"}
        """, "a.env": "IN_FILE=1\nB=from-file\nC=${SHELLV}\n"})
    service = load(tmp_path, {"SHELLV": "s", "BARE": "bare"}).services["s"]
    assert service["environment"] == {"IN_FILE": "1", "B": "override", "C": "s",
                                      "FROM_ENV": "not-interpolated", "BARE": "bare"}
    assert service["labels"] == {"x": "unset"}


def test_required_env_file_missing(tmp_path):
    write(tmp_path, {"compose.yaml": "services:\n  s:\n    image: busybox\n    env_file: nope.env\n"})
    with pytest.raises(ComposeError, match="env file .*nope.env not found"):
        load(tmp_path)


# ---------------------------------------------------------------- files, project name

def test_files_are_found_in_parent_directories_with_override(tmp_path):
    write(tmp_path, {"docker-compose.yml": "services:\n  s:\n    image: busybox\n",
                     "docker-compose.override.yml": "services:\n  s:\n    command: echo hi\n",
                     "sub/deeper/file": ""})
    project = load(tmp_path / "sub" / "deeper")
    assert project.services["s"]["command"] == ["echo", "hi"]
    assert project.directory == str(tmp_path)
    assert project.name == tmp_path.name.lower().replace(".", "")


def test_project_directory_is_where_the_file_is_looked_for(tmp_path):
    write(tmp_path, {"compose.yaml": "services:\n  here:\n    image: busybox\n",
                     "elsewhere/compose.yaml": "services:\n  there:\n    image: busybox\n"})
    project = load(tmp_path, project_directory="elsewhere")
    assert list(project.services) == ["there"]
    assert project.directory == str(tmp_path / "elsewhere")


def test_compose_yaml_is_preferred(tmp_path):
    write(tmp_path, {"compose.yaml": "services:\n  a:\n    image: busybox\n",
                     "docker-compose.yml": "services:\n  b:\n    image: busybox\n"})
    assert list(load(tmp_path).services) == ["a"]


def test_no_file(tmp_path):
    with pytest.raises(ComposeError, match="no configuration file provided"):
        load(tmp_path)


NAMES = [
    # (-p, COMPOSE_PROJECT_NAME in env, name: in the file, expected)
    ("cli", "env", "file", "cli"),
    ("", "env", "file", "env"),
    ("", "", "file", "file"),
    ("", "", "${N}x", "nx"),
    ("", "", "", "mydir"),
]


@pytest.mark.parametrize("flag, env, name, expected", NAMES)
def test_project_name(tmp_path, flag, env, name, expected):
    directory = tmp_path / "MyDir"
    text = (f"name: {name}\n" if name else "") + "services:\n  s:\n    image: busybox\n    labels: [p=$COMPOSE_PROJECT_NAME]\n"
    write(directory, {"compose.yaml": text})
    environ = {"N": "n"} | ({"COMPOSE_PROJECT_NAME": env} if env else {})
    project = load(directory, environ, project_name=flag)
    assert project.name == expected
    assert project.model["name"] == expected
    assert project.services["s"]["labels"]["p"] == (env or expected)


def test_invalid_project_name(tmp_path):
    write(tmp_path, {"compose.yaml": "services: {}\n"})
    with pytest.raises(ComposeError, match='invalid project name "Bad Name"'):
        load(tmp_path, project_name="Bad Name")


def test_version_warns(tmp_path):
    write(tmp_path, {"compose.yaml": "version: '3.8'\nservices:\n  s:\n    image: busybox\n"})
    warnings = []
    load(tmp_path, warnings=warnings)
    assert any("the attribute `version` is obsolete" in warning for warning in warnings)


# ---------------------------------------------------------------- merging -f files

MERGES = [
    # (base service, override service, key, expected normalized value)
    ("image: a", "image: b", "image", "b"),
    ("command: echo a", "command: [echo, b]", "command", ["echo", "b"]),
    ("environment: [A=1, B=2]", "environment: {B: 3, C: 4}", "environment", {"A": "1", "B": "3", "C": "4"}),
    ("labels: {a: '1'}", "labels: [b=2]", "labels", {"a": "1", "b": "2"}),
    ("ports: ['80:80']", "ports: ['81:81', '80:80']", "ports",
     [{"mode": "ingress", "target": 80, "published": "80", "protocol": "tcp"},
      {"mode": "ingress", "target": 81, "published": "81", "protocol": "tcp"}]),
    ("volumes: ['/a:/data', '/b:/b']", "volumes: ['/c:/data:ro']", "volumes",
     [{"type": "bind", "source": "/c", "target": "/data", "read_only": True, "bind": {"create_host_path": True}},
      {"type": "bind", "source": "/b", "target": "/b", "bind": {"create_host_path": True}}]),
    ("dns: [1.1.1.1]", "dns: [8.8.8.8]", "dns", ["1.1.1.1", "8.8.8.8"]),
    ("depends_on: [x]", "depends_on: {y: {condition: service_healthy}}", "depends_on",
     {"x": {"condition": "service_started", "required": True},
      "y": {"condition": "service_healthy", "required": True}}),
    ("healthcheck: {test: [CMD, a], retries: 2}", "healthcheck: {test: [CMD, b]}", "healthcheck",
     {"test": ["CMD", "b"], "retries": 2}),
    ("build: .", "build: {dockerfile: Other}", "build", None),  # checked below: context kept
]


@pytest.mark.parametrize("base, override, key, expected", MERGES)
def test_merge_of_two_files(tmp_path, base, override, key, expected):
    image = "" if base.startswith("image") else "image: busybox\n    "
    write(tmp_path, {"a.yml": f"services:\n  s:\n    {image}{base}\n  x:\n    image: busybox\n"
                              "  y:\n    image: busybox\n",
                     "b.yml": f"services:\n  s:\n    {override}\n"})
    project = load(tmp_path, files=("a.yml", "b.yml"))
    value = project.services["s"][key]
    if key == "build":
        assert value == {"context": str(tmp_path), "dockerfile": "Other"}
    else:
        assert value == expected
    assert "x" in project.services


def test_merge_three_files_and_top_level(tmp_path):
    write(tmp_path, {"a.yml": "services:\n  s: {image: a}\nvolumes:\n  v: {}\n",
                     "b.yml": "services:\n  s: {image: b}\n  t: {image: t, volumes: ['v:/v']}\n",
                     "c.yml": "name: merged\nservices:\n  s: {image: c}\nvolumes:\n  v: {labels: {k: x}}\n"})
    project = load(tmp_path, files=("a.yml", "b.yml", "c.yml"))
    assert project.name == "merged"
    assert project.services["s"]["image"] == "c"
    assert project.model["volumes"] == {"v": {"name": "merged_v", "labels": {"k": "x"}}}


# ---------------------------------------------------------------- profiles

PROFILE_FILE = """\
services:
  web: {image: busybox}
  db: {image: busybox, profiles: [backend]}
  debug: {image: busybox, profiles: [debug, tools]}
  tool: {image: busybox, profiles: [tools], depends_on: [db]}
"""

PROFILES = [
    ((), {}, (), ["web"]),
    (("backend",), {}, (), ["db", "web"]),
    ((), {"COMPOSE_PROFILES": "debug"}, (), ["debug", "web"]),
    ((), {"COMPOSE_PROFILES": "backend,debug"}, (), ["db", "debug", "web"]),
    (("*",), {}, (), ["db", "debug", "tool", "web"]),
    ((), {}, ("db",), ["db", "web"]),                    # naming a service enables it
    ((), {}, ("tool",), ["db", "tool", "web"]),          # and what it depends on
]


@pytest.mark.parametrize("profiles, environ, named, expected", PROFILES)
def test_profiles(tmp_path, profiles, environ, named, expected):
    write(tmp_path, {"compose.yaml": PROFILE_FILE})
    project = load_project(Options(profiles=profiles), environ=environ, cwd=str(tmp_path),
                           named_services=named)
    assert sorted(project.services) == expected


def test_profile_dependency_not_active(tmp_path):
    write(tmp_path, {"compose.yaml": PROFILE_FILE})
    with pytest.raises(ComposeError, match='service "tool" depends on undefined service "db"'):
        load(tmp_path, profiles=("tools",))


# ---------------------------------------------------------------- anchors, x- keys, extends

def test_anchors_merge_keys_and_extensions(tmp_path):
    write(tmp_path, {"compose.yaml": """\
        x-defaults: &defaults
          image: busybox
          restart: always
          x-note: kept
        services:
          a:
            <<: *defaults
            command: [echo, a]
          b:
            <<: *defaults
            restart: "no"
        """})
    services = load(tmp_path).services
    assert services["a"]["restart"] == "always" and services["b"]["restart"] == "no"
    assert services["a"]["x-note"] == "kept"


def test_extends_same_and_other_file(tmp_path):
    write(tmp_path, {"compose.yaml": """\
        services:
          base: {image: busybox, environment: {A: "1"}, command: echo base}
          child: {extends: base, environment: {B: "2"}}
          far: {extends: {file: common/other.yml, service: remote}}
        """, "common/other.yml": "services:\n  remote: {image: debian, build: ./ctx, env_file: r.env}\n",
        "common/r.env": "R=1\n"})
    services = load(tmp_path).services
    assert services["child"]["environment"] == {"A": "1", "B": "2"}
    assert services["child"]["command"] == ["echo", "base"]
    assert services["far"]["build"]["context"] == str(tmp_path / "common" / "ctx")
    assert services["far"]["environment"] == {"R": "1"}


def test_extends_cycle(tmp_path):
    write(tmp_path, {"compose.yaml": "services:\n  a: {extends: b}\n  b: {extends: a}\n"})
    with pytest.raises(ComposeError, match="circular extends"):
        load(tmp_path)


# ---------------------------------------------------------------- validation errors

ERRORS = [
    ("services:\n  web:\n    image: busybox\n    ports: ['80800:80']\n",
     '4:13: services.web.ports[0]: invalid port "80800"'),
    ("services:\n  web:\n    image: busybox\n    ports:\n      - 8080:80\n      - ':'\n",
     '6:9: services.web.ports[1]: invalid port ":"'),
    ("services:\n  web:\n    image: busybox\n    bogus: 1\n",
     '4:5: services.web: additional property "bogus" is not allowed'),
    ("services:\n  web:\n    command: x\n", "2:3: services.web: has neither an image nor a build context specified"),
    ("servics:\n  web: {}\n", '1:1: servics: additional property "servics" is not allowed'),
    ("services:\n  web:\n    image: busybox\n    restart: sometimes\n",
     '4:5: services.web.restart: invalid restart policy "sometimes"'),
    ("services:\n  web:\n    image: busybox\n    depends_on: [nope]\n",
     '4:5: services.web.depends_on.nope: service "web" depends on undefined service "nope"'),
    ("services:\n  web:\n    image: busybox\n    volumes: ['data:/data']\n",
     "4:15: services.web.volumes[0]: service refers to undefined volume data"),
    ("services:\n  web:\n    image: busybox\n    networks: [back]\n",
     "4:5: services.web.networks.back: service refers to undefined network back"),
    ("services:\n  web:\n    image: busybox\n    healthcheck: {test: [CMD], interval: soon}\n",
     "4:32: services.web.healthcheck.interval: invalid duration 'soon'"),
    ("services:\n  web:\n    image: busybox\n    tty: maybe\n", "4:5: services.web.tty: must be a boolean"),
    ("services:\n  web:\n    image: [busybox]\n", "3:5: services.web.image: must be a string, not a list"),
    ("services:\n  web:\n    image: busybox\n    depends_on: {db: {condition: started}}\n  db: {image: b}\n",
     '4:23: services.web.depends_on.db.condition: invalid condition "started"'),
    ("services:\n  web:\n    image: busybox\n    privileged: true\n",
     "4:5: services.web.privileged: not supported by pysh compose"),
    ("services:\n  web:\n    image: busybox\n    volumes: ['/x:relative']\n",
     '4:15: services.web.volumes[0]: invalid mount target "relative"'),
    ("services:\n  web:\n    image: busybox\n    container_name: fixed\n    scale: 2\n",
     "4:5: services.web.container_name: a service with a container_name cannot be scaled"),
    ("services:\n  web:\n    image: busybox\n    network_mode: host\n    networks: [default]\n",
     '4:5: services.web.network_mode: "network_mode" and "networks" cannot be combined'),
]


@pytest.mark.parametrize("text, message", ERRORS)
def test_validation_errors_name_path_and_position(tmp_path, text, message):
    write(tmp_path, {"compose.yaml": text})
    with pytest.raises(ComposeError) as caught:
        load(tmp_path)
    assert caught.value.message == f"{tmp_path}/compose.yaml:{message}" or \
        caught.value.message.startswith(f"{tmp_path}/compose.yaml:{message}")


YAML_ERRORS = [
    ("services:\n  web:\n    image: [busybox\n", "4:1: yaml:"),
    ("services:\n  web:\n  image: a\n   bad: x\n", "4:7: yaml: mapping values are not allowed"),
    ("services:\n  a: {image: x}\n  a: {image: y}\n", "3:3: yaml: mapping key 'a' already defined"),
    ("services:\n\tweb: {}\n", "2:1: yaml:"),
]


@pytest.mark.parametrize("text, message", YAML_ERRORS)
def test_bad_yaml_has_file_line_col(tmp_path, text, message):
    write(tmp_path, {"compose.yaml": text})
    with pytest.raises(ComposeError) as caught:
        load(tmp_path)
    assert caught.value.message.startswith(f"{tmp_path}/compose.yaml:{message}")


# ---------------------------------------------------------------- normalized forms, config

def test_normalized_model_and_config_round_trip(tmp_path):
    write(tmp_path, {"compose.yaml": """\
        services:
          web:
            image: busybox
            command: sh -c 'echo "$$HOME"'
            ports: ["127.0.0.1:8080:80", "9000-9001:90-91/udp", 53]
            volumes: ["./html:/var/www/html:ro", "data:/data", "/anon"]
            environment: [A=1, B]
            healthcheck: {test: "wget -q localhost", interval: 90s, timeout: 500ms, retries: 3}
            stop_grace_period: 1m
            deploy: {resources: {limits: {cpus: "0.5", memory: 64m}}}
        volumes:
          data:
        networks:
          back:
            name: custom
        """})
    project = load(tmp_path, {"B": "b"})
    web = project.services["web"]
    assert web["command"] == ["sh", "-c", 'echo "$HOME"']
    assert web["ports"][0] == {"mode": "ingress", "host_ip": "127.0.0.1", "target": 80,
                               "published": "8080", "protocol": "tcp"}
    assert [p["target"] for p in web["ports"]] == [80, 90, 91, 53]
    assert web["volumes"][0]["source"] == str(tmp_path / "html")
    assert web["environment"] == {"A": "1", "B": "b"}
    assert web["healthcheck"] == {"test": ["CMD-SHELL", "wget -q localhost"], "interval": "1m30s",
                                  "timeout": "500ms", "retries": 3}
    assert web["stop_grace_period"] == "1m0s"
    assert web["networks"] == {"default": None}
    assert project.model["networks"] == {"back": {"name": "custom"},
                                         "default": {"name": f"{project.name}_default"}}
    text = config_yaml(project.model)
    assert "$$HOME" in text
    (tmp_path / "again").mkdir()
    (tmp_path / "again" / "compose.yaml").write_text(text)
    again = load(tmp_path / "again", {"B": "b"})
    assert again.model == project.model


# ---------------------------------------------------------------- top-level networks and volumes

TOP_LEVEL_RESOURCES = [
    # (the entry under networks: or volumes:, its normalized form; p is the project's name)
    ("{}", {"name": "p_r"}),
    ("{name: own}", {"name": "own"}),
    ("{external: true}", {"name": "r", "external": True}),
    ("{external: true, name: there}", {"name": "there", "external": True}),
    ("{external: {name: old}}", {"name": "old", "external": True}),       # the old form
    ("{external: false, driver: local, labels: [a=1], driver_opts: {o: v}}",
     {"name": "p_r", "driver": "local", "labels": {"a": "1"}, "driver_opts": {"o": "v"}}),
]


@pytest.mark.parametrize("kind", ["networks", "volumes"])
@pytest.mark.parametrize("text, expected", TOP_LEVEL_RESOURCES)
def test_top_level_networks_and_volumes(tmp_path, kind, text, expected):
    write(tmp_path, {"compose.yaml": f"name: p\nservices: {{}}\n{kind}:\n  r: {text}\n"})
    assert load(tmp_path).model[kind] == {"r": expected}


@pytest.mark.parametrize("kind, text, message", [
    ("networks", "{internal: true, attachable: true, ipam: {driver: default}}", None),
    ("volumes", "{ipam: {driver: default}}", '4:7: volumes.r: additional property "ipam" is not allowed'),
    ("volumes", "{internal: true}", '4:7: volumes.r: additional property "internal" is not allowed'),
    ("networks", "{external: maybe}", "4:7: networks.r.external: must be a boolean"),
    ("volumes", "{external: maybe}", "4:7: volumes.r.external: must be a boolean"),
])
def test_network_only_keys(tmp_path, kind, text, message):
    write(tmp_path, {"compose.yaml": f"name: p\nservices: {{}}\n{kind}:\n  r: {text}\n"})
    if message is None:
        assert load(tmp_path).model[kind]["r"] == {"name": "p_r", "internal": True, "attachable": True,
                                                   "ipam": {"driver": "default"}}
        return
    with pytest.raises(ComposeError) as caught:
        load(tmp_path)
    assert caught.value.message.startswith(f"{tmp_path}/compose.yaml:{message}")


# ---------------------------------------------------------------- !reset and !override

ABSENT = object()

MERGE_TAGS = [
    # (base service keys, override service keys, key, expected normalized value or ABSENT)
    ("command: echo a", "command: !reset", "command", ABSENT),                     # a scalar
    ("user: nobody", "user: !reset ignored", "user", ABSENT),
    ("ports: ['80:80']", "ports: !reset []", "ports", ABSENT),                     # a list
    ("dns: [1.1.1.1]", "dns: !reset", "dns", ABSENT),
    ("environment: {A: '1'}", "environment: !reset {}", "environment", ABSENT),    # a map
    ("environment: [A=1, B=2]", "environment:\n      A: !reset", "environment", {"B": "2"}),  # a key
    ("labels: {a: '1', b: '2'}", "labels:\n      b: !reset\n      c: '3'", "labels", {"a": "1", "c": "3"}),
    ("depends_on: [x, y]", "depends_on:\n      x: !reset", "depends_on",
     {"y": {"condition": "service_started", "required": True}}),
    ("healthcheck: {test: [CMD, a], retries: 2}", "healthcheck:\n      retries: !reset", "healthcheck",
     {"test": ["CMD", "a"]}),
    ("ports: ['80:80']", "ports: !override ['81:81']", "ports",                    # lists replaced
     [{"mode": "ingress", "target": 81, "published": "81", "protocol": "tcp"}]),
    ("dns: [1.1.1.1]", "dns: !override [8.8.8.8]", "dns", ["8.8.8.8"]),
    ("volumes: ['/a:/a']", "volumes: !override ['/b:/b']", "volumes",
     [{"type": "bind", "source": "/b", "target": "/b", "bind": {"create_host_path": True}}]),
    ("environment: [A=1, B=2]", "environment: !override {C: 3}", "environment", {"C": "3"}),  # maps
    ("labels: {a: '1'}", "labels: !override [b=2]", "labels", {"b": "2"}),
    ("healthcheck: {test: [CMD, a], retries: 2}", "healthcheck: !override {test: [CMD, b]}",
     "healthcheck", {"test": ["CMD", "b"]}),
    ("command: echo a", "command: !override echo b", "command", ["echo", "b"]),
    ("stop_grace_period: 5s", "stop_grace_period: !override 10", "stop_grace_period", "10s"),
]


@pytest.mark.parametrize("base, override, key, expected", MERGE_TAGS)
def test_merge_tags_in_a_later_file(tmp_path, base, override, key, expected):
    write(tmp_path, {"a.yml": f"services:\n  s:\n    image: busybox\n    {base}\n"
                              "  x: {image: busybox}\n  y: {image: busybox}\n",
                     "b.yml": f"services:\n  s:\n    {override}\n"})
    service = load(tmp_path, files=("a.yml", "b.yml")).services["s"]
    assert service.get(key, ABSENT) == expected


def test_merge_tags_on_resources_and_order_of_files(tmp_path):
    write(tmp_path, {"a.yml": """\
        services:
          s: {image: busybox, dns: [1.1.1.1]}
          gone: {image: busybox}
        volumes:
          old: {}
          kept: {}
        """, "b.yml": """\
        services:
          s:
            dns: !reset
          gone: !reset
        volumes:
          old: !reset
        """, "c.yml": "services:\n  s: {dns: [9.9.9.9]}\n",
        "alone.yml": "services:\n  s:\n    image: busybox\n    dns: !reset [1.1.1.1]\n"})
    project = load(tmp_path, files=("a.yml", "b.yml", "c.yml"))
    assert sorted(project.services) == ["s"]
    assert project.services["s"]["dns"] == ["9.9.9.9"]     # a later file may set it again
    assert sorted(project.model["volumes"]) == ["kept"]
    alone = load(tmp_path, files=("alone.yml",))            # in a first file: the key is left out
    assert "dns" not in alone.services["s"]


def test_merge_tags_through_anchors(tmp_path):
    write(tmp_path, {"a.yml": "services:\n  s: {image: busybox, dns: [1.1.1.1], cap_add: [NET_ADMIN]}\n",
                     "b.yml": """\
        x-plain: &plain
          dns: !override [8.8.8.8]
          cap_add: !reset
        services:
          s:
            <<: *plain
        """})
    service = load(tmp_path, files=("a.yml", "b.yml")).services["s"]
    assert service["dns"] == ["8.8.8.8"] and "cap_add" not in service


EXTENDS_TAGS = [
    # (base service keys, child keys, key, expected normalized value of the child or ABSENT)
    ("ports: ['80:80']", "ports: !reset []", "ports", ABSENT),
    ("command: echo base", "command: !reset", "command", ABSENT),
    ("environment: {A: '1', B: '2'}", "environment:\n      A: !reset", "environment", {"B": "2"}),
    ("dns: [1.1.1.1]", "dns: !override [8.8.8.8]", "dns", ["8.8.8.8"]),
    ("labels: [a=1]", "labels: !override {b: '2'}", "labels", {"b": "2"}),
    ("dns: [1.1.1.1]", "dns: [8.8.8.8]", "dns", ["1.1.1.1", "8.8.8.8"]),  # untagged: merged
]


@pytest.mark.parametrize("base, child, key, expected", EXTENDS_TAGS)
def test_merge_tags_in_extends(tmp_path, base, child, key, expected):
    write(tmp_path, {"compose.yaml": f"""\
services:
  base:
    image: busybox
    {base}
  child:
    extends: base
    {child}
  far:
    extends: {{file: other.yml, service: remote}}
    {child}
""", "other.yml": f"services:\n  remote:\n    image: busybox\n    {base}\n"})
    services = load(tmp_path).services
    assert services["child"].get(key, ABSENT) == expected
    assert services["far"].get(key, ABSENT) == expected
    assert key in services["base"]                       # the base itself keeps its value


TAG_ERRORS = [
    ("services:\n  s:\n    image: busybox\n    dns: [!reset 1.1.1.1]\n",
     "4:11: yaml: !reset goes on the value of a mapping key, not in a list or at the top"),
    ("!override\nservices: {}\n", "1:1: yaml: !override goes on the value of a mapping key"),
    ("services:\n  s:\n    image: busybox\n    volumes:\n      - {type: bind, source: /a, target: !override /b}\n",
     "5:42: yaml: !override goes on the value of a mapping key"),
    ("services:\n  s: !merge {image: busybox}\n", "2:6: yaml: unsupported tag !merge"),
]


@pytest.mark.parametrize("text, message", TAG_ERRORS)
def test_merge_tag_errors(tmp_path, text, message):
    write(tmp_path, {"compose.yaml": text})
    with pytest.raises(ComposeError) as caught:
        load(tmp_path)
    assert caught.value.message.startswith(f"{tmp_path}/compose.yaml:{message}")


# ---------------------------------------------------------------- include

INCLUDED = """\
services:
  db:
    image: "busybox:${TAG}"
    volumes: [./data:/data, dbdata:/var/db]
    build: ./ctx
    env_file: db.env
    environment: [FROM_DOTENV, PLAIN=1]
volumes:
  dbdata: {}
networks:
  back: {}
"""


def test_include_short_form(tmp_path):
    write(tmp_path, {"compose.yaml": """\
        include:
          - db/compose.yaml
        services:
          web:
            image: busybox
            depends_on: [db]
            volumes: [./html:/html, dbdata:/shared]
        """, "db/compose.yaml": INCLUDED, "db/.env": "TAG=included\nFROM_DOTENV=dot\n",
        "db/db.env": "IN_FILE=1\n"})
    project = load(tmp_path)
    db = project.services["db"]
    assert db["image"] == "busybox:included"                     # the included project's .env
    assert db["volumes"][0]["source"] == str(tmp_path / "db" / "data")  # paths from its directory
    assert db["build"]["context"] == str(tmp_path / "db" / "ctx")
    assert db["environment"] == {"IN_FILE": "1", "FROM_DOTENV": "dot", "PLAIN": "1"}
    assert project.services["web"]["volumes"][0]["source"] == str(tmp_path / "html")
    assert project.model["volumes"] == {"dbdata": {"name": f"{project.name}_dbdata"}}
    assert project.model["networks"]["back"] == {"name": f"{project.name}_back"}
    text = config_yaml(project.model)
    assert "\ninclude:" not in text and "  db:\n" in text and "  web:\n" in text


INCLUDE_ENVIRONMENTS = [
    # (shell env, the includer's .env, the included .env, expected TAG)
    ({}, "", "TAG=included\n", "included"),
    ({}, "TAG=includer\n", "TAG=included\n", "includer"),   # the including project wins
    ({"TAG": "shell"}, "TAG=includer\n", "TAG=included\n", "shell"),
    ({}, "", "", ""),
]


@pytest.mark.parametrize("shell, outer, inner, expected", INCLUDE_ENVIRONMENTS)
def test_include_interpolation_environment(tmp_path, shell, outer, inner, expected):
    write(tmp_path, {"compose.yaml": "include: [db/compose.yaml]\n", ".env": outer,
                     "db/compose.yaml": "services:\n  db: {image: 'busybox:${TAG}'}\n", "db/.env": inner})
    assert load(tmp_path, shell).services["db"]["image"] == f"busybox:{expected}"


def test_include_long_form(tmp_path):
    write(tmp_path, {"compose.yaml": """\
        include:
          - path: [parts/base.yml, parts/more.yml]
            project_directory: proj
            env_file: [one.env, two.env]
          - path: parts/solo.yml
        """,
        "parts/base.yml": "services:\n  a: {image: 'busybox:${V}', volumes: ['./d:/d'], dns: [1.1.1.1]}\n",
        "parts/more.yml": "services:\n  a: {command: echo more, dns: !override [8.8.8.8]}\n",
        "parts/solo.yml": "services:\n  b: {image: 'busybox:${V:-none}', build: .}\n",
        "proj/.env": "V=not-read\n", "one.env": "V=one\n", "two.env": "V=two\n"})
    services = load(tmp_path).services
    assert services["a"]["image"] == "busybox:two"               # env files: the later wins
    assert services["a"]["command"] == ["echo", "more"]          # the paths merged as -f
    assert services["a"]["dns"] == ["8.8.8.8"]
    assert services["a"]["volumes"][0]["source"] == str(tmp_path / "proj" / "d")
    assert services["b"]["image"] == "busybox:none"              # its own project: no env files
    assert services["b"]["build"]["context"] == str(tmp_path / "parts")


def test_include_nested_and_twice_the_same(tmp_path):
    write(tmp_path, {"compose.yaml": "include: [one/compose.yaml, common.yaml]\n",
                     "one/compose.yaml": "include: [two/compose.yaml, ../common.yaml]\n"
                                         "services:\n  one: {image: busybox, depends_on: [two]}\n",
                     "one/two/compose.yaml": "services:\n  two: {image: busybox, volumes: ['./x:/x']}\n",
                     "common.yaml": "services:\n  common: {image: busybox}\n"})
    services = load(tmp_path).services
    assert sorted(services) == ["common", "one", "two"]
    assert services["two"]["volumes"][0]["source"] == str(tmp_path / "one" / "two" / "x")


def test_a_later_file_merges_into_an_included_service(tmp_path):
    write(tmp_path, {"compose.yaml": "include: [db/compose.yaml]\n",
                     "compose.override.yaml": "services:\n  db: {command: echo over, ports: !reset []}\n",
                     "db/compose.yaml": "services:\n  db: {image: busybox, ports: ['5432:5432']}\n"})
    db = load(tmp_path).services["db"]
    assert db["command"] == ["echo", "over"] and "ports" not in db


def test_an_empty_include(tmp_path):
    write(tmp_path, {"compose.yaml": "include:\nservices:\n  s: {image: busybox}\n"})
    assert list(load(tmp_path).services) == ["s"]


def test_include_paths_are_interpolated(tmp_path):
    write(tmp_path, {"compose.yaml": "include: ['${WHERE:?set WHERE}/compose.yaml']\n",
                     "db/compose.yaml": "services:\n  db: {image: busybox}\n"})
    assert list(load(tmp_path, {"WHERE": "db"}).services) == ["db"]
    with pytest.raises(ComposeError, match="include\\[0\\]: required variable WHERE is missing a value"):
        load(tmp_path)


INCLUDE_ERRORS = [
    # (files, the file the error is in, its message after file:)
    ({"compose.yaml": "include: [db.yaml]\nservices:\n  db: {image: other}\n",
      "db.yaml": "services:\n  db: {image: busybox}\n"},
     "compose.yaml", "3:3: services.db conflicts with imported resource"),
    ({"compose.yaml": "include: [a.yaml, b.yaml]\n",
      "a.yaml": "services:\n  s: {image: busybox}\nnetworks:\n  n: {}\n",
      "b.yaml": "services:\n  t: {image: busybox}\nnetworks:\n  n: {internal: true}\n"},
     "compose.yaml", "1:19: networks.n conflicts with imported resource"),
    ({"compose.yaml": "include: [compose.yaml]\n"}, "compose.yaml", "1:11: include cycle: {d}/compose.yaml -> "
     "{d}/compose.yaml"),
    ({"compose.yaml": "include: [a.yaml]\n", "a.yaml": "include: [{path: b.yaml}]\n",
      "b.yaml": "include:\n  - a.yaml\n"},
     "b.yaml", "2:5: include cycle: {d}/compose.yaml -> {d}/a.yaml -> {d}/b.yaml -> {d}/a.yaml"),
    ({"compose.yaml": "include:\n  - nope.yaml\n"}, "compose.yaml",
     "2:5: include[0].path: open {d}/nope.yaml: no such file or directory"),
    ({"compose.yaml": "include:\n  - {path: a.yaml, env_file: x.env}\n", "a.yaml": "services: {}\n"},
     "compose.yaml", "2:20: include[0].env_file: env file {d}/x.env not found"),
    ({"compose.yaml": "include:\n  - {project_directory: .}\n"}, "compose.yaml",
     "2:5: include[0]: path is required"),
    ({"compose.yaml": "include:\n  - {path: a.yaml, name: x}\n"}, "compose.yaml",
     '2:20: include[0].name: additional property "name" is not allowed'),
    ({"compose.yaml": "include:\n  - {path: [a.yaml, 3]}\n"}, "compose.yaml",
     "2:6: include[0].path: must be a string or a list of strings"),
    ({"compose.yaml": "include: db.yaml\n"}, "compose.yaml", "1:1: include: must be a list"),
    ({"compose.yaml": "include: [db/compose.yaml]\n",
      "db/compose.yaml": "services:\n  db:\n    image: busybox\n    ports: ['99999:1']\n"},
     "db/compose.yaml", '4:13: services.db.ports[0]: invalid port "99999"'),
]


@pytest.mark.parametrize("files, where, message", INCLUDE_ERRORS)
def test_include_errors(tmp_path, files, where, message):
    write(tmp_path, files)
    with pytest.raises(ComposeError) as caught:
        load(tmp_path)
    assert caught.value.message.startswith(f"{tmp_path}/{where}:{message.format(d=tmp_path)}")
    assert "\n" not in caught.value.message
