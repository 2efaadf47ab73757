/**
 * @module The bench's processes profile themselves on request (bench/proxy-main.ts, the bare relay):
 * `profile-start` starts V8's CPU profiler in the process, `profile-stop` writes the profile to a
 * file, `heap-snapshot` writes a heap snapshot. Answers true when it handled the command.
 */
import {writeFileSync} from 'node:fs';
import {Session} from 'node:inspector/promises';
import {writeHeapSnapshot} from 'node:v8';
import type {ProxyCommand} from './protocol.js';

let inspector: Session | undefined;

export async function handleProfiling(command: ProxyCommand): Promise<boolean> {
  if (command.type === 'profile-start') {
    inspector = new Session();
    inspector.connect();
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.start');
  } else if (command.type === 'profile-stop') {
    const result = await inspector?.post('Profiler.stop');
    if (result) writeFileSync(command.file, JSON.stringify(result.profile));
    inspector?.disconnect();
    inspector = undefined;
  } else if (command.type === 'heap-snapshot') {
    writeHeapSnapshot(command.file);
  } else return false;
  process.send?.({id: command.id, type: 'profile'});
  return true;
}
