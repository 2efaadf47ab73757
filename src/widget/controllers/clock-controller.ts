/** @module A once-a-second tick for the views that show elapsed or remaining time. */
import type {ReactiveController, ReactiveControllerHost} from 'lit';

/**
 * Re-renders its host every second while `needed()` is true (the queued view's waited time, the
 * 429 countdown), and not at all otherwise. `now` is the time of the last tick.
 */
export class ClockController implements ReactiveController {
  now = Date.now();
  readonly #host: ReactiveControllerHost;
  readonly #needed: () => boolean;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(host: ReactiveControllerHost, needed: () => boolean) {
    this.#host = host;
    this.#needed = needed;
    host.addController(this);
  }

  hostUpdate(): void {
    this.now = Date.now();
  }

  hostUpdated(): void {
    if (this.#needed() && this.#timer === undefined) {
      this.#timer = setInterval(() => this.#host.requestUpdate(), 1000);
    } else if (!this.#needed()) {
      this.#stop();
    }
  }

  hostDisconnected(): void {
    this.#stop();
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
