/** `glia-handoff demo`: not built yet (see the open issues). */
export async function run(_args: string[]): Promise<number> {
  console.error('glia-handoff demo: not available yet');
  return 1;
}
