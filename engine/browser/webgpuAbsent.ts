// Stands in for @tensorflow/tfjs-backend-webgpu where it is not installed (build/build-electron.mjs):
// the engine window then starts WebGL, its fallback.
export {};
