import { resolve } from 'node:path';
import { binary, GATEWAY_LISTENING, start } from './processes';

/**
 * Starts the gateway (e2e/gateway.toml: the demo world, and the Salesforce org whose launch
 * links launch.spec.ts signs) on a free loopback port with a fresh data directory, and hands
 * its address to the tests through BASE_URL, which the workers inherit. The function it
 * returns is the teardown: it stops the gateway and removes the data directory.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const config = resolve('e2e/gateway.toml');
  const gateway = await start(
    binary('partnergraph'),
    ['serve', '--config', config, '--demo', '--listen', '127.0.0.1:0'],
    GATEWAY_LISTENING,
    { dataDir: true },
  );
  process.env['BASE_URL'] = gateway.ready;
  return gateway.stop;
}
