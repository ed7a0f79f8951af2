import { join } from 'node:path';
import { isPasticheError } from '../../common/errors.js';
import { productRoot, productVersion } from '../resources.js';
import { openStudioThread } from './studioThread.js';
import { startWebHost } from './webHost.js';

/**
 * `npm run studio:web`, and `npm start` where no Electron binary is installed: the studio in the
 * browser, served on 127.0.0.1. PASTICHE_PORT picks the port (any free one by default).
 */
try {
  const studio = await openStudioThread({ version: productVersion() });
  const host = await startWebHost({
    handlers: studio.handlers,
    subscribe: studio.subscribe,
    staticDir: join(productRoot(), 'dist', 'renderer'),
    port: Number(process.env.PASTICHE_PORT ?? 0),
  });
  const { dataHome } = await studio.handlers['studio.info'](undefined);
  console.log(
    `Pastiche studio: open ${host.url}\n(data: ${dataHome}; Ctrl-C stops it, and a running run is kept as cancelled)`,
  );
  const stop = async () => {
    await host.close();
    await studio.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  process.stderr.write(
    `pastiche: ${isPasticheError(error) ? error.message : error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
}
