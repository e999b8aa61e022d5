/** Keeps stored step outputs bounded: a large output becomes a preview with its size. */
export function capOutput(output: unknown, capBytes: number): { output: unknown; truncated: boolean } {
  const json = JSON.stringify(output ?? null);
  const size = new TextEncoder().encode(json).length;
  if (size <= capBytes) return { output, truncated: false };
  return {
    output: { truncated: true, sizeBytes: size, preview: json.slice(0, Math.min(2_000, capBytes)) },
    truncated: true,
  };
}
