import { COMPUTE_PORT_MESSAGE } from '../common/api/computeProtocol.js';
import { serveCompute } from '../common/compute/computeServer.js';
import { computePort } from '../common/compute/messagePort.js';
import { startDeviceBackend } from './deviceBackend.js';

// The studio's hidden engine window: starts a GPU backend, then answers the compute protocol on the
// port its preload (or a test) posts to this window.
const backend = startDeviceBackend({
  acceptSoftwareRendering: new URLSearchParams(location.search).get('software') === 'accept',
});

window.addEventListener('message', (event) => {
  // Only this window's own preload hands over the port, never another frame.
  if (event.source !== window || event.data !== COMPUTE_PORT_MESSAGE || event.ports.length !== 1) return;
  serveCompute(computePort(event.ports[0]), backend);
});
