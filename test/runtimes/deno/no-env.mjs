// Issue 10 item 7: Deno without --allow-env. registerWorker() with no address reads III_URL, which
// Deno refuses; the SDK must say so (a warn that names --allow-env=III_URL) instead of silently
// dialling the default address. Run by run-deno.mjs with --allow-net=127.0.0.1:1 only, so the
// default address is never reached. Prints `WARNS <json>` and `DONE`.
const lines = [];
for (const level of ['debug', 'info', 'log', 'warn', 'error']) {
  console[level] = (...args) => lines.push({ level, text: args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ') });
}
try {
  const sdk = await import('../../../dist/deno/index.js');
  const options = { workerName: 'deno-no-env', heartbeat: false, reconnect: { initialDelayMs: 50, maxDelayMs: 50, maxRetries: 2 } };
  const first = sdk.registerWorker(undefined, options);
  const second = sdk.registerWorker(undefined, { ...options, workerName: 'deno-no-env-2' });
  await new Promise((r) => setTimeout(r, 400));
  await Promise.all([first.shutdown(), second.shutdown()]);
  Deno.stdout.writeSync(new TextEncoder().encode(`WARNS ${JSON.stringify(lines)}\nDONE\n`));
  Deno.exit(0);
} catch (error) {
  Deno.stdout.writeSync(new TextEncoder().encode(`BROKEN ${error?.stack ?? error}\n`));
  Deno.exit(2);
}
