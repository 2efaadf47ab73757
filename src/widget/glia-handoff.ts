/**
 * @module The registration entry: importing it defines `<glia-handoff>` (once, even if a page
 * loads the script twice). Everything else in src/widget only declares.
 */
import {config} from 'zod/mini';
import {GliaHandoffElement} from './glia-handoff-element.js';

export {GliaHandoffElement};
export * from './events.js';
export type {HandoffContext} from './controllers/session-controller.js';

// zod compiles fast parsers with `new Function` unless told not to; a page with a strict CSP
// (no 'unsafe-eval') would log a violation for the probe. The widget's schemas are small.
config({jitless: true});

if (!customElements.get('glia-handoff')) customElements.define('glia-handoff', GliaHandoffElement);
