/** A progress bar on stderr: redrawn in place on a terminal, a line every 10 % elsewhere. */
export function createProgressBar(stream: NodeJS.WriteStream = process.stderr): {
  update(done: number, total: number, label: string): void;
  finish(): void;
} {
  let lastDecile = -1;
  return {
    update(done, total, label) {
      const share = total === 0 ? 1 : done / total;
      if (stream.isTTY) {
        const width = 30;
        const filled = Math.round(share * width);
        stream.write(
          `\r[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(Math.round(share * 100)).padStart(3)}%  ${label.padEnd(20)}`,
        );
        return;
      }
      const decile = Math.floor(share * 10);
      if (decile !== lastDecile) {
        lastDecile = decile;
        stream.write(`progress ${decile * 10}% (${label})\n`);
      }
    },
    finish() {
      if (stream.isTTY) stream.write('\n');
    },
  };
}
