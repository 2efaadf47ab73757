/**
 * @module The panel's styles, adopted next to the launcher's (./launcher.styles.ts, whose custom
 * properties and base rules they build on) when the panel is loaded. Applied as adopted
 * stylesheets (no inline style attributes, so a strict `style-src` CSP holds).
 */
import {css} from 'lit';

export const styles = css`
  /* Panel */
  .panel {
    position: absolute;
    inset-block-end: calc(100% + 14px);
    inset-inline-end: 0;
    display: flex;
    flex-direction: column;
    width: min(var(--_width), calc(100vw - 2 * var(--_offset)));
    height: min(var(--_height), calc(100dvh - 110px));
    overflow: hidden;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    box-shadow: var(--_shadow);
  }
  .header {
    display: flex;
    align-items: center;
    gap: 8px;
    padding-block: 12px;
    padding-inline: 16px 10px;
    background: var(--_accent);
    color: var(--_on-accent);
  }
  .heading {
    flex: 1;
    min-width: 0;
  }
  h2 {
    margin: 0;
    font-size: 16px;
    font-weight: 650;
  }
  .subtitle {
    margin: 0;
    font-size: 13px;
    opacity: 0.92;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .icon-button {
    display: grid;
    place-items: center;
    width: 36px;
    height: 36px;
    border: 0;
    border-radius: 8px;
    background: none;
    cursor: pointer;
  }
  .header .text-button {
    padding: 6px 10px;
    border: 1px solid;
    border-radius: 8px;
    background: none;
    font-size: 13px;
    cursor: pointer;
  }
  .icon-button:hover,
  .header .text-button:hover {
    background: rgb(255 255 255 / 0.16);
  }
  .body {
    display: flex;
    flex: 1;
    flex-direction: column;
    min-height: 0;
  }
  .scroll {
    flex: 1;
    overflow-y: auto;
    overscroll-behavior: contain;
    padding: 16px;
  }
  .log:focus-visible {
    outline-offset: -3px;
  }

  /* Buttons */
  .primary,
  .secondary {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 6px;
    min-height: 42px;
    padding: 8px 16px;
    border-radius: 10px;
    font-weight: 600;
    cursor: pointer;
  }
  .primary {
    border: 0;
    background: var(--_accent);
    color: var(--_on-accent);
  }
  .secondary {
    border: 1px solid var(--_border);
    background: var(--_surface);
  }
  button:disabled {
    cursor: default;
  }
  .primary:disabled,
  .choice:disabled:not([aria-pressed='true']) {
    opacity: 0.6;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 8px;
    margin-block-start: 16px;
  }
  .actions > * {
    flex: 1 1 auto;
  }

  /* Pre-chat */
  form.prechat {
    display: flex;
    flex-direction: column;
    gap: 14px;
  }
  label {
    display: block;
    margin-block-end: 4px;
    font-size: 14px;
    font-weight: 600;
  }
  .hint {
    margin: 4px 0 0;
    color: var(--_muted);
    font-size: 13px;
  }
  .field input,
  .field textarea {
    width: 100%;
    padding: 9px 11px;
    border: 1px solid var(--_border);
    border-radius: 9px;
    background: var(--_surface);
    font-size: 16px;
  }
  .field textarea {
    resize: vertical;
    min-height: 96px;
  }
  .note {
    margin: 0;
    padding: 10px 12px;
    border-radius: 9px;
    background: var(--_raised);
    color: var(--_muted);
    font-size: 13px;
  }

  /* Queued */
  .queue {
    display: flex;
    flex-direction: column;
    align-items: center;
    padding-block-start: 24px;
    text-align: center;
  }
  .pulse {
    display: grid;
    place-items: center;
    width: 72px;
    height: 72px;
    margin-block-end: 16px;
    border-radius: 50%;
    background: var(--_raised);
    color: var(--_accent);
    animation: pulse 1.8s ease-in-out infinite;
  }
  .pulse svg {
    width: 32px;
    height: 32px;
  }
  @keyframes pulse {
    50% {
      box-shadow: 0 0 0 12px color-mix(in srgb, var(--_accent) 18%, transparent);
    }
  }
  h3 {
    margin: 0 0 6px;
    font-size: 18px;
  }
  .queue p {
    margin: 0;
    color: var(--_muted);
  }
  .queue .estimate {
    margin: -8px 0 14px;
  }
  .queue .waited {
    margin: 14px 0;
    color: var(--_text);
    font-size: 22px;
    font-variant-numeric: tabular-nums;
    font-weight: 650;
  }
  blockquote {
    width: 100%;
    margin: 8px 0 0;
    padding: 10px 12px;
    border-inline-start: 3px solid var(--_accent);
    border-radius: 6px;
    background: var(--_raised);
    text-align: start;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .queue .label {
    align-self: flex-start;
    margin-block-start: 16px;
    font-size: 13px;
    font-weight: 600;
  }

  /* Transcript */
  ol {
    display: flex;
    flex-direction: column;
    gap: 10px;
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .msg {
    display: flex;
    flex-direction: column;
    max-width: 85%;
  }
  .msg.visitor {
    align-self: flex-end;
    align-items: flex-end;
  }
  .who {
    margin: 0 4px 2px;
    color: var(--_muted);
    font-size: 12px;
    font-weight: 600;
  }
  .bubble {
    margin: 0;
    padding: 8px 12px;
    border-radius: 16px;
    border-end-start-radius: 4px;
    background: var(--_agent-bubble);
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .visitor .bubble {
    border-end-start-radius: 16px;
    border-end-end-radius: 4px;
    background: var(--_visitor-bubble);
    color: var(--_on-visitor-bubble);
  }
  .system .bubble {
    background: var(--_raised);
  }
  .failed .bubble {
    outline: 2px solid var(--_danger);
    outline-offset: 1px;
  }
  .bubble a {
    color: inherit;
    text-decoration: underline;
  }
  .meta {
    display: flex;
    align-items: center;
    gap: 6px;
    margin: 3px 4px 0;
    color: var(--_muted);
    font-size: 12px;
  }
  .failed .meta {
    color: var(--_danger);
    font-weight: 600;
  }
  .link-button {
    padding: 0;
    border: 0;
    background: none;
    color: var(--_accent);
    font-size: 12px;
    font-weight: 700;
    text-decoration: underline;
    cursor: pointer;
  }
  .files {
    display: flex;
    flex-direction: column;
    gap: 4px;
    margin: 4px 0 0;
    padding: 0;
    list-style: none;
  }
  .file {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 4px 8px;
    padding: 6px 10px;
    border: 1px solid var(--_border);
    border-radius: 10px;
    background: var(--_surface);
    font-size: 13px;
  }
  .file-name {
    overflow-wrap: anywhere;
  }
  .size,
  .file-stage,
  .removed {
    color: var(--_muted);
  }
  .file-stage.infected,
  .file-stage.failed {
    color: var(--_danger);
    font-weight: 600;
  }
  .file progress {
    flex-basis: 100%;
    height: 6px;
    accent-color: var(--_accent);
  }
  .thumb img {
    display: block;
    max-width: 100%;
    max-height: 180px;
    border-radius: 8px;
  }
  .file-link svg {
    width: 14px;
    height: 14px;
    vertical-align: -2px;
  }
  .choices {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    margin-top: 6px;
  }
  .choice {
    min-height: 36px;
    padding: 6px 12px;
  }
  .choice[aria-pressed='true'] {
    border-color: var(--_accent);
    background: var(--_accent);
    color: var(--_on-accent);
  }
  .notice {
    align-self: center;
    max-width: 90%;
    color: var(--_muted);
    font-size: 13px;
    text-align: center;
  }

  /* Status line, alerts, ended and error cards */
  .status {
    min-height: 0;
    margin: 0;
    padding: 0 16px;
    color: var(--_muted);
    font-size: 13px;
  }
  .status:not(:empty) {
    padding-block: 6px;
  }
  .status.warn {
    background: var(--_raised);
    color: var(--_text);
  }
  .content {
    display: contents;
  }
  .dots {
    display: inline-flex;
    gap: 3px;
    margin-inline-end: 8px;
    vertical-align: middle;
  }
  .dots i {
    width: 6px;
    height: 6px;
    border-radius: 50%;
    background: currentColor;
    animation: dot 1.2s ease-in-out infinite;
  }
  .dots i:nth-child(2) {
    animation-delay: 0.15s;
  }
  .dots i:nth-child(3) {
    animation-delay: 0.3s;
  }
  @keyframes dot {
    30% {
      transform: translateY(-3px);
      opacity: 0.5;
    }
  }
  .banner {
    display: flex;
    gap: 8px;
    align-items: flex-start;
    margin: 8px 12px 0;
    padding: 10px 12px;
    border-radius: 10px;
    background: var(--_danger-surface);
    color: var(--_text);
    font-size: 14px;
  }
  .banner p {
    flex: 1;
    margin: 0;
  }
  .banner svg,
  .card.error svg {
    color: var(--_danger);
  }
  .card {
    margin-block-start: 16px;
    padding: 16px;
    border: 1px solid var(--_border);
    border-radius: 12px;
    background: var(--_raised);
  }
  .card p {
    margin: 6px 0 0;
  }
  .card .hint {
    margin-block-start: 8px;
  }
  .card.error {
    border-color: color-mix(in srgb, var(--_danger) 50%, var(--_border));
    background: var(--_danger-surface);
  }
  .card h3 {
    display: flex;
    align-items: center;
    gap: 8px;
  }
  .confirm {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px;
    padding: 10px 16px;
    border-block-end: 1px solid var(--_border);
    background: var(--_raised);
  }
  .confirm p {
    flex: 1 1 100%;
    margin: 0;
    font-weight: 600;
  }
  .confirm button {
    min-height: 36px;
  }

  /* Composer */
  .composer {
    display: flex;
    align-items: flex-end;
    gap: 8px;
    padding: 10px 12px 12px;
    border-block-start: 1px solid var(--_border);
  }
  .composer textarea {
    flex: 1;
    min-height: 42px;
    max-height: 140px;
    padding: 9px 12px;
    border: 1px solid var(--_border);
    border-radius: 12px;
    background: var(--_surface);
    font-size: 16px;
    resize: none;
    field-sizing: content;
  }
  .composer .primary {
    width: 44px;
    padding: 0;
  }
  .composer .attach {
    width: 42px;
    height: 42px;
    color: var(--_muted);
  }
  /* Mirrored about the icon's own centre: around the SVG's origin it would leave the button. */
  :dir(rtl) .flip {
    transform: scaleX(-1);
    transform-box: fill-box;
    transform-origin: center;
  }

  /* Phones: the panel takes the whole screen (dvh follows the on-screen keyboard and bars). */
  @media (max-width: 479.98px) {
    .panel {
      position: fixed;
      inset: 0;
      width: 100%;
      height: 100dvh;
      border: 0;
      border-radius: 0;
    }
    .open .launcher {
      display: none;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .pulse,
    .dots i {
      animation: none;
    }
  }
`;
