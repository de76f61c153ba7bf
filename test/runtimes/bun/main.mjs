// Runs the conformance suite inside Bun against the built Bun entry (what users get).
// Args: <config JSON> <suite bundle file URL> [case-name regexp]
const [configJson, suiteUrl, pattern] = process.argv.slice(2);
try {
  const config = JSON.parse(configJson);
  const sdk = await import('../../../dist/bun/index.js');
  const suite = await import(suiteUrl);
  const filter = pattern ? (name) => new RegExp(pattern).test(name) : undefined;
  await suite.runAll('bun', sdk, config, (r) => console.log(`CASE ${JSON.stringify(r)}`), filter);
  console.log('DONE');
  process.exit(0);
} catch (error) {
  console.log(`BROKEN ${error?.stack ?? error}`);
  process.exit(2);
}
