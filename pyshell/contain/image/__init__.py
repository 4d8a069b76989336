"""Images: store.py (ImageStore: content-addressed layers and configs, tags), layers.py (layer
tars, whiteouts), oci.py (OCI / docker-save archives), registry.py (the distribution API client),
bootstrap.py (base images made on this machine), export.py (a container's filesystem as a tar),
paths.py (a path resolved inside a tree, links and all, as if the tree were "/").
Imports kernel/ and spec.py, never runtime/, build/ or cli/."""
