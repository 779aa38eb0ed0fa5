#!/bin/sh
# nginx of deploy/docker/compose.yml, configured by the shipped deploy/nginx/readside.conf
# (mounted at $TEMPLATE): the upstream's node lines (between the "-- nodes" and "-- end of
# nodes --" markers) become one line per address of $READSIDE_NODES, with the shipped line's
# options; everything else is used as shipped.
#   RENDER_ONLY=1  print the configuration and exit (tests/integration/test_deploy.py)
set -eu
TEMPLATE=${TEMPLATE:-/etc/nginx/readside.conf.in}
OUT=${OUT:-/tmp/readside.conf}
READSIDE_NODES=${READSIDE_NODES:-readside:8080}

options=$(sed -n '/-- nodes (render.py/,/-- end of nodes --/s/^ *server [^ ]* \(.*\);$/\1/p' "$TEMPLATE" | head -n 1)
[ -n "$options" ] || { echo "nginx-entrypoint: no node line in $TEMPLATE" >&2; exit 1; }
nodes=""
for n in $READSIDE_NODES; do
  nodes="${nodes}        server $n $options;\\
"
done
sed -e '/-- nodes (render.py/,/-- end of nodes --/{/^ *server /d;}' \
    -e "s|^\( *\)# -- end of nodes --|${nodes}\1# -- end of nodes --|" "$TEMPLATE" >"$OUT"

if [ "${RENDER_ONLY:-0}" = 1 ]; then
  cat "$OUT"
  exit 0
fi
mkdir -p /var/lib/nginx/readside /var/cache/nginx/readside
exec nginx -c "$OUT" -g 'daemon off;'
