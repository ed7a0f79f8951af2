// Imported for its side effect (registering the 'webgpu' backend) only, and optional at build time.
declare module '@tensorflow/tfjs-backend-webgpu';
