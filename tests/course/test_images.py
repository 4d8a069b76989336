"""The course's images made offline (`contain bootstrap redis | nginx | php:apache | python:3`):
each says what the official image says, and does what the course uses it for.

The containers here have no network but their own loopback (contain's default), so the
servers are asked from inside, with bash's /dev/tcp.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import pytest

from course_support import CACHE, Course

# What Docker Hub's official images say in their config (docker inspect), for the keys the
# course relies on. Env is checked for the variables that change how the image runs.
OFFICIAL = {
    "redis": {"Entrypoint": ["docker-entrypoint.sh"], "Cmd": ["redis-server"], "WorkingDir": "/data",
              "ExposedPorts": {"6379/tcp": {}}, "StopSignal": None, "Volumes": {"/data": {}}},
    "nginx": {"Entrypoint": ["/docker-entrypoint.sh"], "Cmd": ["nginx", "-g", "daemon off;"],
              "WorkingDir": "", "ExposedPorts": {"80/tcp": {}}, "StopSignal": "SIGQUIT"},
    "php:apache": {"Entrypoint": ["docker-php-entrypoint"], "Cmd": ["apache2-foreground"],
                   "WorkingDir": "/var/www/html", "ExposedPorts": {"80/tcp": {}}, "StopSignal": "SIGWINCH"},
    "python:3": {"Entrypoint": None, "Cmd": ["python3"], "WorkingDir": "", "ExposedPorts": None,
                 "StopSignal": None},
}
OFFICIAL_ENV = {"php:apache": ("APACHE_CONFDIR=/etc/apache2", "APACHE_ENVVARS=/etc/apache2/envvars"),
                "python:3": ("LANG=C.UTF-8",)}
PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def http_get_inside(course: Course, container: str, path: str, port: int = 80) -> str:
    """GET path from a server in the container, asked from inside it (bash's /dev/tcp)."""
    script = (f'exec 3<>/dev/tcp/127.0.0.1/{port} && printf "GET {path} HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n" >&3'
              ' && cat <&3')
    for _ in range(50):  # the server may still be starting
        done = course.contain("exec", container, "bash", "-c", script, check=False)
        if done.returncode == 0 and done.stdout:
            return done.stdout
        time.sleep(0.1)
    raise AssertionError(f"no answer on port {port} of {container}: {done.stderr}")


@pytest.mark.parametrize("image", sorted(OFFICIAL))
def test_config_is_the_official_one(course, image):
    config = json.loads(course.contain("inspect", "--format", "{{json .Config}}", image).stdout)
    for key, value in OFFICIAL[image].items():
        assert (config.get(key) or None) == (value or None), (key, config.get(key))
    assert config["Env"][0] == PATH
    for variable in OFFICIAL_ENV.get(image, ()):
        assert variable in config["Env"]


def test_redis_server_is_pid_1_on_every_address_without_protected_mode(course):
    course.contain("run", "-d", "--name", "course-redis", "redis")
    try:
        for _ in range(50):
            if course.contain("exec", "course-redis", "redis-cli", "ping", check=False).stdout == "PONG\n":
                break
            time.sleep(0.1)
        config = course.contain("exec", "course-redis", "redis-cli", "config", "get", "*").stdout.split("\n")
        settings = dict(zip(config[0::2], config[1::2]))
        assert settings["protected-mode"] == "no"
        assert settings["bind"] in ("* -::*", "")  # Redis 7's default: every address
        assert settings["dir"] == "/data"
        status = course.contain("exec", "course-redis", "cat", "/proc/1/status").stdout
        assert "\nUid:\t999\t" in status  # the entry point dropped to the redis user
        assert course.contain("exec", "course-redis", "cat", "/proc/1/comm").stdout == "redis-server\n"
        assert "Ready to accept connections" in course.contain("logs", "course-redis").stdout
    finally:
        course.contain("rm", "-f", "course-redis")


def test_nginx_serves_its_welcome_page_and_logs_to_stdout(course):
    course.contain("run", "-d", "--name", "course-nginx", "nginx")
    try:
        page = http_get_inside(course, "course-nginx", "/")
        assert page.startswith("HTTP/1.1 200 OK") and "<title>Welcome to nginx!</title>" in page
        assert "Server: nginx/" in page
        assert http_get_inside(course, "course-nginx", "/missing").startswith("HTTP/1.1 404")
        time.sleep(0.2)
        assert '"GET / HTTP/1.0" 200' in course.contain("logs", "course-nginx").stdout
        workers = course.contain("exec", "course-nginx", "ps", "-eo", "user=,args=", check=False)
        if workers.returncode == 0:  # procps is not in the image; ps may be absent
            assert "nginx: worker process" in workers.stdout
    finally:
        course.contain("stop", "course-nginx")  # SIGQUIT: nginx's graceful stop
        assert "Exited (0)" in course.contain("ps", "-a").stdout
        course.contain("rm", "course-nginx")


def test_php_apache_runs_index_php_with_the_redis_extension(course, workdir):
    html = workdir / "html"
    html.mkdir()
    (html / "index.php").write_text('<?php echo "php ", PHP_MAJOR_VERSION, " redis ", '
                                    'class_exists("Redis") ? "yes" : "no", " in ", getcwd(), "\\n";\n')
    course.contain("run", "-d", "--name", "course-php", "-v", f"{html}:/var/www/html/", "php:apache")
    try:
        page = http_get_inside(course, "course-php", "/")
        assert page.startswith("HTTP/1.1 200 OK"), page
        assert page.endswith("php 8 redis yes in /var/www/html\n"), page
        assert "Server: Apache/2.4" in page
        logs = course.contain("logs", "course-php")
        assert "apache2 -D FOREGROUND" in logs.stdout + logs.stderr
        assert course.contain("exec", "course-php", "cat", "/proc/1/comm").stdout == "apache2\n"
    finally:
        course.contain("stop", "course-php")  # SIGWINCH: Apache's graceful stop
        course.contain("rm", "course-php")


def test_php_apache_with_nothing_mounted_is_an_empty_site(course):
    course.contain("run", "-d", "--name", "course-php-empty", "php:apache")
    try:
        assert http_get_inside(course, "course-php-empty", "/").startswith("HTTP/1.1 403 Forbidden")
    finally:
        course.contain("rm", "-f", "course-php-empty")


def test_python_3_pip_installs_into_the_image_python(course, workdir):
    package = workdir / "hello"
    (package / "hello").mkdir(parents=True)
    (package / "hello" / "__init__.py").write_text("GREETING = 'bonjour'\n")
    (package / "pyproject.toml").write_text('[build-system]\nrequires = ["setuptools"]\n'
                                            'build-backend = "setuptools.build_meta"\n'
                                            '[project]\nname = "hello"\nversion = "1.0"\n')
    done = course.contain("run", "--rm", "-v", f"{package}:/src", "python:3", "sh", "-c",
                          "pip install --no-index --no-build-isolation -q /src/ 2>&1 && cd / && "
                          "python -c 'import hello, sys; print(hello.GREETING, sys.version_info[0])'",
                          timeout=300)
    assert done.stdout.endswith("bonjour 3\n"), done.stdout + done.stderr
    default = course.contain("run", "--rm", "-i", "python:3", input="print(6 * 7)\n")
    assert default.stdout == "42\n"  # the default command is python3 itself


def test_a_second_bootstrap_in_a_fresh_home_comes_from_the_cache(course):
    with tempfile.TemporaryDirectory(prefix="pysh-course-fresh-") as fresh:
        other = Course(Path(fresh))
        done = other.contain("bootstrap", "redis", timeout=600)
        assert "from the cache" in done.stderr and "building" not in done.stderr
        same = course.contain("inspect", "--format", "{{.Id}}", "redis").stdout.strip()
        assert done.stdout.strip() == same  # the same image, byte for byte
    assert (CACHE / "course-images").is_dir()


def test_bootstrap_of_an_unknown_image_names_the_choices(course):
    done = course.contain("bootstrap", "alpine", check=False)
    assert done.returncode == 1
    assert done.stderr == ("pysh: contain bootstrap: cannot bootstrap 'alpine': choose busybox, "
                           "debian[:SUITE], redis, nginx, php:apache, python:3\n")
