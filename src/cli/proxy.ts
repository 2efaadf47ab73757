/** `glia-handoff proxy`: not built yet (see the open issues). */
export async function run(_args: string[]): Promise<number> {
  console.error('glia-handoff proxy: not available yet');
  return 1;
}
