// Glia's scan deliveries, read loosely: the verdict decides whether a visitor's file may ever be sent.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {readFileScan} from '../../src/wire/glia/index.js';

const FILE = '3f1c2b7e-9d2a-4c1e-8f00-6b1f0d2a9c11';

describe('readFileScan', () => {
  it('a clean verdict, under any of the names it may come by, lets the file go', () => {
    for (const body of [
      {event_type: 'x', file: {id: FILE, security_scan_result: 'clean'}},
      {event_type: 'x', file: {id: FILE, status: 'PASSED'}},
      {event_type: 'x', file_id: FILE, result: 'ok'},
    ])
      assert.deepEqual(readFileScan(body), {fileId: FILE, clean: true}, JSON.stringify(body));
  });

  it('a scan still running is no verdict: the file is neither sent nor called infected', () => {
    for (const result of ['pending', 'scanning', 'in_progress'])
      assert.equal(readFileScan({event_type: 'x', file_id: FILE, result})?.clean, undefined);
  });

  it('any other verdict keeps the file unsent', () => {
    for (const result of ['infected', 'malware_found', 'error'])
      assert.equal(readFileScan({event_type: 'x', file_id: FILE, result})?.clean, false);
  });

  it('a delivery that names no file is not a scan result', () => {
    assert.equal(readFileScan({event_type: 'x', result: 'clean'}), undefined);
  });
});
