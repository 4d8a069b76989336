"""compose: docker-compose files run on contain, in stages with imports flowing one way.

    yamlsource.py   YAML → values, each with its file:line:col
    interpolate.py  ${VAR:-default} and friends;   envfile.py  .env / env_file: files
    merge.py        several -f files (and extends) into one document
    normalize.py    validation (one table of service keys) → the normalized model
    durations.py    Go's durations (10s, 1m30s), also for specs.py: a cache hit loads no normalize.py
    load.py         the whole loading: files, project name, env, profiles → Project
    plan.py         wanted vs observed (labels + config-hash), dependency order: pure
    engine.py       carries plans out on pyshell.contain.api (the only contain it uses)
    output.py       progress lines, prefixed coloured logs, `config` YAML, tables
    flags.py, cli.py  the command line (the `compose` builtin, python -m pyshell.compose)
"""
