import { isGpuBackend, type ComputePort, type DeviceBackend } from '../../common/api/computeProtocol.js';
import { connectCompute } from '../../common/compute/computeClient.js';
import type { ComputeDevice } from '../backend.js';

/** What a compute device offered to the studio started, and whether runs will descend on it. */
export interface ComputeAttachment {
  readonly backend: DeviceBackend;
  readonly used: boolean;
}

/**
 * Connects to the compute device on `port` (the studio's hidden engine window) and asks what it
 * started. Only a GPU backend is worth the trip: on WebAssembly or plain JavaScript the engine's own
 * thread computes as fast, so such a device is let go.
 */
export async function connectComputeDevice(
  port: ComputePort,
): Promise<{ readonly backend: DeviceBackend; readonly device?: ComputeDevice }> {
  const compute = connectCompute(port);
  const backend = await compute.backend();
  if (!isGpuBackend(backend.name)) {
    compute.lose(`it started ${backend.name}, no faster than this thread`);
    return { backend };
  }
  return { backend, device: { name: backend.name, description: backend.description, compute } };
}
