/**
 * @module An agent's files as the panel shows them: the file route needs the session's bearer
 * token, so an `<img src>` or a plain link cannot fetch it. Each file is fetched once into a
 * Blob and shown through an object URL, revoked when the element disconnects.
 */
import type {ReactiveController, ReactiveControllerHost} from 'lit';

/** `loading` until the fetch answered; `failed` when it did not. */
export type FileUrl = string | 'loading' | 'failed';

/** Save what `url` points at (an object URL) as a file called `name`: a click on a download link. */
export function saveAs(url: string, name: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
}

export class FileController implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  readonly #fetch: (fileId: string) => Promise<Blob>;
  readonly #urls = new Map<string, FileUrl>();

  constructor(host: ReactiveControllerHost, fetch: (fileId: string) => Promise<Blob>) {
    this.#host = host;
    this.#fetch = fetch;
    host.addController(this);
  }

  /** The object URL of file `id`, fetching it on first ask (the host re-renders when it came). */
  url(id: string): FileUrl {
    const known = this.#urls.get(id);
    if (known) return known;
    this.#urls.set(id, 'loading');
    this.#fetch(id).then(
      (blob) => this.#settle(id, URL.createObjectURL(blob)),
      () => this.#settle(id, 'failed')
    );
    return 'loading';
  }

  /** Save file `id` under `name` (fetched on first ask). */
  async download(id: string, name: string): Promise<void> {
    let url = this.#urls.get(id);
    if (!url || url === 'failed' || url === 'loading') {
      try {
        url = URL.createObjectURL(await this.#fetch(id));
      } catch {
        this.#settle(id, 'failed');
        return;
      }
      this.#settle(id, url);
    }
    saveAs(url, name);
  }

  hostDisconnected(): void {
    for (const url of this.#urls.values()) if (url.startsWith('blob:')) URL.revokeObjectURL(url);
    this.#urls.clear();
  }

  #settle(id: string, url: FileUrl): void {
    if (!this.#urls.has(id)) {
      // Disconnected meanwhile.
      if (url.startsWith('blob:')) URL.revokeObjectURL(url);
      return;
    }
    this.#urls.set(id, url);
    this.#host.requestUpdate();
  }
}
