import { join } from 'node:path';
import { isPasticheError } from '../../common/errors.js';
import { productRoot, productVersion } from '../resources.js';
import { openStudio } from './studio.js';
import { startWebHost } from './webHost.js';

/**
 * `npm run studio:web`, and `npm start` where no Electron binary is installed: the studio in the
 * browser, served on 127.0.0.1. PASTICHE_PORT picks the port (any free one by default).
 */
try {
  const studio = await openStudio({ version: productVersion() });
  const host = await startWebHost({
    handlers: studio.handlers, store: studio.store, subscribe: studio.subscribe,
    staticDir: join(productRoot(), 'dist', 'renderer'), port: Number(process.env.PASTICHE_PORT ?? 0),
  });
  console.log(`Pastiche studio: open ${host.url}\n(data: ${studio.store.paths.home}; Ctrl-C stops it, and a running run is kept as cancelled)`);
  const stop = async () => {
    await host.close();
    await studio.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  process.stderr.write(`pastiche: ${isPasticheError(error) ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
}
