export async function main(argv: string[]): Promise<number> {
  process.stdout.write(`mbh-lab ${argv.join(' ')}\n`);
  return 0;
}
