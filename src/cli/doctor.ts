/** `glia-handoff doctor`: not built yet (see the open issues). */
export async function run(_args: string[]): Promise<number> {
  console.error('glia-handoff doctor: not available yet');
  return 1;
}
