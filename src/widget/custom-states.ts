/**
 * @module The custom states `<glia-handoff>` exposes for `:state(…)` selectors, set in one place:
 * by the element from the stored status until the panel is loaded, by the panel after.
 */

const CUSTOM_STATES = [
  'idle',
  'starting',
  'queued',
  'engaged',
  'ended',
  'failed',
  'offline',
  'reconnecting',
];

/** Turn on the states in `active`, and off the others. */
export function showStates(internals: ElementInternals, active: Set<string>): void {
  const {states} = internals;
  for (const name of CUSTOM_STATES) {
    const on = active.has(name);
    try {
      if (on) states.add(name);
      else states.delete(name);
    } catch {
      // Chromium before 125 accepted only dashed names (`:state(--queued)`).
      if (on) states.add(`--${name}`);
      else states.delete(`--${name}`);
    }
  }
}
