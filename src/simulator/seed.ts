/**
 * @module What a fresh simulator holds: one site, an open and a closed queue, and one credential of
 * each kind with every handoff policy. Fixed ids, so the demo's proxy, `doctor` and the tests can be
 * configured without asking. These secrets open nothing but this local simulator.
 */
export const SEED = {
  siteId: '5b0c2d1e-8f3a-4c6b-9d7e-1a2b3c4d5e6f',
  /** It reports an average wait of two minutes, which the widget shows while a visitor waits. */
  openQueue: {
    id: '7c1d3e2f-9a4b-4d7c-8e8f-2b3c4d5e6f70',
    name: 'IT Service Desk',
    averageWaitSeconds: 120,
  },
  closedQueue: {
    id: '8d2e4f30-ab5c-4e8d-9f90-3c4d5e6f7081',
    name: 'Facilities (closed)',
    averageWaitSeconds: 0,
  },
  serviceCredential: {
    apiKeyId: '9e3f5041-bc6d-4f9e-a0a1-4d5e6f708192',
    apiKeySecret: 'sim-service-secret-3f9a1c7e5b2d4086',
  },
  siteApiKey: {
    apiKeyId: 'af405152-cd7e-4a0f-b1b2-5e6f708192a3',
    apiKeySecret: 'gls_sim-site-key-secret-8c2e4a6f1d3b',
  },
  operators: [
    {id: 'b0516263-de8f-4b10-82c3-6f708192a3b4', name: 'Alex Rivera'},
    {id: 'c1627374-ef90-4c21-93d4-708192a3b4c5', name: 'Sam Okafor'},
  ],
} as const;
