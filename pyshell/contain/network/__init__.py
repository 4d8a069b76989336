"""Container networks: bridges, veth pairs, addresses, NAT, published ports and names.

A reading map (no code here):
  netlink.py   the rtnetlink messages of contain (veth pair, bridge, address, route; dumps of
               links, addresses, routes), spoken by us: importing pyroute2 costs 150-180 ms,
               a whole run ~10 ms
  links.py     bridges and the host's links and routes, by name, on netlink.py
  ipam.py      address leases on disk: one file per address, made with O_EXCL, reclaimed
  firewall.py  pysh's own nftables table: masquerade and isolation; a new network adds its rules;
               published ports' DNAT (a container adds and deletes elements of fixed maps)
  nftnetlink.py  those elements' nf_tables messages, spoken by us: no nft process per container
  store.py     user-defined networks (create/ls/inspect/rm/prune) and the default `bridge`
  attach.py    what a container gets on a network, set up inside its namespace; and undone
  ports.py     `-p`/`-P` specs parsed, host sockets bound before the container starts
  proxy.py     the one port proxy process per container (TCP with splice(2), and UDP): it holds
               the sockets, serves what the DNAT does not, and is all rootless containers have
  dns.py       the name server on each user network's gateway (one process per network namespace)
  resolv.py    a container's /etc/resolv.conf: its servers, at start and after a live connect
  rootless.py  slirp4netns for ordinary users

May import: the standard library, pyshell.errors / record / statedir, contain.spec and the
kernel room (contain/kernel/). Never runtime, cli, build or image.
"""
