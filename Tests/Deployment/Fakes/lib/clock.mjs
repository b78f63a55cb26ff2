// The fake cloud's time, in seconds since the scenario began (state.clock), so that what the real cloud does with
// time plays out the same way here, in milliseconds: tokens expire, role assignments take effect minutes after they
// are made, a provision takes minutes. Every call to a fake tool costs one second; `sleep N` costs N (the fakes put a
// `sleep` first on PATH, and the hooks pause through it: infra/hooks/Tools/Clock.cs); `azd provision` costs the time
// its Bicep deployment takes. Messages print the time as the real services do, from a fixed start.
const START = Date.parse("2026-12-07T09:00:00Z");

export function now(state) {
  return state.clock ?? 0;
}

export function advance(state, seconds) {
  state.clock = now(state) + seconds;
}

/** ISO 8601 with seven fractional digits, as Entra prints times in its errors. */
export function iso(seconds) {
  return new Date(START + seconds * 1000).toISOString().replace(/\.(\d{3})Z$/, ".$10000Z");
}
