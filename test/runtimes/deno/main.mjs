// Runs the conformance suite inside Deno against the built Deno entry (what users get).
// Args: <config JSON> <suite bundle file URL> [case-name regexp]
const [configJson, suiteUrl, pattern] = Deno.args;
try {
  const config = JSON.parse(configJson);
  const sdk = await import('../../../dist/deno/index.js');
  const suite = await import(suiteUrl);
  const filter = pattern ? (name) => new RegExp(pattern).test(name) : undefined;
  await suite.runAll('deno', sdk, config, (r) => console.log(`CASE ${JSON.stringify(r)}`), filter);
  console.log('DONE');
  Deno.exit(0);
} catch (error) {
  console.log(`BROKEN ${error?.stack ?? error}`);
  Deno.exit(2);
}
