/**
 * @module The floor of any Lit widget: one element with a style, a reactive property and a
 * template, built with the widget's own Vite settings (bench/widget-size.ts). What the widget weighs
 * beyond this is ours.
 */
import {LitElement, css, html} from 'lit';

class LitFloor extends LitElement {
  static override styles = css`
    :host {
      display: block;
    }
  `;
  static override properties = {name: {type: String}};
  declare name: string;

  constructor() {
    super();
    this.name = 'floor';
  }

  override render() {
    return html`<p>Hello, ${this.name}</p>`;
  }
}

if (!customElements.get('lit-floor')) customElements.define('lit-floor', LitFloor);
