#!/usr/bin/env bash
# `make run`: the bot in the foreground, and (unless SOCIALDESK_PLAYGROUND=0) the Microsoft 365
# Agents Playground next to it: an offline Teams client in the browser, talking to the bot's
# /api/messages. Stopping the bot (Ctrl-C) stops the Playground too.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.venv/bin}
BOT_PORT=${SOCIALDESK_PORT:-3978}
PLAYGROUND_PORT=${PLAYGROUND_PORT:-56150}
PLAYGROUND=node_modules/.bin/agentsplayground
mkdir -p var

playground_pid=""
stop_playground() {
  if [ -n "$playground_pid" ] && kill -0 "$playground_pid" 2>/dev/null; then
    kill "$playground_pid" 2>/dev/null || true
  fi
}
trap stop_playground EXIT

if [ "${SOCIALDESK_PLAYGROUND:-1}" = "0" ]; then
  echo "Agents Playground: off (SOCIALDESK_PLAYGROUND=0)"
elif [ ! -x "$PLAYGROUND" ]; then
  echo "Agents Playground: off ($PLAYGROUND is missing; install Node.js and npm, then make run)"
else
  TEAMSAPPTESTER_BROWSER=none "$PLAYGROUND" \
    -e "http://127.0.0.1:${BOT_PORT}/api/messages" -c msteams \
    -p "$PLAYGROUND_PORT" --disable-telemetry >var/playground.log 2>&1 &
  playground_pid=$!
  # It falls back to a random port when 56150 is taken: read the one it really listens on.
  port=""
  for _ in $(seq 1 100); do
    port=$(sed -n 's/.*Listening on \([0-9][0-9]*\).*/\1/p' var/playground.log | head -n 1)
    [ -n "$port" ] && break
    kill -0 "$playground_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -n "$port" ]; then
    echo
    echo "  Agents Playground (a local Teams) → open http://localhost:${port}"
    echo "  You are Alex Wilber = Carla Neumann. Type: submit Mein erster Beitrag"
    echo "  (log: var/playground.log; SOCIALDESK_PLAYGROUND=0 turns it off)"
    echo
  else
    echo "Agents Playground did not start; see var/playground.log"
  fi
fi

"$BIN/socialdesk" serve
