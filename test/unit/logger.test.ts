/**
 * A `Logger` of one's own works standalone, like the seed's: it prints to the console at its
 * level without a client (issue 13: `new Logger()` used to throw, `new Logger({level})` printed
 * nothing).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Logger } from '../../src/logger.js';

describe('a standalone Logger', () => {
  afterEach(() => vi.restoreAllMocks());

  it('new Logger() prints info and above to the console, with the default prefix', () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => {});
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const logger = new Logger();
    logger.info('ready', { port: 1 });
    logger.debug('noise');
    logger.error('boom');
    expect(info).toHaveBeenCalledWith('[iii] ready', { port: 1 });
    expect(debug).not.toHaveBeenCalled();
    expect(error).toHaveBeenCalledWith('[iii] boom');
  });

  it('new Logger({ level }) prints from that level on; silent prints nothing', () => {
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => {});
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    new Logger({ level: 'debug' }).debug('details');
    expect(debug).toHaveBeenCalledWith('[iii] details');
    new Logger({ level: 'silent' }).warn('hidden');
    new Logger({ level: 'error' }).warn('hidden too');
    expect(warn).not.toHaveBeenCalled();
  });

  it('looks the console up per record, and takes a sink, a prefix and a forwarder', () => {
    const logger = new Logger({ level: 'warn' });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    logger.warn('late spy');
    expect(warn).toHaveBeenCalledWith('[iii] late spy');
    const sink = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const forward = vi.fn();
    new Logger({ console: sink, prefix: '[svc]', forward }).info('hello', 42);
    expect(sink.info).toHaveBeenCalledWith('[svc] hello', 42);
    expect(forward).toHaveBeenCalledWith('info', 'hello', 42);
  });
});
