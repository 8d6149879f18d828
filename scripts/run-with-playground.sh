#!/usr/bin/env bash
# `make run`: the bot in the foreground, and (unless SOCIALDESK_PLAYGROUND=0) the Microsoft 365
# Agents Playground next to it: an offline Teams client in the browser, talking to the bot's
# /api/messages. One Playground per person of the example approval path (Carla submits, Ben and
# Anna approve), each in its own browser tab. Stopping the bot (Ctrl-C) stops them too.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.venv/bin}
BOT_PORT=${SOCIALDESK_PORT:-3978}
FIRST_PORT=${PLAYGROUND_PORT:-56150}
PLAYGROUND=node_modules/.bin/agentsplayground
CONFIGS=adapters/teams/playground
mkdir -p var

# Cards show uploaded visuals from this server's /files: without a public URL of your own (in
# the environment or .env), the loopback one, which the Playground in this machine's browser
# reaches. Slack's servers cannot fetch from it, so Slack cards keep the Open button only.
if [ -z "${SOCIALDESK_PUBLIC_URL:-}" ] && ! grep -qs '^SOCIALDESK_PUBLIC_URL=' .env; then
  export SOCIALDESK_PUBLIC_URL="http://127.0.0.1:${BOT_PORT}"
fi

pids=()
stop_playgrounds() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
}
trap stop_playgrounds EXIT

# start HANDLE PORT: a Playground whose current user is HANDLE's Teams user; sets $found to
# the port it listens on (not a $(…) subshell, so that its pid stays ours to stop).
start() {
  local handle=$1 port=$2 log=var/playground-$1.log
  found=""
  M365_AGENTS_PLAYGROUND_CONFIG_PATH="$CONFIGS/$handle.yml" TEAMSAPPTESTER_BROWSER=none \
    "$PLAYGROUND" -e "http://127.0.0.1:${BOT_PORT}/api/messages" -c msteams \
    -p "$port" --disable-telemetry >"$log" 2>&1 &
  pids+=($!)
  # It falls back to a random port when the one asked for is taken: read the real one.
  for _ in $(seq 1 100); do
    found=$(sed -n 's/.*Listening on \([0-9][0-9]*\).*/\1/p' "$log" | head -n 1)
    [ -n "$found" ] && return
    sleep 0.1
  done
}

if [ "${SOCIALDESK_PLAYGROUND:-1}" = "0" ]; then
  echo "Agents Playground: off (SOCIALDESK_PLAYGROUND=0)"
elif [ ! -x "$PLAYGROUND" ]; then
  echo "Agents Playground: off ($PLAYGROUND is missing; install Node.js and npm, then make run)"
else
  start carla "$FIRST_PORT"; carla=$found
  start ben $((FIRST_PORT + 1)); ben=$found
  start anna $((FIRST_PORT + 2)); anna=$found
  if [ -n "$carla" ] && [ -n "$ben" ] && [ -n "$anna" ]; then
    echo
    echo "  Agents Playground (a local Teams), one browser tab per colleague:"
    echo "    Carla Neumann (Marketing)          → http://localhost:${carla}"
    echo "    Ben Weber (Marketing lead)         → http://localhost:${ben}"
    echo "    Anna Schmidt (social media)        → http://localhost:${anna}"
    echo "  Type 'hilfe' once in Ben's and Anna's tabs, then in Carla's: submit Mein erster Beitrag"
    echo "  A picture or file: Mock an Activity → Custom activity (README: Send a file or a pasted image)"
    echo "  (logs: var/playground-*.log; SOCIALDESK_PLAYGROUND=0 turns this off)"
    echo
  else
    echo "Agents Playground did not start; see var/playground-*.log"
  fi
fi

"$BIN/socialdesk" serve
