/**
 * @module The element's first styles, all the launcher needs: public custom properties
 * `--glia-handoff-*` feed short private ones (`--_x`), the host resets inherited text properties
 * so the page's CSS stays outside, and the round button with its badge. The panel's styles
 * (./glia-handoff.styles.ts) are adopted next to these when it loads. No inline style attributes,
 * so a strict `style-src` CSP holds.
 */
import {css} from 'lit';

export const launcherStyles = css`
  :host {
    --_accent: var(--glia-handoff-accent, #0b5cad);
    --_on-accent: var(--glia-handoff-on-accent, #fff);
    --_surface: var(--glia-handoff-surface, #fff);
    --_raised: var(--glia-handoff-raised, #f3f5f8);
    --_text: var(--glia-handoff-text, #1b1f24);
    --_muted: var(--glia-handoff-muted, #57606a);
    --_border: var(--glia-handoff-border, #d0d7de);
    --_agent-bubble: var(--glia-handoff-agent-bubble, #eef1f5);
    --_visitor-bubble: var(--glia-handoff-visitor-bubble, var(--_accent));
    --_on-visitor-bubble: var(--glia-handoff-on-visitor-bubble, var(--_on-accent));
    --_danger: var(--glia-handoff-danger, #b42318);
    --_danger-surface: var(--glia-handoff-danger-surface, #fdecea);
    --_radius: var(--glia-handoff-radius, 14px);
    --_offset: var(--glia-handoff-offset, 20px);
    --_width: var(--glia-handoff-width, 380px);
    --_height: var(--glia-handoff-height, 600px);
    --_shadow: var(--glia-handoff-shadow, 0 12px 40px rgb(15 23 42 / 0.22));

    position: fixed;
    inset-block-end: var(--_offset);
    inset-inline-end: var(--_offset);
    z-index: var(--glia-handoff-z-index, 2147483000);
    color: var(--_text);
    font: 400 15px/1.45 var(--glia-handoff-font, system-ui, -apple-system, 'Segoe UI', sans-serif);
    letter-spacing: normal;
    text-align: start;
    text-transform: none;
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_accent: var(--glia-handoff-accent, #2563eb);
      --_surface: var(--glia-handoff-surface, #161b22);
      --_raised: var(--glia-handoff-raised, #21262d);
      --_text: var(--glia-handoff-text, #e6edf3);
      --_muted: var(--glia-handoff-muted, #9ea7b3);
      --_border: var(--glia-handoff-border, #3d444d);
      --_agent-bubble: var(--glia-handoff-agent-bubble, #262c36);
      --_danger: var(--glia-handoff-danger, #ff8a80);
      --_danger-surface: var(--glia-handoff-danger-surface, #3b1d1b);
      --_shadow: var(--glia-handoff-shadow, 0 12px 40px rgb(0 0 0 / 0.6));
    }
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  [hidden] {
    display: none !important;
  }
  button,
  input,
  textarea {
    font: inherit;
    color: inherit;
  }
  :focus-visible {
    outline: 3px solid var(--_accent);
    outline-offset: 2px;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  svg {
    width: 1.25em;
    height: 1.25em;
    fill: none;
    stroke: currentColor;
    stroke-width: 2;
    stroke-linecap: round;
    stroke-linejoin: round;
    flex: none;
  }

  /* Launcher */
  .launcher {
    position: relative;
    display: grid;
    place-items: center;
    width: 58px;
    height: 58px;
    margin-inline-start: auto;
    border: 0;
    border-radius: 50%;
    background: var(--_accent);
    color: var(--_on-accent);
    box-shadow: var(--_shadow);
    cursor: pointer;
    transition: transform 0.15s ease;
  }
  .launcher:hover {
    transform: scale(1.05);
  }
  .launcher svg {
    width: 26px;
    height: 26px;
  }
  .badge {
    position: absolute;
    inset-block-start: -4px;
    inset-inline-end: -4px;
    min-width: 22px;
    height: 22px;
    padding: 0 6px;
    border: 2px solid var(--_surface);
    border-radius: 11px;
    background: var(--glia-handoff-badge, #c62828);
    color: #fff;
    font-size: 12px;
    font-weight: 700;
    line-height: 18px;
  }

  @media (prefers-reduced-motion: reduce) {
    .launcher {
      transition: none;
    }
  }
`;
