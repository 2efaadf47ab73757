/** `glia-handoff sim`: not built yet (see the open issues). */
export async function run(_args: string[]): Promise<number> {
  console.error('glia-handoff sim: not available yet');
  return 1;
}
