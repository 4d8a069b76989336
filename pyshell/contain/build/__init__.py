"""Dockerfile -> image: dockerfile.py (the parser), files.py (build context, .dockerignore,
COPY sources), builder.py (runs the steps; RUN in a container through runtime.lifecycle).
Imports image/, runtime/ (public functions), spec.py and kernel/; never api.py or cli/."""
